"""The listing page's price chart: the margin floor price, the layout of the lines and the band, and the page
(docs/pricing.md#price-history)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from channels.services import channel_update
from pricing.history import price_history_record_observed
from pricing.history_chart import PLOT_BOTTOM, PLOT_TOP, price_chart
from pricing.history_selectors import SeriesPoint
from pricing.margins import NoFees, margin_for
from pricing.models import ChannelFee
from pricing.rules import floor_price

START = datetime(2026, 11, 1, tzinfo=UTC)
END = START + timedelta(days=10)


def _terms(**fields):
    return ChannelFee(
        referral_pct=Decimal("15"),
        referral_min=Decimal("0.30"),
        payment_pct=Decimal("3"),
        fixed_fee=Decimal("0.30"),
        fulfilment_fee=Decimal("0"),
        **fields,
    )


@pytest.mark.parametrize(
    ("terms", "expected"),
    [
        # (10.00 + 0.30) / (1 − 0.20 − 0.15 − 0.03) = 16.613 → 16.62 (net margin 3.33 = 20.04 %; 16.61 gives 19.99 %)
        pytest.param(_terms(), Decimal("16.62"), id="no_tax_case"),
        # incl. 20 % tax: 10.30 / (0.80 / 1.2 − 0.18) = 21.164 before rounding; at 21.15 the net price is 17.63
        # and the fees 3.17 + 0.63 + 0.30 = 4.10: margin 3.53 = 20.02 %; at 21.14, 3.52 / 17.62 = 19.98 %
        pytest.param(_terms(prices_include_tax=True, tax_rate=Decimal("20")), Decimal("21.15"), id="tax_case"),
        # the referral minimum decides: (10 + 3.00) / 0.80 = 16.25, where 15 % (2.44) is below the 3.00 minimum
        pytest.param(
            ChannelFee(referral_pct=Decimal("15"), referral_min=Decimal("3.00"), payment_pct=Decimal("0")),
            Decimal("16.25"),
            id="referral_min_case",
        ),
        pytest.param(NoFees(), Decimal("12.50"), id="no_fees_case"),  # 10 / 0.8
    ],
)
def test_floor_price_is_the_smallest_price_at_the_floor(terms, expected):
    price = floor_price(landed_cost=Decimal("10.00"), terms=terms, floor_pct=Decimal("20"))
    assert price == expected
    assert not margin_for(price, Decimal("10.00"), terms, floor_pct=Decimal("20")).below_floor
    assert margin_for(price - Decimal("0.01"), Decimal("10.00"), terms, floor_pct=Decimal("20")).below_floor


def test_no_floor_price_when_fees_eat_the_margin():
    terms = ChannelFee(referral_pct=Decimal("85"), payment_pct=Decimal("0"))
    assert floor_price(landed_cost=Decimal("10"), terms=terms, floor_pct=Decimal("20")) is None


def test_chart_layout_steps_band_and_floor():
    # given our price 10 then 20 at mid-range, a buy box with a gap of no offer, band 10..20 and floor 15
    series = {
        "ours": [SeriesPoint(START, Decimal("10")), SeriesPoint(START + timedelta(days=5), Decimal("20"))],
        "remote": [],
        "buy_box": [SeriesPoint(START, Decimal("12")), SeriesPoint(START + timedelta(days=2), None)],
        "lowest_competitor": [SeriesPoint(START, None)],
    }

    chart = price_chart(
        series=series, start=START, end=END, price_min=Decimal("10"), price_max=Decimal("20"), floor=Decimal("15")
    )

    # then the scale pads 5 % of 10..20, our line steps at x=180, the buy box stops at its gap, and the band
    # and floor sit between the axis and the top
    assert (chart.low, chart.high) == (Decimal("9.50"), Decimal("20.50"))
    ours, box = chart.lines
    assert (ours.kind, ours.last, box.kind, box.last) == ("ours", Decimal("20"), "buy_box", None)
    assert ours.points == "0.0,107.5 180.0,107.5 180.0,18.5 360,18.5"
    assert box.points == "0.0,89.7"
    assert PLOT_TOP < chart.band_y < chart.floor_y < chart.band_y + chart.band_h < PLOT_BOTTOM
    assert chart.floor_y == 63.0


def test_an_empty_history_is_an_empty_chart():
    chart = price_chart(series={"ours": []}, start=START, end=END)
    assert chart.is_empty
    assert chart.band_y is None
    assert chart.floor_y is None


@pytest.mark.django_db
def test_the_listing_page_draws_the_chart(staff_client, make_listing, channel):
    # given a listing with a cost price, a band on its channel and a buy box seen
    channel_update(channel=channel, price_min=Decimal("15.00"), price_max=Decimal("30.00"))
    listing = make_listing(channel=channel)
    listing.product.cost_price = Decimal("10.00")
    listing.product.save()
    price_history_record_observed(listing=listing, kind="buy_box", price=Decimal("19.00"))

    response = staff_client.get(f"/listings/{listing.pk}/")

    # then the page has the chart's lines, band and floor, and no script
    content = response.content.decode()
    assert response.status_code == 200
    assert 'data-line="ours"' in content
    assert 'data-line="buy_box"' in content
    assert "data-band" in content
    assert "margin floor 12.50" in content
    assert '<li data-legend="buy_box">Buy box: 19.00</li>' in content
    section = content[content.index('id="price-history"') :]
    assert "<script" not in section[: section.index("</section>")]
