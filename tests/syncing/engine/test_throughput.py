"""What keeps a push cheap: statement budget, tokens of a whole call in one bucket step, shared connections,
and several listings of a chunk pushed at once. Speed itself is measured by `benchmarks/run.py sync`."""

import itertools
import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_q.models import OrmQ

from listings.choices import ListingStatus
from listings.models import Listing
from syncing import ratelimit
from syncing.choices import SyncOutcome
from syncing.connectors.http import HttpClient
from syncing.models import PushLease, RateBucket, SyncEvent
from syncing.services import connection as sync_connection
from syncing.services import listings_publish
from syncing.services import push as push_service

from .conftest import FakeConnector, queued_tasks, run_queue
from .test_sandbox_push import lazada, lazada_listing  # noqa: F401 - fixtures

# Statements one push of a new listing may cost, the chunk's own share included (fake connector; savepoint
# markers not counted). Measured 23.7 when this was written (about 28 before, 41 at first): a change that adds a
# query per push fails here, on purpose. 2026-12-07: 25.7, one more for the Shopify collection's category icon
# (docs/catalog.md#category-icons) and the metafield/collection reads of the content fields.
STATEMENTS_PER_PUSH = 26
WRITES_PER_PUSH = 13  # INSERT/UPDATE/DELETE statements (12.5 measured; 3 of them are the audit entries)


def _counted(queries):
    return [q["sql"] for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO"))]


def test_statements_per_push_stay_within_budget(fake_market, shop, make_listings):
    # given ten ready listings in one job (one chunk)
    listings = make_listings(10)
    listings_publish(channel=shop, listing_ids=[lst.pk for lst in listings])
    # when the chunk runs
    with CaptureQueriesContext(connection) as ctx:
        run_queue()
    # then every listing is live and the chunk cost at most the budget per push
    statements = _counted(ctx.captured_queries)
    writes = [sql for sql in statements if sql.startswith(("INSERT", "UPDATE", "DELETE"))]
    assert set(Listing.objects.filter(pk__in=[x.pk for x in listings]).values_list("status", flat=True)) == {
        ListingStatus.LIVE
    }
    assert len(statements) / 10 <= STATEMENTS_PER_PUSH, len(statements) / 10
    assert len(writes) / 10 <= WRITES_PER_PUSH, len(writes) / 10
    # and one history read per push; the fake connector sends no request, so the token the first push took
    # is never spent and serves every later push of the chunk: one bucket step in all
    assert sum("syncing_ratebucket" in sql and sql.startswith("UPDATE") for sql in statements) == 1
    assert sum(sql.startswith("SELECT") and 'FROM "syncing_syncevent"' in sql for sql in statements) == 10
    assert PushLease.objects.count() == 0  # released with each outcome


def test_dead_delivery_is_marked_interrupted_by_the_history_read(fake_market, shop, make_listings):
    # given a listing whose earlier delivery died mid-create (its event is still open)
    (listing,) = make_listings(1)
    job = listings_publish(channel=shop, listing_ids=[listing.pk])
    SyncEvent.objects.create(job=job, listing=listing, channel=shop, operation="create", attempt=1)
    # when it is pushed again
    run_queue()
    # then the open event is interrupted, and the retry looked the SKU up before creating
    outcomes = list(SyncEvent.objects.filter(listing=listing).order_by("pk").values_list("operation", "outcome"))
    assert outcomes == [("create", "interrupted"), ("lookup", "succeeded"), ("create", "succeeded")]
    assert len(fake_market.items) == 1


def test_gcra_reserves_several_tokens_like_single_steps():
    # given an empty bucket of 10/s with burst 1
    many, tat_many = ratelimit._gcra(0.0, 100.0, 10, 1, max_wait=10, count=3)
    tat, waits = 0.0, []
    for _ in range(3):
        one, tat = ratelimit._gcra(tat, 100.0, 10, 1, max_wait=10)
        waits.append(one.wait)
    # then three tokens at once are the three single steps
    assert many.waits == pytest.approx(tuple(waits))
    assert many.waits == pytest.approx((0.0, 0.1, 0.2))
    assert tat_many == pytest.approx(tat)


@pytest.mark.django_db
def test_database_store_reserves_several_tokens_in_one_step():
    store = ratelimit.DatabaseBucketStore()
    reservation = ratelimit.reserve("multi", rate=10, burst=2, count=4, store=store)
    # burst 2: two tokens now, then one per 0.1 s
    assert reservation.granted
    assert reservation.waits == pytest.approx((0.0, 0.0, 0.1, 0.2), abs=1e-3)
    # the next caller queues behind all four
    assert 0.25 <= ratelimit.wait_hint("multi", rate=10, burst=2, store=store) <= 0.31
    with pytest.raises(ValueError):
        ratelimit.reserve("multi", rate=10, burst=2, count=0, store=store)


def test_channel_rate_uses_half_the_burst(shop, settings):
    shop.rate_limit_burst = 10
    assert sync_connection.channel_rate(shop)[1] == 5
    shop.rate_limit_burst = 1
    assert sync_connection.channel_rate(shop)[1] == 1
    settings.SYNC_BURST_SAFETY = 1.0
    shop.rate_limit_burst = 10
    assert sync_connection.channel_rate(shop)[1] == 10


def test_tokens_of_a_whole_call_are_taken_in_one_bucket_step(lazada, lazada_listing, sandbox, monkeypatch):  # noqa: F811
    # given Lazada creates (an image migration and the create: two requests each) and a count of bucket steps
    monkeypatch.setattr(sync_connection, "_requests_per_call", {})
    monkeypatch.setattr(sync_connection, "_since_acquire", threading.local())
    steps: list[int] = []
    original = ratelimit.DatabaseBucketStore.reserve

    def counting(self, key, rate, burst, max_wait, count=1):
        steps.append(count)
        return original(self, key, rate, burst, max_wait, count)

    monkeypatch.setattr(ratelimit.DatabaseBucketStore, "reserve", counting)
    listings = [lazada_listing() for _ in range(3)]
    log_start = len(sandbox.log("lazada"))
    # when they are published
    listings_publish(channel=lazada, listing_ids=[lst.pk for lst in listings])
    run_queue()
    # then the first push takes its expected token and, for its second request, REQUEST_TOKEN_CHUNK more in one
    # step; the later pushes (learnt: two requests a call) spend those: 6 requests, 2 bucket steps
    assert len(sandbox.log("lazada")) - log_start == 6
    assert steps == [1, sync_connection.REQUEST_TOKEN_CHUNK]
    bucket = RateBucket.objects.get(key=sync_connection.bucket_key(lazada))
    assert bucket.scale == pytest.approx(1.0)
    assert SyncEvent.objects.filter(outcome=SyncOutcome.SUCCEEDED).count() == 3


def test_connectors_of_a_process_share_one_connection_pool(lazada):  # noqa: F811
    first = sync_connection.connector_for(lazada)
    second = sync_connection.connector_for(lazada)
    adapters = {id(c.client.http.session.get_adapter(lazada.base_url)) for c in (first, second)}  # type: ignore[attr-defined]
    assert len(adapters) == 1
    assert first.client.http.session is not second.client.http.session  # type: ignore[attr-defined]


class _Transport:
    def __init__(self, http: HttpClient) -> None:
        self.http = http


class _Api:
    def __init__(self, http: HttpClient) -> None:
        self.transport = _Transport(http)


class DeeplyNestedConnector(FakeConnector):
    """A connector that keeps its HTTP client three attributes down: no search for clients would find it."""

    def __init__(self, config, *, on_tokens=None, before_request=None):
        super().__init__(config, on_tokens=on_tokens, before_request=before_request)
        self.api = _Api(HttpClient("Deep", config.timeout, before_request=before_request))

    def check_credentials(self) -> None:
        for _ in range(3):
            self.api.transport.http.request("GET", self.config.base_url + "/seller/get")


def test_every_request_of_a_connector_takes_a_token_however_it_holds_its_client(lazada, sandbox, monkeypatch):  # noqa: F811
    # given a marketplace whose connector nests its client deeply, and a count of rate-limit tokens taken
    monkeypatch.setattr(sync_connection, "get_connector_class", lambda code: DeeplyNestedConnector)
    steps: list[tuple[str, int]] = []

    def reserve(key, *, count=1, **kw):
        steps.append((key, count))
        return ratelimit.Reservation(granted=True, wait=0.0, count=count, offset=0.0, interval=0.0)

    monkeypatch.setattr(sync_connection.ratelimit, "reserve", reserve)
    # when one call sends three requests
    sync_connection.connector_for(lazada).check_credentials()
    # then the first took a chunk of tokens from the channel's bucket and the next two spent two of them
    assert len(sandbox.log("lazada")) == 3
    assert steps == [(sync_connection.bucket_key(lazada), sync_connection.REQUEST_TOKEN_CHUNK)]
    with sync_connection._prepaid_lock:
        assert len(sync_connection._prepaid(lazada)) == sync_connection.REQUEST_TOKEN_CHUNK - 3


def test_chunk_hands_each_listing_to_one_of_several_threads(fake_market, shop, make_listings, monkeypatch, settings):
    # given a chunk of 12 listings and pushes that record which thread made them (the database side of
    # concurrent pushes is covered by the real workers of test_reliability.py)
    listings = make_listings(12)
    job = listings_publish(channel=shop, listing_ids=[lst.pk for lst in listings])
    pushed: list[tuple[int, int]] = []
    calls = itertools.count()
    started = threading.Barrier(3, timeout=10)

    def fake_push(*, job, listing_id, prefetched=None):
        if next(calls) < 3:
            started.wait()  # the first three pushes run at the same time
        pushed.append((listing_id, threading.get_ident()))
        assert prefetched is not None
        assert prefetched.pk == listing_id
        return SyncOutcome.SUCCEEDED

    monkeypatch.setattr(push_service, "sync_listing_push_guarded", fake_push)
    monkeypatch.setattr(push_service.transaction, "get_autocommit", lambda: True)
    monkeypatch.setattr(push_service.connections, "close_all", lambda: None)  # keep the test's connection
    monkeypatch.setattr(push_service.SyncJob, "refresh_from_db", lambda self, **kw: None)
    monkeypatch.setattr(push_service, "_chunk_defer_seconds", lambda job: 0.0)
    settings.SYNC_PUSH_THREADS = 3
    # when the chunk runs
    handled = push_service.sync_job_push_chunk(job_id=job.pk, listing_ids=[lst.pk for lst in listings])
    # then every listing was pushed exactly once, by three threads
    assert handled == 12
    assert sorted(pk for pk, _ in pushed) == sorted(lst.pk for lst in listings)
    assert len({ident for _, ident in pushed}) == 3


def test_a_failed_check_in_a_push_thread_fails_the_chunk_task(fake_market, shop, make_listings, monkeypatch, settings):
    # given a chunk run by two threads whose cancel/circuit check breaks
    listings = make_listings(4)
    job = listings_publish(channel=shop, listing_ids=[lst.pk for lst in listings])
    settings.SYNC_PUSH_THREADS = 2
    monkeypatch.setattr(push_service.transaction, "get_autocommit", lambda: True)
    monkeypatch.setattr(push_service.connections, "close_all", lambda: None)
    monkeypatch.setattr(push_service.SyncJob, "refresh_from_db", lambda self, **kw: None)

    def broken(job):
        raise RuntimeError("database went away")

    monkeypatch.setattr(push_service, "_chunk_defer_seconds", broken)
    # when the chunk runs, then the task fails with the threads' error (django-q2 records it), as in one thread
    with pytest.raises(RuntimeError, match="database went away"):
        push_service.sync_job_push_chunk(job_id=job.pk, listing_ids=[lst.pk for lst in listings])
    assert fake_market.calls == []


def test_a_chunk_a_worker_died_in_is_pushed_one_at_a_time(fake_market, shop, make_listings, monkeypatch, settings):
    # given a chunk whose first delivery died mid-push (an event of one of its listings is still open)
    listings = make_listings(4)
    job = listings_publish(channel=shop, listing_ids=[lst.pk for lst in listings])
    SyncEvent.objects.create(job=job, listing=listings[2], channel=shop, operation="create", attempt=1)
    settings.SYNC_PUSH_THREADS = 3
    pushed_by: set[int] = set()

    def fake_push(*, job, listing_id, prefetched=None):
        pushed_by.add(threading.get_ident())
        return SyncOutcome.SUCCEEDED

    monkeypatch.setattr(push_service, "sync_listing_push_guarded", fake_push)
    monkeypatch.setattr(push_service.transaction, "get_autocommit", lambda: True)
    # when it is delivered again
    handled = push_service.sync_job_push_chunk(job_id=job.pk, listing_ids=[lst.pk for lst in listings])
    # then its listings go one at a time, in this thread: a poison listing cannot take a neighbour down again
    assert handled == 4
    assert pushed_by == {threading.get_ident()}


def _queued_chunks() -> list[list[int]]:
    return [task["args"][1] for _, task in queued_tasks() if task["func"].__name__ == "sync_job_push_chunk_task"]


def test_a_chunk_past_its_time_budget_queues_its_rest(fake_market, shop, make_listings, monkeypatch):
    # given a chunk that may hand out listings for about one push (half the task timeout, here made tiny)
    listings = make_listings(3)
    job = listings_publish(channel=shop, listing_ids=[lst.pk for lst in listings])
    ids = _queued_chunks()[0]
    OrmQ.objects.all().delete()
    now = [1000.0]
    monkeypatch.setattr(push_service.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(push_service, "_chunk_time_budget", lambda: 50.0)
    original = push_service.sync_listing_push_guarded

    def slow_push(**kwargs):
        now[0] += 60.0  # each push takes a minute
        return original(**kwargs)

    monkeypatch.setattr(push_service, "sync_listing_push_guarded", slow_push)
    # when it runs
    handled = push_service.sync_job_push_chunk(job_id=job.pk, listing_ids=ids)
    # then it pushed one listing and queued the other two as a new task, before django-q2's timeout
    assert handled == 1
    assert _queued_chunks() == [ids[1:]]
    assert len(fake_market.items) == 1


def test_a_timed_out_chunk_queues_what_it_did_not_finish(fake_market, shop, make_listings, monkeypatch):
    from django_q.exceptions import TimeoutException

    # given a chunk whose second push is cut short by django-q2's task timeout
    listings = make_listings(4)
    job = listings_publish(channel=shop, listing_ids=[lst.pk for lst in listings])
    ids = _queued_chunks()[0]
    OrmQ.objects.all().delete()
    original = push_service.sync_listing_push_guarded

    def push(*, job, listing_id, prefetched=None):
        if listing_id == ids[1]:
            raise TimeoutException("Task exceeded maximum timeout value (20 seconds)")
        return original(job=job, listing_id=listing_id, prefetched=prefetched)

    monkeypatch.setattr(push_service, "sync_listing_push_guarded", push)
    # when it runs, the task fails with the timeout
    with pytest.raises(TimeoutException):
        push_service.sync_job_push_chunk(job_id=job.pk, listing_ids=ids)
    # but the cut-short listing and the ones after it are queued again: nothing is lost with the failed task
    assert _queued_chunks() == [ids[1:]]
