"""Price/stock batches of one task go to the marketplace at once (docs/sync.md, "Running the worker"), each
recording its own results, pending values and marks; against the in-process sandbox over HTTP."""

import itertools
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django_q.models import OrmQ

from catalog.services import product_update
from channels.services import channel_update
from listings.choices import ListingStatus
from listings.models import Listing
from syncing.choices import SyncJobKind, SyncJobStatus, SyncOutcome
from syncing.models import SyncEvent
from syncing.services import listings_offers_sync, listings_publish
from syncing.services import offers as offers_service
from syncing.services.jobs import sync_job_create

from .conftest import queued_tasks, run_queue
from .test_push_on_change import shopify  # noqa: F401 - fixture


def _shopify_price(sandbox, external_id: str) -> str:
    item = next(i for i in sandbox.items("shopify") if i["id"] == external_id)
    return item["variants"]["nodes"][0]["price"]


@pytest.fixture
def live_four(shopify, make_listing, settings):  # noqa: F811 - the fixture imported above
    """Four live listings on a Shopify sandbox channel that does not push on change (the test sends)."""
    settings.SYNC_PUSH_THREADS = 1  # the set-up publishes one listing at a time
    channel = channel_update(channel=shopify, auto_push_offers=False)
    listings = [make_listing(channel=channel) for _ in range(4)]
    listings_publish(channel=channel, listing_ids=[lst.pk for lst in listings])
    run_queue()
    assert set(Listing.objects.filter(channel=channel).values_list("status", flat=True)) == {ListingStatus.LIVE}
    return channel, [Listing.objects.get(pk=lst.pk) for lst in listings]


def _reprice_in_one_task(channel, listings, price: str, settings, monkeypatch):
    """Batches of two, two threads: the four listings' new price goes as one task of two batches."""
    settings.SYNC_OFFER_THREADS = 2
    settings.SYNC_OFFER_THREAD_RATE = 0.1
    monkeypatch.setattr(offers_service, "OFFER_BATCH_SIZE", 2)
    for listing in listings:
        product_update(product=listing.product, price=Decimal(price))
    return listings_offers_sync(channel=channel, listing_ids=[lst.pk for lst in listings])


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the in-memory SQLite test database answers 'table is locked' to a second writer (a file waits)",
)
@pytest.mark.django_db(transaction=True)
def test_a_task_sends_its_price_batches_at_once(live_four, sandbox, settings, monkeypatch):
    # given four repriced listings, marked, and their new price queued as one task of two batches
    channel, listings = live_four
    job = _reprice_in_one_task(channel, listings, "27.50", settings, monkeypatch)
    assert all(Listing.objects.filter(pk__in=[x.pk for x in listings]).values_list("changed_since_push", flat=True))
    assert [task["args"][1] for _, task in queued_tasks()] == [[lst.pk for lst in listings]]
    # and a sandbox that holds the first request of each batch until the other batch's first request arrives
    both_in_flight = threading.Barrier(2, timeout=10)
    module = sandbox.sandbox.modules["shopify"]
    original, seen = module.handle, itertools.count()

    def handle(req):
        if next(seen) < 2:
            both_in_flight.wait()  # one batch after the other would never get past this: the wait breaks
        return original(req)

    monkeypatch.setattr(module, "handle", handle)
    # when the task runs
    run_queue()
    # then both batches were at the marketplace at the same time
    assert not both_in_flight.broken
    # and each listing has the marketplace's answer recorded: the price there, nothing pending, no mark left
    for listing in listings:
        assert _shopify_price(sandbox, listing.external_id) == "27.50"
        listing.refresh_from_db()
        assert (listing.changed_since_push, listing.pending, listing.last_error_message) == (False, {}, "")
    job.refresh_from_db()
    assert (job.status, job.succeeded, job.processed) == (SyncJobStatus.SUCCEEDED, 4, 4)
    outcomes = SyncEvent.objects.filter(job=job).values_list("outcome", "is_final")
    assert sorted(outcomes) == [(SyncOutcome.SUCCEEDED, True)] * 4
    assert not OrmQ.objects.exists()


def test_inside_a_transaction_the_batches_go_one_after_the_other(live_four, sandbox, settings, monkeypatch):
    # given the same task, run where other connections could not see its rows (a test transaction)
    channel, listings = live_four
    job = _reprice_in_one_task(channel, listings, "28.00", settings, monkeypatch)
    threads: set[int] = set()
    original = offers_service._offers_batch_send

    def send(**kwargs):
        threads.add(threading.get_ident())
        original(**kwargs)

    monkeypatch.setattr(offers_service, "_offers_batch_send", send)
    # when the task runs, then both batches went, from this thread, and every price arrived
    run_queue()
    assert threads == {threading.get_ident()}
    assert [_shopify_price(sandbox, lst.external_id) for lst in listings] == ["28.00"] * 4
    job.refresh_from_db()
    assert (job.status, job.succeeded) == (SyncJobStatus.SUCCEEDED, 4)


@pytest.fixture
def reprice_job(shop):
    return sync_job_create(channel=shop, kind=SyncJobKind.REPRICE, listing_ids=list(range(1, 11)))


def test_a_task_hands_its_batches_to_as_many_threads(reprice_job, monkeypatch, settings):
    # given a task of five batches and three threads (outside a transaction, as in a worker)
    settings.SYNC_OFFER_THREADS = 3
    settings.SYNC_OFFER_THREAD_RATE = 0.1  # any channel rate needs all three
    monkeypatch.setattr(offers_service, "OFFER_BATCH_SIZE", 2)
    monkeypatch.setattr(offers_service.transaction, "get_autocommit", lambda: True)
    monkeypatch.setattr(offers_service.connections, "close_all", lambda: None)  # keep the test's connection
    three_at_once = threading.Barrier(3, timeout=10)
    sent: list[tuple[list[int], int]] = []
    started = itertools.count()

    def send(*, job_id, listing_ids):
        if next(started) < 3:
            three_at_once.wait()  # the first three batches are sent at the same time
        sent.append((list(listing_ids), threading.get_ident()))

    monkeypatch.setattr(offers_service, "_offers_batch_send", send)
    # when it runs
    offers_service.sync_job_offers_batch(job_id=reprice_job.pk, listing_ids=list(range(1, 11)))
    # then every batch went once, from three threads
    assert not three_at_once.broken
    assert sorted(batch for batch, _ in sent) == [[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]]
    assert len({ident for _, ident in sent}) == 3


def test_a_batch_that_breaks_fails_the_task_after_the_others_went(reprice_job, monkeypatch, settings):
    settings.SYNC_OFFER_THREADS = 2
    settings.SYNC_OFFER_THREAD_RATE = 0.1
    monkeypatch.setattr(offers_service, "OFFER_BATCH_SIZE", 1)
    monkeypatch.setattr(offers_service.transaction, "get_autocommit", lambda: True)
    monkeypatch.setattr(offers_service.connections, "close_all", lambda: None)
    sent: list[int] = []

    def send(*, job_id, listing_ids):
        if listing_ids == [2]:
            raise RuntimeError("database went away")
        sent.append(listing_ids[0])

    monkeypatch.setattr(offers_service, "_offers_batch_send", send)
    with pytest.raises(RuntimeError, match="database went away"):
        offers_service.sync_job_offers_batch(job_id=reprice_job.pk, listing_ids=[1, 2, 3, 4])
    assert sorted(sent) == [1, 3, 4]


def test_a_channel_gets_as_many_threads_as_its_rate_needs(shop, settings):
    from channels.models import Channel

    settings.SYNC_OFFER_THREADS = 4
    settings.SYNC_OFFER_THREAD_RATE = 12.0
    Channel.objects.filter(pk=shop.pk).update(rate_limit_per_second=40)
    shop.refresh_from_db()
    assert offers_service.offer_threads(shop) == 4  # 40 x 0.97 safety = 38.8 req/s: four threads of 12
    Channel.objects.filter(pk=shop.pk).update(rate_limit_per_second=10)
    shop.refresh_from_db()
    assert offers_service.offer_threads(shop) == 1  # a slow channel holds one thread, not a worker's four
    settings.SYNC_OFFER_THREADS = 2
    Channel.objects.filter(pk=shop.pk).update(rate_limit_per_second=100)
    shop.refresh_from_db()
    assert offers_service.offer_threads(shop) == 2  # never above SYNC_OFFER_THREADS


@pytest.mark.parametrize("reason", ["time is up", "the worker is stopping"])
def test_a_task_queues_the_batches_it_did_not_hand_out(reprice_job, monkeypatch, reason):
    monkeypatch.setattr(offers_service, "OFFER_BATCH_SIZE", 2)
    sent: list[list[int]] = []

    def send(*, job_id, listing_ids):
        sent.append(list(listing_ids))
        if reason == "time is up":
            monkeypatch.setattr(offers_service.time, "monotonic", lambda: float("inf"))
        else:
            monkeypatch.setattr(offers_service, "stop_requested", lambda: True)

    monkeypatch.setattr(offers_service, "_offers_batch_send", send)
    offers_service.sync_job_offers_batch(job_id=reprice_job.pk, listing_ids=list(range(1, 11)))
    assert sent == [[1, 2]]
    ((row, task),) = queued_tasks()
    assert task["args"] == (reprice_job.pk, [3, 4, 5, 6, 7, 8, 9, 10])
    assert row.key.endswith("@1")  # the price/stock lane, before waiting content pushes


def _writes_by_table(queries) -> dict[str, int]:
    counts: dict[str, int] = {}
    for query in queries:
        sql = query["sql"]
        if sql.startswith(("INSERT", "UPDATE", "DELETE")):
            table = sql.split('"')[1]
            counts[table] = counts.get(table, 0) + 1
    return counts


def test_a_batch_writes_its_listings_in_statements_of_the_whole_batch(live_four, sandbox, settings, monkeypatch):
    # given the four listings repriced, sent as one batch by one thread
    from django.test.utils import CaptureQueriesContext

    channel, listings = live_four
    settings.SYNC_OFFER_THREADS = 1
    for listing in listings:
        product_update(product=listing.product, price=Decimal("31.00"))
    job = listings_offers_sync(channel=channel, listing_ids=[lst.pk for lst in listings])
    # when the batch runs
    with CaptureQueriesContext(connection) as ctx:
        run_queue()
    # then every price arrived and the job counted four successes
    assert [_shopify_price(sandbox, lst.external_id) for lst in listings] == ["31.00"] * 4
    job.refresh_from_db()
    assert (job.status, job.succeeded, job.processed) == (SyncJobStatus.SUCCEEDED, 4, 4)
    # and the events were opened in one statement and closed in one, the job counted once (plus its start
    # and its close), whatever the batch's size (docs/benchmarks.md, "Push on change": SQLite's one write lock)
    writes = _writes_by_table(ctx.captured_queries)
    assert writes["syncing_syncevent"] == 2, writes
    assert writes["syncing_syncjob"] <= 3, writes
    # pending set, pending confirmed, marks cleared (two), hashes: each one statement for the batch
    assert writes["listings_listing"] <= 5, writes
