"""Pure rules: thresholds from settings (bad values refused naming the setting, also by the system check),
severity steps, the threat score's parts, and the price chart's gaps for "no offer"."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from competitors.analysis import severity_for, threat, thresholds, thresholds_parse
from competitors.chart import price_chart
from competitors.checks import thresholds_check


def seen(landed=None, *, box=False, rank=None, sellers=()):
    return SimpleNamespace(has_offer=landed is not None, landed_price=landed, has_buy_box=box, sales_rank=rank,
                           sellers=list(sellers), buy_box_price=None, time=None)  # fmt: skip


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        pytest.param(
            "COMPETITORS_PRICE_PCT_THRESHOLDS", ["5", "2", "10", "20"], "strictly increasing", id="order_case"
        ),
        pytest.param("COMPETITORS_PRICE_PCT_THRESHOLDS", ["2", "5", "10"], "must give 4 steps", id="count_case"),
        pytest.param("COMPETITORS_PRICE_PCT_THRESHOLDS", ["2", "x", "10", "20"], "4 comma-separated", id="nan_case"),
        pytest.param("COMPETITORS_RANK_DELTA_THRESHOLDS", ["0", "5", "10", "20"], "positive", id="zero_case"),
        pytest.param("COMPETITORS_RANK_DELTA_THRESHOLDS", ["1.5", "5", "10", "20"], "comma-separated", id="float_case"),
        pytest.param("COMPETITORS_ALERT_WINDOW_MINUTES", 0, "COMPETITORS_ALERT_WINDOW_MINUTES", id="window_case"),
    ],
)
def test_bad_thresholds_are_refused_naming_the_setting(settings, setting, value, message):
    setattr(settings, setting, value)
    with pytest.raises(ValueError, match=message) as caught:
        thresholds()
    assert setting in str(caught.value)
    [error] = thresholds_check()
    assert error.id == "competitors.E001"
    assert setting in error.msg


def test_default_thresholds_pass_the_check():
    assert thresholds_check() == []
    assert thresholds().window == timedelta(minutes=60)


def test_thresholds_accept_a_comma_string():
    parsed = thresholds_parse(price_pct="1,2,3,4", rank_delta="10,20,30,40", window_minutes="5")
    assert parsed.price_pct == (Decimal("1"), Decimal("2"), Decimal("3"), Decimal("4"))


@pytest.mark.parametrize(
    ("size", "expected"),
    [(Decimal("1.99"), None), (Decimal("-2"), "low"), (Decimal("9.99"), "medium"), (10, "high"), (-25, "critical")],
)
def test_severity_steps(size, expected):
    assert severity_for(size, thresholds().price_pct) == expected


def test_threat_parts_add_up_with_worked_numbers():
    # 10 % cheaper than our 50.00 (20 + 2 x 10 = 40), holds the buy box (25), rank 1,000 (10), 2 changes (6)
    score, parts = threat(seen(Decimal("45.00"), box=True, rank=1000), our_price=Decimal("50.00"), price_changes=2)
    assert parts == {"price": "40.00", "buy_box": "25.00", "rank": "10.00", "activity": "6.00"}
    assert score == Decimal("81.00")
    # 10 % dearer, no buy box, no rank, very active (capped at 15)
    score, parts = threat(seen(Decimal("55.00")), our_price=Decimal("50.00"), price_changes=9)
    assert parts == {"price": "0.00", "buy_box": "0.00", "rank": "0.00", "activity": "15.00"}
    # no offer: no price or buy-box part; no linked listing: a neutral 20
    assert threat(seen(None, box=True), our_price=Decimal("50"), price_changes=0)[1]["price"] == "0.00"
    assert threat(seen(Decimal("9")), our_price=None, price_changes=0)[1]["price"] == "20.00"


def test_the_chart_breaks_the_line_where_there_was_no_offer():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows = []
    for i, landed in enumerate([Decimal("10"), Decimal("12"), None, Decimal("11")]):
        row = seen(landed)
        row.time, row.buy_box_price = start + timedelta(hours=i), Decimal("10")
        rows.append(row)
    chart = price_chart(rows)
    assert len(chart.segments) == 2
    assert chart.no_offer_x == [400.0]
    assert (chart.low, chart.high) == (Decimal("10"), Decimal("12"))
    assert price_chart([]).count == 0
