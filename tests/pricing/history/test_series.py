"""The chart's series: daily closes where compressed, raw points after, and the price holding at the window's
start (docs/pricing.md#price-history)."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest

from pricing.history import price_history_record
from pricing.history_models import PriceHistory, PriceHistoryDaily
from pricing.history_selectors import SeriesPoint, price_history_series

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)


@pytest.fixture
def listing(make_listing):
    listing = make_listing()
    PriceHistory.objects.all().delete()
    return listing


def _daily(listing, day, close, kind="ours"):
    return PriceHistoryDaily.objects.create(
        listing=listing,
        kind=kind,
        day=day,
        min_price=close,
        max_price=close,
        close_price=close,
        close_time=datetime.combine(day, time(12), tzinfo=UTC),
        points=1,
    )


def test_daily_closes_then_raw_points(listing):
    # given a compressed day inside the window and a raw point after it
    _daily(listing, date(2026, 10, 1), Decimal("18.00"))
    PriceHistory.objects.create(listing=listing, time=NOW - timedelta(days=1), price=Decimal("19.00"), source="api")

    series = price_history_series(listing=listing, days=90, now=NOW)

    assert series["ours"] == [
        SeriesPoint(datetime.combine(date(2026, 10, 1), time.max, tzinfo=UTC), Decimal("18.00")),
        SeriesPoint(NOW - timedelta(days=1), Decimal("19.00")),
    ]
    assert series["buy_box"] == []


def test_the_price_before_the_window_starts_the_line(listing):
    # given a buy box seen before the window (raw) and our price compressed before it
    start = NOW - timedelta(days=10)
    PriceHistory.objects.create(
        listing=listing, time=start - timedelta(days=1), kind="buy_box", price=Decimal("17.00"), source="sync"
    )
    _daily(listing, date(2026, 11, 1), Decimal("21.00"))

    series = price_history_series(listing=listing, days=10, now=NOW)

    assert series["buy_box"] == [SeriesPoint(start, Decimal("17.00"))]
    assert series["ours"] == [SeriesPoint(start, Decimal("21.00"))]


def test_recording_compares_with_the_last_daily_close_once_raw_points_are_gone(listing):
    _daily(listing, date(2026, 11, 1), Decimal("21.00"))
    assert price_history_record(listing=listing, price=Decimal("21.00"), source="manual") is None
    assert price_history_record(listing=listing, price=Decimal("22.00"), source="manual") is not None
