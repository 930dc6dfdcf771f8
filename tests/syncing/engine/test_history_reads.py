import pytest
from django.urls import reverse

from syncing.connectors.base import Rejected
from syncing.models import SyncEvent, SyncJob
from syncing.selectors import channel_sync_health, listing_sync_history, sync_event_list, sync_job_list
from syncing.services import listings_publish

from .conftest import run_queue


@pytest.fixture
def history(fake_market, shop, make_listings):
    listings = make_listings(3)
    fake_market.faults = [Rejected("Title is too long", code="TITLE", http_status=400)]
    job = listings_publish(channel=shop, listing_ids=[lst.pk for lst in listings])
    run_queue()
    return job, listings


def test_event_filters(history, shop):
    job, listings = history
    assert sync_event_list(filters={"job": job.pk}).count() == 3
    rejected = sync_event_list(filters={"outcome": ["rejected"]})
    assert [e.error_code for e in rejected] == ["TITLE"]
    assert sync_event_list(filters={"q": "too long"}).count() == 1
    assert sync_event_list(filters={"sku": listings[1].product.sku.lower()}).get().listing_id == listings[1].pk
    assert sync_event_list(filters={"http_status": 400}).count() == 1
    assert sync_event_list(filters={"channel": shop.pk, "error_kind": "rejected"}).count() == 1


def test_job_filters_and_progress(history, shop):
    job, _ = history
    (listed,) = sync_job_list(filters={"channel": shop.pk, "has_failures": True})
    assert listed.pk == job.pk
    assert listed.progress_percent == 100
    assert sync_job_list(filters={"status": "succeeded"}).count() == 0


def test_listing_history_newest_first(history, fake_market, shop):
    from listings.services import listing_update

    _, listings = history
    listing = listings[1]
    listing.refresh_from_db()
    listing_update(listing=listing, title="Changed title")
    listings_publish(channel=shop, listing_ids=[listing.pk])
    run_queue()
    events = listing_sync_history(listing=listing)
    assert [e.operation for e in events] == ["update", "create"]
    assert events[0].created_at >= events[1].created_at


def test_health_of_a_healthy_channel(history, shop):
    health = channel_sync_health(channel=shop)
    assert (health.is_paused, health.circuit_open_until, health.message, health.active_jobs) == (False, None, "", 0)


def test_admin_pages_render(history, staff_client):
    job, _ = history
    event = SyncEvent.objects.first()
    for url in (
        reverse("admin:syncing_syncjob_changelist"),
        reverse("admin:syncing_syncjob_change", args=[job.pk]),
        reverse("admin:syncing_syncevent_changelist") + "?outcome=rejected",
        reverse("admin:syncing_syncevent_change", args=[event.pk]),
        reverse("admin:syncing_dailyeventsummary_changelist"),
        reverse("admin:syncing_ratebucket_changelist"),
    ):
        assert staff_client.get(url).status_code == 200, url


def test_admin_cancel_action(fake_market, shop, make_listings, staff_client):
    (listing,) = make_listings(1)
    job = listings_publish(channel=shop, listing_ids=[listing.pk])
    response = staff_client.post(
        reverse("admin:syncing_syncjob_changelist"), {"action": "cancel_jobs", "_selected_action": [job.pk]}
    )
    assert response.status_code == 302
    assert SyncJob.objects.get(pk=job.pk).status == "cancelled"
