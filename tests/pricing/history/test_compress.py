"""Downsampling and retention of the price history: raw points for PRICE_HISTORY_RAW_DAYS, then one daily row
(min, max, close) per listing, kind and UTC day, all gone after PRICE_HISTORY_KEEP_DAYS
(docs/pricing.md#price-history)."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django_q.models import Schedule

from pricing.history import price_history_compress, price_history_cutoffs
from pricing.history_models import PriceHistory, PriceHistoryDaily
from pricing.history_tasks import price_history_compress_task
from pricing.schedules import schedule_specs

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 7, 2, 30, tzinfo=UTC)  # raw cut-off: 2026-11-07 00:00 UTC; keep from 2024-12-07


def _point(listing, at, price, kind="ours", source="manual"):
    return PriceHistory.objects.create(
        listing=listing, time=at, price=None if price is None else Decimal(price), kind=kind, source=source
    )


@pytest.fixture
def listing(make_listing):
    listing = make_listing()
    PriceHistory.objects.all().delete()  # the creation's point, at the real now
    return listing


def test_cutoffs_follow_the_settings(settings):
    settings.PRICE_HISTORY_RAW_DAYS, settings.PRICE_HISTORY_KEEP_DAYS = 30, 730
    assert price_history_cutoffs(NOW) == (datetime(2026, 11, 7, tzinfo=UTC), date(2024, 12, 7))


def test_a_day_of_points_becomes_min_max_close(listing):
    # given our price on 2026-11-01: 20.00 at 08:00, 18.50 at 12:00, 21.00 at 15:00, 19.90 at 23:59
    day = datetime(2026, 11, 1, tzinfo=UTC)
    for hour, minute, price in ((8, 0, "20.00"), (12, 0, "18.50"), (15, 0, "21.00"), (23, 59, "19.90")):
        _point(listing, day.replace(hour=hour, minute=minute), price)
    # and the buy box that day: 19.00, then no offer at 18:00
    _point(listing, day.replace(hour=9), "19.00", kind="buy_box", source="sync")
    _point(listing, day.replace(hour=18), None, kind="buy_box", source="sync")

    # when the job runs
    counts = price_history_compress(now=NOW)

    # then one row per kind: min 18.50, max 21.00, close 19.90 over 4 points; the buy box closes with no
    # offer, its min and max from the one price
    assert counts == {"compressed": 6, "daily_created": 2, "raw_deleted": 6, "daily_deleted": 0}
    rows = {r.kind: r for r in PriceHistoryDaily.objects.all()}
    ours, box = rows["ours"], rows["buy_box"]
    assert (ours.day, ours.min_price, ours.max_price, ours.close_price, ours.points) == (
        date(2026, 11, 1),
        Decimal("18.50"),
        Decimal("21.00"),
        Decimal("19.90"),
        4,
    )
    assert (box.min_price, box.max_price, box.close_price, box.points) == (
        Decimal("19.00"),
        Decimal("19.00"),
        None,
        2,
    )
    assert not PriceHistory.objects.exists()


def test_the_raw_boundary_is_a_utc_midnight(listing):
    # given points one second before and exactly at the cut-off (2026-11-07 00:00 UTC)
    cutoff = datetime(2026, 11, 7, tzinfo=UTC)
    _point(listing, cutoff - timedelta(seconds=1), "10.00")
    kept = _point(listing, cutoff, "11.00")

    price_history_compress(now=NOW)

    # then the older becomes the 2026-11-06 aggregate and the newer stays raw
    assert list(PriceHistory.objects.values_list("pk", flat=True)) == [kept.pk]
    assert list(PriceHistoryDaily.objects.values_list("day", "close_price")) == [(date(2026, 11, 6), Decimal("10.00"))]


def test_two_years_in_all(listing):
    # given aggregates on the last kept day and the day before, and a raw point older than two years
    keep_from = date(2024, 12, 7)
    for day in (keep_from, keep_from - timedelta(days=1)):
        at = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
        PriceHistoryDaily.objects.create(
            listing=listing, kind="ours", day=day, min_price=1, max_price=1, close_price=1, close_time=at, points=1
        )
    _point(listing, datetime(2024, 12, 1, tzinfo=UTC), "5.00")

    counts = price_history_compress(now=NOW)

    # then the older aggregate and the too-old raw point are gone, not aggregated
    assert list(PriceHistoryDaily.objects.values_list("day", flat=True)) == [keep_from]
    assert counts == {"compressed": 1, "daily_created": 0, "raw_deleted": 1, "daily_deleted": 1}


def test_points_recorded_late_merge_into_the_day(listing):
    # given a compressed day (min 18, max 20, close 19 at 12:00)
    day = datetime(2026, 11, 2, tzinfo=UTC)
    for hour, price in ((8, "20.00"), (10, "18.00"), (12, "19.00")):
        _point(listing, day.replace(hour=hour), price)
    price_history_compress(now=NOW)
    # when points of that day arrive afterwards (a queued recording) at 06:00 (17.00) and 20:00 (22.00)
    _point(listing, day.replace(hour=6), "17.00")
    _point(listing, day.replace(hour=20), "22.00")
    price_history_compress(now=NOW)

    # then the day's row takes them in: min 17, max 22, close 22 (the later), 5 points
    row = PriceHistoryDaily.objects.get()
    assert (row.min_price, row.max_price, row.close_price, row.points) == (
        Decimal("17.00"),
        Decimal("22.00"),
        Decimal("22.00"),
        5,
    )


def test_a_second_run_changes_nothing(listing):
    _point(listing, datetime(2026, 10, 1, tzinfo=UTC), "9.00")
    price_history_compress(now=NOW)
    assert price_history_compress(now=NOW) == {
        "compressed": 0,
        "daily_created": 0,
        "raw_deleted": 0,
        "daily_deleted": 0,
    }
    assert PriceHistoryDaily.objects.count() == 1


def test_the_task_compresses_and_the_schedule_runs_it_daily(listing):
    _point(listing, datetime(2020, 1, 1, tzinfo=UTC), "9.00")
    price_history_compress_task()
    assert not PriceHistory.objects.exists()
    spec = next(s for s in schedule_specs() if s.name == "pricing.price_history_compress")
    assert (spec.name, spec.func, spec.schedule_type) == (
        "pricing.price_history_compress",
        "pricing.history_tasks.price_history_compress_task",
        Schedule.DAILY,
    )
