"""analytics.services.attribution: changes found in the database, the control group chosen, confounders read from
prices, versions and stock movements, the upsert, the nightly task and its schedule."""

from datetime import timedelta
from decimal import Decimal

import pytest

from analytics.models import AttributionEvent, ChangeKind
from analytics.schedules import schedule_specs
from analytics.services.attribution import attribution_analyse, changes_find, stock_out_days
from analytics.tasks import attribution_nightly_task
from catalog.services import category_create
from common.errors import ApplicationError
from inventory.models import StockMovement
from inventory.services import stock_adjust, stock_for_product
from pricing.history import price_history_record
from pricing.history_models import PriceHistory

from .attribution_data import (
    CHANGE_DAY,
    LISTING_UNITS,
    LONG_AGO,
    TODAY,
    at,
    listing_make,
    metrics_write,
    version_write,
    worked_example,
)

pytestmark = pytest.mark.django_db


def event_of(listing):
    return AttributionEvent.objects.get(listing=listing)


def test_the_worked_example_from_the_database(make_channel):
    scene = worked_example(make_channel)

    result = attribution_analyse(since=CHANGE_DAY - timedelta(days=5), today=TODAY)

    assert result.changes == 2  # MUG-T's title and MUG-C's description
    event = event_of(scene.listing)
    assert (event.change_kind, event.change_id, event.change_type) == (
        ChangeKind.LISTING_VERSION,
        scene.version.pk,
        "title_update",
    )
    assert event.change_timestamp == at(CHANGE_DAY)
    # only MUG-A and MUG-B: the changed one, the other channel's and the other category's are left out
    assert event.control_before["listings"] == 2
    assert (event.control_before["units_avg"], event.control_after["units_avg"]) == (15.0, 16.5)
    assert (event.metrics_before["units_total"], event.metrics_after["units_total"]) == (70, 84)
    assert event.metrics_after["conversion_rate"] == 0.12
    assert (event.impact_score, event.confidence, event.verdict) == (Decimal("10.00"), Decimal("90.84"), "positive")
    assert event.confounders == []
    assert event.analysis_date == TODAY
    assert "Metric: units ordered per day." in event.analysis_notes


def test_measuring_again_updates_the_one_event(make_channel):
    scene = worked_example(make_channel)
    attribution_analyse(listing_ids=[scene.listing.pk], since=CHANGE_DAY, today=TODAY)
    first = event_of(scene.listing)
    # a report revised the last after-day: 0 units instead of 12
    scene.listing.performance_metrics.filter(report_date=CHANGE_DAY + timedelta(days=7)).update(units_ordered=0)

    attribution_analyse(listing_ids=[scene.listing.pk], since=CHANGE_DAY, today=TODAY + timedelta(days=1))

    again = event_of(scene.listing)
    assert AttributionEvent.objects.count() == 1  # MUG-C is not asked for
    assert again.pk == first.pk
    assert again.created_at == first.created_at
    assert again.metrics_after["units_total"] == 72
    assert again.impact_score < first.impact_score
    assert again.analysis_date == TODAY + timedelta(days=1)


def test_a_change_whose_after_window_has_not_ended_is_not_measured(make_channel):
    scene = worked_example(make_channel)

    assert attribution_analyse(since=CHANGE_DAY, today=CHANGE_DAY + timedelta(days=7)).changes == 0
    assert attribution_analyse(listing_ids=[scene.listing.pk], today=CHANGE_DAY + timedelta(days=8)).changes == 1
    with pytest.raises(ApplicationError, match="in the future"):
        attribution_analyse(since=TODAY + timedelta(days=1), today=TODAY)


def test_price_change_and_its_confounders(make_channel):
    scene = worked_example(make_channel)
    listing = scene.listing
    PriceHistory.objects.filter(listing=listing).delete()
    price_history_record(listing=listing, price=Decimal("20.00"), source="manual", at=LONG_AGO)
    price_history_record(listing=listing, price=Decimal("20.00"), source="sync", at=at(CHANGE_DAY, 8), force=True)
    price_history_record(listing=listing, price=Decimal("18.00"), source="rule", at=at(CHANGE_DAY + timedelta(days=2)))

    attribution_analyse(listing_ids=[listing.pk], since=CHANGE_DAY - timedelta(days=5), today=TODAY)

    price_event = AttributionEvent.objects.get(listing=listing, change_kind=ChangeKind.PRICE)
    assert price_event.change_type == "price_change"  # the same price written again is no change
    assert "Price 20.00 → 18.00 (Price rule)." in price_event.analysis_notes
    assert [c["code"] for c in price_event.confounders] == ["other_change"]  # the title change
    assert price_event.confounders[0]["days"] == [CHANGE_DAY.isoformat()]
    title_event = AttributionEvent.objects.get(listing=listing, change_kind=ChangeKind.LISTING_VERSION)
    assert title_event.confounders == [
        {
            "code": "price_change",
            "label": "Price change inside the window",
            "days": [(CHANGE_DAY + timedelta(days=2)).isoformat()],
        }
    ]


def test_stock_out_days_read_back_from_the_movements(make_channel):
    scene = worked_example(make_channel)
    stock = stock_for_product(scene.listing.product)
    sold_out = stock_adjust(stock=stock, delta=-100, reason="damaged")
    restocked = stock_adjust(stock=stock, delta=50, reason="delivery")
    StockMovement.objects.filter(pk=sold_out.pk).update(created_at=at(CHANGE_DAY + timedelta(days=2), 10))
    StockMovement.objects.filter(pk=restocked.pk).update(created_at=at(CHANGE_DAY + timedelta(days=4), 9))

    days = stock_out_days(scene.listing, CHANGE_DAY - timedelta(days=7), CHANGE_DAY + timedelta(days=7))
    attribution_analyse(listing_ids=[scene.listing.pk], since=CHANGE_DAY, today=TODAY)

    expected = [CHANGE_DAY + timedelta(days=n) for n in (2, 3, 4)]  # out at the end of 12th, back during 14th
    assert days == expected
    event = event_of(scene.listing)
    assert [c["code"] for c in event.confounders] == ["stock_out"]
    assert event.confounders[0]["days"] == [d.isoformat() for d in expected]


def test_another_content_change_in_the_window(make_channel):
    scene = worked_example(make_channel)
    later = version_write(scene.listing, when=at(CHANGE_DAY + timedelta(days=5)), fields=("images",))

    attribution_analyse(listing_ids=[scene.listing.pk], since=CHANGE_DAY, today=TODAY + timedelta(days=5))

    first = AttributionEvent.objects.get(change_id=scene.version.pk)
    assert first.confounders[0]["code"] == "other_change"
    assert first.confounders[0]["days"] == [(CHANGE_DAY + timedelta(days=5)).isoformat()]
    second = AttributionEvent.objects.get(change_id=later.pk)
    assert second.change_type == "image_update"  # the same image list (no image added in these rows)
    assert second.verdict == "inconclusive"  # only 2 days of data after it


def test_no_category_means_no_control_group(make_channel):
    channel = make_channel("amazon")
    loner = listing_make(channel, None, "LONER")
    metrics_write(loner, LISTING_UNITS)
    version_write(loner, when=at(CHANGE_DAY))

    attribution_analyse(since=CHANGE_DAY, today=TODAY)

    event = event_of(loner)
    assert event.verdict == "inconclusive"
    assert event.control_before["listings"] == 0
    assert "The listing's product has no category: there is no control group." in event.analysis_notes


def test_no_data_for_the_control_is_inconclusive(make_channel):
    channel = make_channel("amazon")
    mugs = category_create(name="Quiet mugs")
    listing = listing_make(channel, mugs, "Q-1")
    listing_make(channel, mugs, "Q-2")  # same category, no metrics at all
    metrics_write(listing, LISTING_UNITS)
    version_write(listing, when=at(CHANGE_DAY))

    attribution_analyse(since=CHANGE_DAY, today=TODAY)

    event = event_of(listing)
    assert event.verdict == "inconclusive"
    assert event.impact_score is None
    assert "No control group" in event.analysis_notes


def test_changes_found_skip_first_versions(make_channel):
    scene = worked_example(make_channel)
    found = changes_find(first=LONG_AGO.date(), last=TODAY)
    assert {c.change_id for c in found} == {
        scene.version.pk,
        scene.others["changed"].content_versions.get(version_number=2).pk,
    }


def test_nightly_task_and_its_schedule(make_channel, monkeypatch):
    scene = worked_example(make_channel)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a: TODAY if not a else a[0].date())

    attribution_nightly_task()

    assert event_of(scene.listing).verdict == "positive"
    spec = next(s for s in schedule_specs() if s.name == "analytics.attribution_nightly")
    assert spec.func == "analytics.tasks.attribution_nightly_task"


def test_queries_per_change_do_not_grow_with_the_control_group(make_channel):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    scene = worked_example(make_channel)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            attribution_analyse(listing_ids=[scene.listing.pk], since=CHANGE_DAY, today=TODAY)
        return len(queries)

    small = count()
    category = scene.listing.product.category
    for n in range(4):
        metrics_write(listing_make(scene.listing.channel, category, f"MUG-X{n}"), LISTING_UNITS)

    assert count() == small
    assert event_of(scene.listing).control_before["listings"] == 6
