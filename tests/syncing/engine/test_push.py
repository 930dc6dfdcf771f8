from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import OrmQ

from common.errors import ApplicationError
from listings.choices import ListingStatus
from syncing.choices import SyncErrorKind, SyncJobStatus, SyncOperation, SyncOutcome
from syncing.connectors.base import AuthExpired, ConnectorError, RateLimited, Rejected, RetryableError
from syncing.models import SyncEvent, SyncJob
from syncing.services import listings_errors_repush, listings_publish, sync_event_retry, sync_job_cancel
from syncing.services.push_listing import sync_listing_push

from .conftest import queued_tasks, run_queue


def test_publish_selection_pushes_each_listing_once(fake_market, shop, make_listings):
    # given three ready listings
    listings = make_listings(3)
    # when they are published and the queue runs
    job = listings_publish(channel=shop, listing_ids=[lst.pk for lst in listings])
    assert job.total == 3
    assert OrmQ.objects.count() == 1
    run_queue()
    # then each is live with its external id, hash and a succeeded create event
    job.refresh_from_db()
    assert (job.status, job.processed, job.succeeded, job.failed, job.progress_percent) == (
        SyncJobStatus.SUCCEEDED,
        3,
        3,
        0,
        100,
    )
    for listing in listings:
        listing.refresh_from_db()
        assert listing.status == ListingStatus.LIVE
        assert listing.external_id.startswith("gid://")
        assert len(listing.last_pushed_hash) == 64
        event = SyncEvent.objects.get(listing=listing)
        assert (event.operation, event.outcome, event.attempt, event.is_final) == ("create", "succeeded", 1, True)
        assert event.duration_ms is not None
        assert event.payload_hash == listing.last_pushed_hash
    assert len(fake_market.items) == 3
    assert [c[0] for c in fake_market.calls] == ["push"] * 3


def test_republish_unchanged_listing_is_skipped(fake_market, shop, make_listings):
    # given a listing published once
    (listing,) = make_listings(1)
    listings_publish(channel=shop, listing_ids=[listing.pk])
    run_queue()
    fake_market.calls.clear()
    # when it is published again without a change
    job = listings_publish(channel=shop, listing_ids=[listing.pk])
    run_queue()
    # then no call is made and the job counts it as skipped
    job.refresh_from_db()
    assert fake_market.calls == []
    assert (job.skipped, job.status) == (1, SyncJobStatus.SUCCEEDED)
    assert SyncEvent.objects.filter(job=job, outcome=SyncOutcome.SKIPPED).count() == 1


def test_changed_listing_is_updated_not_created(fake_market, shop, make_listings):
    from listings.services import listing_update

    (listing,) = make_listings(1)
    listings_publish(channel=shop, listing_ids=[listing.pk])
    run_queue()
    listing.refresh_from_db()
    external_id = listing.external_id
    # when the title changes and it is published again
    listing_update(listing=listing, title="A better title")
    listings_publish(channel=shop, listing_ids=[listing.pk])
    run_queue()
    # then the same remote item is updated
    assert list(fake_market.items) == [external_id]
    assert fake_market.items[external_id]["title"] == "A better title"
    assert SyncEvent.objects.filter(listing=listing, operation=SyncOperation.UPDATE, outcome="succeeded").count() == 1


@pytest.mark.parametrize(
    ("error", "code_case"),
    [
        (
            Rejected("Title too long", code="VALIDATION", field_errors={"title": ["max 255"]}, http_status=400),
            "rejected",
        ),
        (ConnectorError("Bad request body", code="E400", http_status=400), "plain_400"),
        (ConnectorError("Not found", code="E404", http_status=404), "plain_404"),
    ],
)
def test_validation_errors_are_never_retried(fake_market, shop, make_listings, error, code_case):
    # given the marketplace refuses the data
    (listing,) = make_listings(1)
    fake_market.faults = [error]
    # when
    job = listings_publish(channel=shop, listing_ids=[listing.pk])
    run_queue()
    # then: one call, no retry queued, listing in error with the marketplace's message
    listing.refresh_from_db()
    job.refresh_from_db()
    assert [c[0] for c in fake_market.calls] == ["push"]
    assert OrmQ.objects.count() == 0
    assert listing.status == ListingStatus.ERROR
    assert error.message in listing.last_error_message
    assert (job.failed, job.status) == (1, SyncJobStatus.FAILED)
    event = SyncEvent.objects.get(listing=listing)
    assert (event.outcome, event.error_kind, event.is_final) == ("rejected", SyncErrorKind.REJECTED, True)
    if code_case == "rejected":
        assert "title: max 255" in listing.last_error_message


@pytest.mark.parametrize("status_case", [408, 409, 500, 503])
def test_retryable_statuses_schedule_a_backoff_retry(fake_market, shop, make_listings, status_case):
    # given a temporary failure
    (listing,) = make_listings(1)
    fake_market.faults = [ConnectorError("try later", code="TMP", http_status=status_case)]
    before = timezone.now()
    # when the chunk runs
    job = listings_publish(channel=shop, listing_ids=[listing.pk])
    run_queue(include_delayed=False)
    # then a retry is queued ~30 s later (schedule step 1 +-20 %) and the event says when
    event = SyncEvent.objects.get(listing=listing)
    assert event.outcome == SyncOutcome.RETRY_SCHEDULED
    assert event.error_kind == SyncErrorKind.RETRYABLE
    assert before + timedelta(seconds=23) < event.next_retry_at < before + timedelta(seconds=40)
    ((row, task),) = queued_tasks()
    assert task["func"].__name__ == "sync_listing_push_task"
    assert task["args"] == (job.pk, listing.pk)
    assert row.lock > before + timedelta(seconds=23)
    listing.refresh_from_db()
    assert listing.status == ListingStatus.QUEUED
    assert "retry at" in listing.last_error_message
    # when the retry runs it first checks the SKU (the failed create may have happened), then succeeds
    run_queue()
    listing.refresh_from_db()
    job.refresh_from_db()
    assert listing.status == ListingStatus.LIVE
    assert job.succeeded == 1
    assert job.status == SyncJobStatus.SUCCEEDED
    assert list(
        SyncEvent.objects.filter(listing=listing).order_by("pk").values_list("operation", "attempt", "outcome")
    ) == [("create", 1, "retry_scheduled"), ("lookup", 2, "succeeded"), ("create", 2, "succeeded")]


def test_gives_up_after_max_attempts(fake_market, shop, make_listings):
    (listing,) = make_listings(1)
    fake_market.faults = [RetryableError("down", http_status=503) for _ in range(10)]
    job = listings_publish(channel=shop, listing_ids=[listing.pk])
    run_queue()
    listing.refresh_from_db()
    job.refresh_from_db()
    # SYNC_MAX_ATTEMPTS = 4 in the fixture; after the failed create every retry first looks the SKU up
    assert [c[0] for c in fake_market.calls] == ["push", "find", "find", "find"]
    assert listing.status == ListingStatus.ERROR
    assert listing.last_error_message.startswith("Gave up after 4 attempts: down")
    assert job.failed == 1
    assert job.status == SyncJobStatus.FAILED


def test_rate_limited_waits_for_retry_after_and_holds_the_bucket(fake_market, shop, make_listings):
    from syncing.ratelimit import wait_hint
    from syncing.services.connection import bucket_key, channel_rate

    (listing,) = make_listings(1)
    fake_market.faults = [RateLimited("slow down", retry_after=12, http_status=429)]
    before = timezone.now()
    listings_publish(channel=shop, listing_ids=[listing.pk])
    run_queue(include_delayed=False)
    event = SyncEvent.objects.get(listing=listing)
    assert event.error_kind == SyncErrorKind.THROTTLED
    assert event.http_status == 429
    assert before + timedelta(seconds=12) <= event.next_retry_at < before + timedelta(seconds=14)
    rate, burst = channel_rate(shop)
    assert 11 < wait_hint(bucket_key(shop), rate=rate, burst=burst) <= 12.1
    run_queue()
    listing.refresh_from_db()
    assert listing.status == ListingStatus.LIVE


def test_lost_create_response_is_found_by_sku_not_duplicated(fake_market, shop, make_listings, settings):
    settings.SYNC_RATE_SAFETY = 1.0
    (listing,) = make_listings(1)
    fake_market.lose_response_after_create = 1
    job = listings_publish(channel=shop, listing_ids=[listing.pk])
    run_queue()
    listing.refresh_from_db()
    job.refresh_from_db()
    # then the retry looked the SKU up, updated the item it found, and only one remote item exists
    assert len(fake_market.items) == 1
    assert listing.external_id == next(iter(fake_market.items))
    assert [c[0] for c in fake_market.calls] == ["push", "find", "push"]
    ops = list(SyncEvent.objects.filter(listing=listing).order_by("pk").values_list("operation", "outcome"))
    assert ops == [("create", "retry_scheduled"), ("lookup", "succeeded"), ("update", "succeeded")]
    assert job.succeeded == 1


def test_worker_death_is_counted_and_poison_listing_stopped(fake_market, shop, make_listings):
    # given two earlier deliveries of this listing died mid-push (their events are still open)
    (listing,) = make_listings(1)
    job = listings_publish(channel=shop, listing_ids=[listing.pk])
    for _ in range(2):
        SyncEvent.objects.create(job=job, listing=listing, channel=shop, operation="create", attempt=1)
    OrmQ.objects.all().delete()
    # when the third delivery arrives
    outcome = sync_listing_push(job=job, listing_id=listing.pk)
    # then the dead ones are marked interrupted and the listing is not pushed again
    assert outcome == SyncOutcome.FAILED
    assert fake_market.calls == []
    assert SyncEvent.objects.filter(listing=listing, outcome=SyncOutcome.INTERRUPTED).count() == 2
    listing.refresh_from_db()
    assert listing.status == ListingStatus.ERROR
    assert "worker dying" in listing.last_error_message


def test_one_interrupted_delivery_is_retried_with_lookup(fake_market, shop, make_listings):
    # given a delivery that died after the marketplace created the item
    (listing,) = make_listings(1)
    job = listings_publish(channel=shop, listing_ids=[listing.pk])
    fake_market.items["gid://7"] = {
        "sku": listing.product.sku,
        "title": "t",
        "price": 1,
        "quantity": 1,
        "status": "live",
    }
    SyncEvent.objects.create(job=job, listing=listing, channel=shop, operation="create", attempt=1)
    # when the chunk is delivered again
    run_queue()
    # then it looks up the SKU and updates that item instead of creating a second one
    listing.refresh_from_db()
    assert list(fake_market.items) == ["gid://7"]
    assert listing.external_id == "gid://7"
    assert [c[0] for c in fake_market.calls] == ["find", "push"]


def test_second_worker_on_the_same_listing_defers(fake_market, shop, make_listings):
    from syncing.services.leases import lease_seconds, listing_lease_claim

    (listing,) = make_listings(1)
    job = listings_publish(channel=shop, listing_ids=[listing.pk])
    OrmQ.objects.all().delete()
    assert listing_lease_claim(listing_id=listing.pk) is not None  # another worker holds it
    # when this worker tries
    assert sync_listing_push(job=job, listing_id=listing.pk) is None
    # then nothing was sent and the listing is re-queued for after the lease
    assert fake_market.calls == []
    ((row, task),) = queued_tasks()
    assert task["args"] == (job.pk, listing.pk)
    assert row.lock > timezone.now() + timedelta(seconds=lease_seconds() - 5)


def test_duplicate_delivery_after_success_does_nothing(fake_market, shop, make_listings):
    (listing,) = make_listings(1)
    job = listings_publish(channel=shop, listing_ids=[listing.pk])
    run_queue()
    assert sync_listing_push(job=job, listing_id=listing.pk) is None
    job.refresh_from_db()
    assert job.processed == 1
    assert len(fake_market.calls) == 1


def test_auth_expired_pauses_channel(fake_market, shop, make_listings):
    from syncing.selectors import channel_sync_health

    listings = make_listings(2)
    fake_market.faults = [AuthExpired("Refresh token expired", code="AUTH", http_status=401)]
    job = listings_publish(channel=shop, listing_ids=[lst.pk for lst in listings])
    run_queue()
    shop.refresh_from_db()
    job.refresh_from_db()
    assert shop.is_active is False
    assert len(fake_market.calls) == 1  # the second listing is not tried on a paused channel
    assert job.failed == 2
    health = channel_sync_health(channel=shop)
    assert health.is_paused
    assert "Refresh token expired" in health.message
    with pytest.raises(ApplicationError, match="paused"):
        listings_publish(channel=shop, listing_ids=[listings[0].pk])


def test_circuit_opens_after_failure_run_and_defers_work(fake_market, shop, make_listings, settings):
    from syncing.selectors import channel_sync_health

    settings.SYNC_CIRCUIT_THRESHOLD = 2
    listings = make_listings(3)
    fake_market.faults = [RetryableError("down", http_status=502), RetryableError("down", http_status=502)]
    listings_publish(channel=shop, listing_ids=[lst.pk for lst in listings])
    run_queue(include_delayed=False)
    shop.refresh_from_db()
    # then after two failures the circuit is open and the third listing waits instead of calling
    assert shop.circuit_open_until is not None
    assert shop.circuit_open_until > timezone.now()
    assert len(fake_market.calls) == 2
    assert "Circuit open" in channel_sync_health(channel=shop).message
    tasks = [t for _, t in queued_tasks()]
    assert {t["func"].__name__ for t in tasks} == {"sync_listing_push_task", "sync_job_push_chunk_task"}


def test_not_ready_listing_fails_with_readiness_message(fake_market, shop, make_listing):
    listing = make_listing(channel=shop, map_category=False)
    job = listings_publish(channel=shop, listing_ids=[listing.pk])
    run_queue()
    listing.refresh_from_db()
    job.refresh_from_db()
    assert fake_market.calls == []
    assert job.failed == 1
    event = SyncEvent.objects.get(listing=listing)
    assert event.error_kind == SyncErrorKind.READINESS
    assert event.message


def test_cancel_stops_remaining_listings(fake_market, shop, make_listings):
    listings = make_listings(2)
    job = listings_publish(channel=shop, listing_ids=[lst.pk for lst in listings])
    sync_job_cancel(job=job)
    run_queue()
    job.refresh_from_db()
    assert job.status == SyncJobStatus.CANCELLED
    assert fake_market.calls == []
    with pytest.raises(ApplicationError, match="already ended"):
        sync_job_cancel(job=job)


def test_repush_errors_and_retry_event(fake_market, shop, make_listings):
    listings = make_listings(2)
    fake_market.faults = [Rejected("bad", http_status=400)]
    listings_publish(channel=shop, listing_ids=[lst.pk for lst in listings])
    run_queue()
    failed_event = SyncEvent.objects.get(outcome=SyncOutcome.REJECTED)
    # retry one event
    job = sync_event_retry(event=failed_event)
    assert job.total == 1
    run_queue()
    failed_event.listing.refresh_from_db()
    assert failed_event.listing.status == ListingStatus.LIVE
    # nothing left in error: re-push errors refuses with a clear message
    with pytest.raises(ApplicationError, match="No listings to publish"):
        listings_errors_repush(channel=shop)
    ok_event = SyncEvent.objects.filter(outcome=SyncOutcome.SUCCEEDED).first()
    with pytest.raises(ApplicationError, match="Only failed events"):
        sync_event_retry(event=ok_event)


def test_publish_refuses_bad_selection(fake_market, shop, make_listings, make_channel):
    other = make_channel("shopify")
    (listing,) = make_listings(1)
    with pytest.raises(ApplicationError, match="not on channel"):
        listings_publish(channel=other, listing_ids=[listing.pk])
    with pytest.raises(ApplicationError, match="Unknown listing filter"):
        listings_publish(channel=shop, filters={"colour": "red"})
    with pytest.raises(ApplicationError, match="either by selection or by filter"):
        listings_publish(channel=shop)
    assert SyncJob.objects.count() == 0
    assert OrmQ.objects.count() == 0


def test_publish_by_filter(fake_market, shop, make_listings):
    make_listings(3)
    job = listings_publish(channel=shop, filters={"status": ListingStatus.DRAFT})
    assert job.total == 3
    run_queue()
    job.refresh_from_db()
    assert job.succeeded == 3


def test_lost_external_id_is_recovered_by_lookup_not_recreated(fake_market, shop, make_listings):
    from listings.models import Listing

    (listing,) = make_listings(1)
    listings_publish(channel=shop, listing_ids=[listing.pk])
    run_queue()
    listing.refresh_from_db()
    external_id = listing.external_id
    # given something wiped the external id (a stale form save) and the listing changed
    Listing.objects.filter(pk=listing.pk).update(external_id="", title="New title")
    fake_market.calls.clear()
    listings_publish(channel=shop, listing_ids=[listing.pk])
    run_queue()
    listing.refresh_from_db()
    # then the engine found the item again instead of creating a second one
    assert [c[0] for c in fake_market.calls] == ["find", "push"]
    assert listing.external_id == external_id
    assert len(fake_market.items) == 1
