from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_q.models import OrmQ, Schedule
from django_q.signing import SignedPackage

from channels.choices import ChannelConflictPolicy
from common.errors import ApplicationError
from listings.choices import ListingStatus
from syncing.choices import SyncErrorKind, SyncJobKind, SyncJobStatus, SyncOutcome
from syncing.connectors.base import ConnectorError, RateLimited, RetryableError
from syncing.models import DailyEventSummary, SyncEvent, SyncJob
from syncing.services import (
    channel_listings_pull,
    listing_remote_accept,
    listings_deactivate,
    listings_offers_sync,
    listings_publish,
    sync_events_summarise,
    sync_jobs_requeue_stuck,
)
from syncing.services.classify import failure_classify
from syncing.services.pull import listing_drift

from .conftest import queued_tasks, run_queue


@pytest.fixture
def published(fake_market, shop, make_listings):
    listings = make_listings(3)
    listings_publish(channel=shop, listing_ids=[lst.pk for lst in listings])
    run_queue()
    for listing in listings:
        listing.refresh_from_db()
    fake_market.calls.clear()
    return listings


# --- Pull and drift ---


def test_pull_pages_links_by_sku_and_reports(fake_market, shop, make_listings, published):
    # given one remote item we never pushed but whose SKU we list, and one we do not know
    (unlinked,) = make_listings(1)
    fake_market.items["gid://900"] = {
        "sku": unlinked.product.sku,
        "title": unlinked.product.title,
        "price": Decimal("20.00"),
        "quantity": 10,
        "status": "live",
    }
    fake_market.items["gid://901"] = {"sku": "NOT-OURS", "title": "x", "price": 1, "quantity": 1, "status": "live"}
    # when the channel is pulled (page size 2: 5 items = 3 pages)
    job = channel_listings_pull(channel=shop)
    run_queue()
    job.refresh_from_db()
    unlinked.refresh_from_db()
    # then every page was read, the SKU match is linked and live, and the report counts it all
    assert [c for c in fake_market.calls if c[0] == "pull"] == [("pull", ""), ("pull", "2"), ("pull", "4")]
    assert job.status == SyncJobStatus.SUCCEEDED
    assert (job.total, job.succeeded, job.skipped) == (5, 4, 1)
    assert "1 linked by SKU" in job.message
    assert "1 not in our catalog" in job.message
    assert unlinked.external_id == "gid://900"
    assert unlinked.status == ListingStatus.LIVE
    assert unlinked.remote_snapshot["price"] == "20"


@pytest.mark.parametrize(
    ("policy", "expected_status"),
    [
        (ChannelConflictPolicy.ASK, ListingStatus.OUT_OF_SYNC),
        (ChannelConflictPolicy.REMOTE_WINS, ListingStatus.LIVE),
        (ChannelConflictPolicy.LOCAL_WINS, ListingStatus.LIVE),
    ],
)
def test_drift_follows_channel_policy(fake_market, shop, published, policy, expected_status):
    from channels.models import Channel

    Channel.objects.filter(pk=shop.pk).update(conflict_policy=policy)
    listing = published[0]
    fake_market.items[listing.external_id]["price"] = Decimal("31.50")
    # when the pull runs (and, for local wins, the re-push it queues)
    channel_listings_pull(channel=shop)
    run_queue()
    listing.refresh_from_db()
    assert listing.status == expected_status
    if policy == ChannelConflictPolicy.ASK:
        assert listing.drift == {"price": {"ours": "20", "last_pushed": "20", "remote": "31.5"}}
    elif policy == ChannelConflictPolicy.REMOTE_WINS:
        assert listing.price == Decimal("31.50")
        assert listing.drift == {}
    else:
        assert fake_market.items[listing.external_id]["price"] == Decimal("20.00")
        assert SyncJob.objects.filter(kind=SyncJobKind.PUSH, message__startswith="Our values win").count() == 1


def test_accept_remote_values_by_hand(fake_market, shop, published):
    listing = published[0]
    fake_market.items[listing.external_id]["title"] = "Seller renamed it"
    channel_listings_pull(channel=shop)
    run_queue()
    listing.refresh_from_db()
    assert listing.status == ListingStatus.OUT_OF_SYNC
    listing_remote_accept(listing=listing)
    listing.refresh_from_db()
    assert (listing.title, listing.status, listing.drift) == ("Seller renamed it", ListingStatus.LIVE, {})


def test_drift_compares_numbers_canonically():
    drift = listing_drift(
        ours={"title": "A", "price": Decimal("19.90"), "quantity": 5},
        last_pushed={"title": "A", "price": "19.9", "quantity": 5},
        remote={"title": "A ", "price": Decimal("19.900"), "quantity": 5.0},
    )
    assert drift == {}


def test_a_remote_value_equal_to_ours_is_no_drift_even_if_we_pushed_another():
    # a sale on the marketplace took one unit off there, and our ledger did the same: nothing to reconcile
    ours = {"title": "A", "price": Decimal("20"), "quantity": 9}
    pushed = {"title": "A", "price": "20", "quantity": 10}
    assert listing_drift(ours=ours, last_pushed=pushed, remote={"title": "A", "price": "20", "quantity": 9}) == {}
    # a value equal to neither is drift, named with all three
    drift = listing_drift(ours=ours, last_pushed=pushed, remote={"title": "A", "price": "20", "quantity": 8})
    assert drift == {"quantity": {"ours": "9", "last_pushed": "10", "remote": "8"}}


def test_one_pull_at_a_time(fake_market, shop):
    channel_listings_pull(channel=shop)
    with pytest.raises(ApplicationError, match="already running"):
        channel_listings_pull(channel=shop)


def test_pull_retries_a_failed_page(fake_market, shop, published):
    fake_market.faults = [RetryableError("down", http_status=503)]
    job = channel_listings_pull(channel=shop)
    run_queue(include_delayed=False)
    ((row, task),) = queued_tasks()
    assert task["func"].__name__ == "sync_job_pull_task"
    assert row.lock > timezone.now() + timedelta(seconds=20)
    run_queue()
    job.refresh_from_db()
    assert job.status == SyncJobStatus.SUCCEEDED


# --- Price and stock ---


def test_offers_sync_batches_and_reports_per_item(fake_market, shop, published):
    from listings.services import listing_update

    listing_update(listing=published[0], price=Decimal("25.00"))
    del fake_market.items[published[2].external_id]  # gone on the marketplace
    job = listings_offers_sync(channel=shop, listing_ids=[lst.pk for lst in published])
    run_queue()
    job.refresh_from_db()
    # then one call for the batch, two updated, one refused with the marketplace's message
    assert [c[0] for c in fake_market.calls] == ["offers"]
    assert fake_market.items[published[0].external_id]["price"] == Decimal("25.00")
    assert (job.kind, job.succeeded, job.failed, job.status) == ("reprice", 2, 1, "completed_with_errors")
    published[2].refresh_from_db()
    assert published[2].last_error_message == "No such item."


def test_offers_sync_throttled_batch_is_requeued(fake_market, shop, published):
    fake_market.faults = [RateLimited("slow", retry_after=3, http_status=429)]
    job = listings_offers_sync(channel=shop, listing_ids=[lst.pk for lst in published], stock_only=True)
    run_queue()
    job.refresh_from_db()
    assert (job.kind, job.succeeded) == ("restock", 3)
    assert SyncEvent.objects.filter(job=job, outcome=SyncOutcome.RETRY_SCHEDULED).count() == 3


def test_the_broker_hands_out_price_and_stock_before_an_earlier_content_push(
    fake_market, shop, published, make_listings, monkeypatch
):
    from django_q.brokers import get_broker
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "POLL", 0.01)
    new = make_listings(2)
    listings_publish(channel=shop, listing_ids=[lst.pk for lst in new])
    listings_offers_sync(channel=shop, listing_ids=[lst.pk for lst in published])
    queued = [task["func"].__name__ for _, task in queued_tasks()]
    assert queued.index("sync_job_push_chunk_task") < queued.index("sync_job_offers_batch_task")  # push first
    broker = get_broker()  # what the workers take from (settings.Q_CLUSTER["broker_class"])
    taken = []
    while batch := broker.dequeue():
        taken += [SignedPackage.loads(payload)["func"].__name__ for _, payload in batch]
    assert taken.index("sync_job_offers_batch_task") < taken.index("sync_job_push_chunk_task")


def test_offers_job_goes_before_content_pushes(fake_market, shop, published, make_listings):
    new = make_listings(2)
    push = listings_publish(channel=shop, listing_ids=[lst.pk for lst in new])
    listings_offers_sync(channel=shop, listing_ids=[lst.pk for lst in published])
    # run only what is due now: the push chunk yields, the offers batch runs
    run_queue(include_delayed=False)
    assert [c[0] for c in fake_market.calls] == ["offers"]
    assert any(t["func"].__name__ == "sync_job_push_chunk_task" for _, t in queued_tasks())
    run_queue()
    push.refresh_from_db()
    assert push.succeeded == 2


def test_offers_need_published_listings(fake_market, shop, make_listings):
    (listing,) = make_listings(1)
    with pytest.raises(ApplicationError, match="No published listings"):
        listings_offers_sync(channel=shop, listing_ids=[listing.pk])
    assert OrmQ.objects.count() == 0


# --- Deactivate ---


def test_deactivate_delists(fake_market, shop, published):
    job = listings_deactivate(channel=shop, listing_ids=[published[0].pk])
    run_queue()
    published[0].refresh_from_db()
    job.refresh_from_db()
    assert published[0].status == ListingStatus.DELISTED
    assert fake_market.items[published[0].external_id]["status"] == "inactive"
    assert job.succeeded == 1


def test_deactivate_rejected_is_not_retried(fake_market, shop, published):
    fake_market.faults = [ConnectorError("Item is locked", code="LOCKED", http_status=403)]
    job = listings_deactivate(channel=shop, listing_ids=[published[0].pk])
    run_queue()
    job.refresh_from_db()
    assert job.failed == 1
    assert [c[0] for c in fake_market.calls] == ["deactivate"]


# --- Classification ---


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (RateLimited("x", retry_after=2), SyncErrorKind.THROTTLED),
        (ConnectorError("x", http_status=429), SyncErrorKind.THROTTLED),
        (RetryableError("x"), SyncErrorKind.RETRYABLE),
        (ConnectorError("x", http_status=502), SyncErrorKind.RETRYABLE),
        (ConnectorError("x", http_status=409), SyncErrorKind.RETRYABLE),
        (ConnectorError("x", http_status=422), SyncErrorKind.REJECTED),
        (ConnectorError("x", code="E005"), SyncErrorKind.REJECTED),
        (ValueError("bug"), SyncErrorKind.INTERNAL),
    ],
)
def test_failure_classification(error, kind):
    assert failure_classify(error).kind == kind


# --- Maintenance ---


def test_retention_summarises_old_events(fake_market, shop, published):
    old = timezone.now() - timedelta(days=100)
    SyncEvent.objects.update(created_at=old)
    recent = SyncEvent.objects.create(channel=shop, operation="pull", outcome="succeeded")
    removed = sync_events_summarise(older_than_days=90)
    assert removed == 3
    assert list(SyncEvent.objects.values_list("pk", flat=True)) == [recent.pk]
    summary = DailyEventSummary.objects.get()
    assert (summary.operation, summary.outcome, summary.count, summary.day) == (
        "create",
        "succeeded",
        3,
        timezone.localtime(old).date(),
    )
    assert sync_events_summarise(older_than_days=90) == 0
    call_command("sync_retention", "--days", "90")
    with pytest.raises(ValueError, match="at least one day"):
        sync_events_summarise(older_than_days=0)


def test_requeue_stuck_job_queues_only_unfinished_listings(fake_market, shop, make_listings):
    listings = make_listings(3)
    job = listings_publish(channel=shop, listing_ids=[lst.pk for lst in listings])
    run_queue()
    # given a job whose last listing's queue row was lost and which made no progress for an hour
    SyncEvent.objects.filter(listing=listings[2]).delete()
    SyncJob.objects.filter(pk=job.pk).update(
        status=SyncJobStatus.RUNNING,
        processed=2,
        succeeded=2,
        created_at=timezone.now() - timedelta(hours=1),
        heartbeat_at=timezone.now() - timedelta(hours=1),
    )
    assert sync_jobs_requeue_stuck(stuck_after_minutes=30) == [job.pk]
    ((_, task),) = queued_tasks()
    assert task["args"] == (job.pk, [listings[2].pk])
    run_queue()
    job.refresh_from_db()
    assert job.status == SyncJobStatus.SUCCEEDED


def test_setup_schedules_is_idempotent(fake_market, shop, make_channel):
    other = make_channel("shopify")
    call_command("setup_schedules")
    sync_schedules = Schedule.objects.filter(name__startswith="sync-")  # other apps declare their own
    names = set(sync_schedules.values_list("name", flat=True))
    assert names == {
        "sync-retention-daily",
        "sync-requeue-stuck",
        "sync-autopush-sweep",
        f"sync-pull-channel-{shop.pk}",
        f"sync-pull-channel-{other.pk}",
        f"sync-pull-incremental-channel-{shop.pk}",
        f"sync-pull-incremental-channel-{other.pk}",
    }
    pull = Schedule.objects.get(name=f"sync-pull-channel-{shop.pk}")
    assert (pull.minutes, pull.args) == (24 * 60, f"({shop.pk}, True)")  # the daily full reconcile
    incremental = Schedule.objects.get(name=f"sync-pull-incremental-channel-{shop.pk}")
    assert (incremental.minutes, incremental.args) == (15, f"({shop.pk}, False)")
    # when a channel is paused and the command runs again
    type(other).objects.filter(pk=other.pk).update(is_active=False)
    call_command("setup_schedules")
    assert sync_schedules.count() == 5  # the paused channel's pulls are gone
    assert Schedule.objects.get(name=f"sync-pull-channel-{shop.pk}").next_run == pull.next_run


def test_scheduled_pull_task_runs_the_service(fake_market, shop, published):
    from syncing.tasks import channel_listings_pull_task

    channel_listings_pull_task(shop.pk)
    channel_listings_pull_task(shop.pk)  # a second one while the first is queued is refused quietly
    assert SyncJob.objects.filter(kind=SyncJobKind.PULL).count() == 1
    channel_listings_pull_task(999_999)  # a deleted channel is skipped


def test_enqueue_delay_writes_a_future_queue_row(db):
    from common.enqueue import enqueue
    from syncing.tasks import sync_events_summarise_task

    enqueue(sync_events_summarise_task, delay=120)
    row = OrmQ.objects.get()
    assert timezone.now() + timedelta(seconds=110) < row.lock < timezone.now() + timedelta(seconds=130)
