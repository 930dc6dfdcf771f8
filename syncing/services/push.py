"""Publishing listings: jobs of chunks, one push per listing, retries with backoff, never a duplicate item.

The push of one listing deliberately does *not* run in one transaction: the marketplace call must not hold a
database lock (SQLite has a single writer), and every step is committed before the next one so a worker killed
at any point leaves a history the next delivery can read:

1. claim the listing's lease (one push per listing at a time), mark dead deliveries `interrupted`;
2. stop if the listing already has its final outcome in this job (duplicate delivery), or if its pushes killed
   the worker too often (poison);
3. skip when the payload hash equals `last_pushed_hash`;
4. before a create that may already have happened (an earlier create never returned), look the SKU up;
5. take a rate-limit token, open the event, call, close the event, write the listing.
"""

import contextvars
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from types import ModuleType

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from channels.models import Channel
from common.enqueue import enqueue
from common.errors import ApplicationError
from listings.choices import ListingStatus
from listings.models import Listing
from syncing.backoff import plan_retry
from syncing.choices import SyncErrorKind, SyncJobKind, SyncOperation, SyncOutcome
from syncing.conf import sync_setting
from syncing.connectors.base import Connector, ListingPayload, PushResult
from syncing.models import SyncEvent, SyncJob

from . import connection
from .classify import Failure, failure_classify, failure_text
from .events import attempt_history, sync_event_close, sync_event_open, sync_event_record
from .jobs import sync_job_count, sync_job_final_outcome_exists, sync_job_start
from .leases import Lease, lease_release_once, lease_released_with, listing_lease_claim, listing_lease_remaining
from .listing_bridge import (
    listing_payload,
    listing_sku,
    listing_status_set,
    listing_sync_fields_set,
    payload_hash,
)

logger = logging.getLogger(__name__)

PUSH_CHUNK_SIZE = 20  # listings per task: small enough that a redelivered chunk redoes little
PUSH_THREADS = 2  # listings a worker pushes at once (see `sync_job_push_chunk`)
CHUNK_TIME_SHARE = 0.5  # of the task timeout (Q_TIMEOUT) a chunk may spend before it queues its rest
POISON_INTERRUPT_LIMIT = 2  # a listing whose push was cut short this often is not delivered a third time
THROTTLE_RETRY_LIMIT = 20  # 429s per listing and job before throttling counts as a failure
CHUNK_CHECK_SECONDS = 1.0  # how stale a chunk's view of cancel/circuit/priority may get
PRIORITY_YIELD_SECONDS = 5.0  # content pushes step aside this long while a price/stock job runs
RESULT_STATUS = {
    "live": ListingStatus.LIVE,
    "in_review": ListingStatus.IN_REVIEW,
    "inactive": ListingStatus.DELISTED,
    "rejected": ListingStatus.ERROR,
}
OFFER_JOB_KINDS = (SyncJobKind.REPRICE, SyncJobKind.RESTOCK)


def _tasks() -> ModuleType:
    from syncing import tasks

    return tasks


# --- Jobs of chunks ---


def push_chunks_enqueue(*, job: SyncJob, listing_ids: Sequence[int], delay: float | None = None) -> None:
    tasks = _tasks()
    size = sync_setting("SYNC_PUSH_CHUNK_SIZE", PUSH_CHUNK_SIZE, int)
    for start in range(0, len(listing_ids), size):
        chunk = list(listing_ids[start : start + size])
        enqueue(tasks.sync_job_push_chunk_task, job.pk, chunk, group=f"sync-job-{job.pk}", delay=delay)


def sync_job_push_chunk(*, job_id: int, listing_ids: Sequence[int]) -> int:
    """Push each listing of one chunk; returns how many were handled before the chunk ended or yielded.

    Up to SYNC_PUSH_THREADS listings are pushed at once (threads of this worker, each with its own database
    connection): a push mostly waits (for its rate-limit slot, the marketplace, the database), and one worker
    pushing one listing at a time leaves the channel's rate unused whenever the box is busy. Everything that
    keeps pushes correct across workers (lease, shared bucket, history) holds between threads the same way.
    Inside a transaction (tests) the chunk runs in this thread only: other connections could not see its rows.
    """
    job = SyncJob.objects.select_related("channel").filter(pk=job_id).first()
    if job is None or not job.is_active:
        return 0
    sync_job_start(job=job)
    chunk = _Chunk(job, listing_ids, _listings_for_push(listing_ids))
    threads = sync_setting("SYNC_PUSH_THREADS", PUSH_THREADS, int)
    threads = max(1, min(threads, len(listing_ids))) if transaction.get_autocommit() else 1
    if threads > 1 and _chunk_outlived_a_worker(job, listing_ids):
        threads = 1
    try:
        if threads == 1:
            chunk.run()
            return chunk.handled
        workers = [
            threading.Thread(target=contextvars.copy_context().run, args=(chunk.run_in_thread,)) for _ in range(threads)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    except BaseException:
        # django-q2's task timeout (or a stop) interrupted this thread: what was not pushed goes back to the
        # queue, or the task, acknowledged as failed, would take it with it. The pushes in flight go back too:
        # after a timeout django-q2 replaces the worker process, threads and all (a push that does finish is
        # recognised by its next delivery, under the lease).
        chunk.abandon()
        raise
    if chunk.error is not None:
        raise chunk.error  # as a one-thread chunk would: the task fails and says why
    return chunk.handled


def _chunk_time_budget() -> float:
    """How long a chunk hands out listings: half of django-q2's task timeout (a push in flight may take more)."""
    timeout = settings.Q_CLUSTER.get("timeout")
    return float(timeout) * CHUNK_TIME_SHARE if timeout else float("inf")


def _chunk_outlived_a_worker(job: SyncJob, listing_ids: Sequence[int]) -> bool:
    """True when a worker died pushing part of this chunk (this is a redelivery): its listings then go one at a
    time, so a listing that kills its worker takes only itself down again and is the only one counted towards
    the poison limit (the push beside it in the first, concurrent delivery was interrupted once, like it)."""
    return SyncEvent.objects.filter(
        job_id=job.pk, listing_id__in=listing_ids, outcome__in=[SyncOutcome.IN_PROGRESS, SyncOutcome.INTERRUPTED]
    ).exists()


class _Chunk:
    """The listings of one chunk handed out one at a time, to one thread or several.

    Cancel, circuit and priority are re-read at most every CHUNK_CHECK_SECONDS (3 queries saved per push), by
    whichever thread takes the next listing when a check is due; when the chunk must stop or yield, no listing
    is handed out any more (pushes in flight finish) and the rest is queued again.
    """

    def __init__(self, job: SyncJob, listing_ids: Sequence[int], catalog: dict[int, Listing]) -> None:
        self.job, self.listing_ids, self.catalog = job, list(listing_ids), catalog
        self.lock = threading.RLock()  # re-entered when the task timeout strikes a thread holding it
        self.handled = 0  # listings handed out
        self.in_flight: list[int] = []
        self.stopped = False
        self.checked_at = 0.0
        self.deadline = time.monotonic() + _chunk_time_budget()
        self.error: Exception | None = None  # what stopped a thread (its pushes fail one by one, not this)

    def run(self) -> None:
        while (listing_id := self._take()) is not None:
            outcome = sync_listing_push_guarded(
                job=self.job, listing_id=listing_id, prefetched=self.catalog.get(listing_id)
            )
            with self.lock:
                self.in_flight.remove(listing_id)
            if outcome not in (SyncOutcome.SUCCEEDED, SyncOutcome.SKIPPED):
                self.checked_at = 0.0  # after a failure look again at once: it may just have opened the circuit

    def run_in_thread(self) -> None:
        try:
            self.run()
        except Exception as exc:  # noqa: BLE001 - a failed check: the other threads stop too, the task re-raises
            logger.exception("sync job %s: a push thread stopped", self.job.pk)
            with self.lock:
                self.stopped = True
                self.error = self.error or exc
        finally:
            connections.close_all()  # this thread's own connections

    def _take(self) -> int | None:
        with self.lock:
            if self.stopped or self.handled >= len(self.listing_ids):
                return None
            if time.monotonic() >= self.deadline:
                # Long enough for one task (throttled, slow marketplace): the rest becomes a new task, well
                # before django-q2's timeout would cut this one short.
                self._requeue(self.listing_ids[self.handled :], delay=None)
                self.stopped = True
                return None
            if time.monotonic() - self.checked_at >= CHUNK_CHECK_SECONDS:
                self.checked_at = time.monotonic()
                if not self._may_go_on():
                    self.stopped = True
                    return None
            self.handled += 1
            listing_id = self.listing_ids[self.handled - 1]
            self.in_flight.append(listing_id)
            return listing_id

    def _may_go_on(self) -> bool:
        job = self.job
        job.refresh_from_db(fields=["status"])
        if not job.is_active:
            return False
        defer = _chunk_defer_seconds(job)
        if defer:
            self._requeue(self.listing_ids[self.handled :], delay=defer)
            return False
        return True

    def _requeue(self, listing_ids: list[int], delay: float | None) -> None:
        if listing_ids:
            with transaction.atomic():
                enqueue(
                    _tasks().sync_job_push_chunk_task,
                    self.job.pk,
                    listing_ids,
                    group=f"sync-job-{self.job.pk}",
                    delay=delay,
                )

    def abandon(self) -> None:
        """Stop handing out listings and queue the unfinished ones again (best effort: the task is failing)."""
        with self.lock:
            rest = [*self.in_flight, *([] if self.stopped else self.listing_ids[self.handled :])]
            self.stopped = True
            try:
                self._requeue(rest, delay=None)
            except Exception:  # noqa: BLE001 - the stuck-job requeue picks the job up later
                logger.exception("sync job %s: could not queue the rest of an interrupted chunk", self.job.pk)


def sync_listing_push_guarded(*, job: SyncJob, listing_id: int, prefetched: Listing | None = None) -> str | None:
    """`sync_listing_push`, but a bug or a database refusal on one listing fails that listing, not its chunk.

    Without this an exception would end the task, and with `ack_failures` the rest of the chunk would be lost.
    """
    try:
        return sync_listing_push(job=job, listing_id=listing_id, prefetched=prefetched)
    except Exception as exc:  # noqa: BLE001 - recorded on the listing and in the history
        logger.exception("sync job %s: listing %s failed inside the engine", job.pk, listing_id)
        listing = Listing.objects.select_related("channel").filter(pk=listing_id).first()
        if listing is None or sync_job_final_outcome_exists(job_id=job.pk, listing_id=listing_id):
            return None
        message = f"Internal error while pushing: {type(exc).__name__}: {exc}"[:2000]
        SyncEvent.objects.filter(listing_id=listing_id, outcome=SyncOutcome.IN_PROGRESS).update(
            outcome=SyncOutcome.FAILED, error_kind=SyncErrorKind.INTERNAL, message=message, finished_at=timezone.now()
        )
        sync_event_record(
            job=job,
            listing=listing,
            channel_id=listing.channel_id,
            operation=SyncOperation.UPDATE,
            outcome=SyncOutcome.FAILED,
            is_final=True,
            message=message,
            error_kind=SyncErrorKind.INTERNAL,
        )
        listing_sync_fields_set(listing=listing, last_error_code="internal", last_error_message=message)
        sync_job_count(job_id=job.pk, outcome=SyncOutcome.FAILED)
        return SyncOutcome.FAILED


def _chunk_defer_seconds(job: SyncJob) -> float:
    """Why the rest of a chunk should wait: the channel's circuit is open, or price/stock jobs go first."""
    wait = connection.channel_circuit_wait(job.channel)
    if wait and job.channel.is_active:  # a paused channel fails the rest fast instead of waiting
        return wait + 1
    if job.kind not in OFFER_JOB_KINDS and (
        SyncJob.objects.filter(channel_id=job.channel_id, kind__in=OFFER_JOB_KINDS, status__in=["queued", "running"])
        .exclude(pk=job.pk)
        .exists()
    ):
        return PRIORITY_YIELD_SECONDS
    return 0.0


def _defer_listing(job: SyncJob, listing_id: int, delay: float) -> None:
    with transaction.atomic():
        enqueue(_tasks().sync_listing_push_task, job.pk, listing_id, group=f"sync-job-{job.pk}", delay=delay)


# --- One listing ---


def _listings_for_push(listing_ids: Sequence[int]) -> dict[int, Listing]:
    """Everything readiness and the payload read, for many listings at once (4 queries however many)."""
    listings = (
        Listing.objects.select_related("product", "product__category", "variant")
        .prefetch_related("product__images", "product__variants")
        .filter(pk__in=listing_ids)
    )
    return {listing.pk: listing for listing in listings}


def _listing_for_push(listing_id: int, prefetched: Listing | None) -> Listing | None:
    """The listing's own row read now, with its product, variant and images from the chunk's read when given.

    The row (status, external id, last pushed hash, overrides) must be current; the catalogue data may be as old
    as the chunk (a second or two), like any payload that waits in a queue.
    """
    if prefetched is None:
        return _listings_for_push([listing_id]).get(listing_id)
    listing = Listing.objects.filter(pk=listing_id).first()
    if listing is None:
        return None
    if (listing.product_id, listing.variant_id) != (prefetched.product_id, prefetched.variant_id):
        return _listings_for_push([listing_id]).get(listing_id)
    listing.product = prefetched.product
    listing.variant = prefetched.variant
    return listing


def sync_listing_push(*, job: SyncJob, listing_id: int, prefetched: Listing | None = None) -> str | None:
    """Push one listing as part of `job`; returns the final outcome, or None when nothing final happened yet.

    `prefetched` is the listing as the chunk read it with its catalogue data (see `_listing_for_push`).
    """
    listing = _listing_for_push(listing_id, prefetched)
    if listing is None:
        logger.info("sync job %s: listing %s is gone", job.pk, listing_id)
        return None
    # The job's channel object, shared by the pushes of a chunk (its tokens held for the next request carry
    # over, and `_chunk_defer_seconds` re-reads it once a second).
    listing.channel = (
        job.channel if listing.channel_id == job.channel_id else Channel.objects.get(pk=listing.channel_id)
    )
    # A repeated delivery is recognised under the lease (`_push_leased`); checking before it too cost a query.
    token = listing_lease_claim(listing_id=listing_id)
    if token is None:
        # Another worker is pushing this listing right now; come back when its lease ends and read its outcome.
        _defer_listing(job, listing_id, listing_lease_remaining(listing_id=listing_id) + 1)
        return None
    lease = Lease(listing_id=listing_id, token=token)
    try:
        return _push_leased(job, listing, lease)
    finally:
        lease_release_once(lease)


def _push_leased(job: SyncJob, listing: Listing, lease: Lease) -> str | None:
    history = attempt_history(job_id=job.pk, listing_id=listing.pk, interrupt_open=True)
    if history.final_in_job:
        return None
    if history.interrupted >= POISON_INTERRUPT_LIMIT:
        message = (
            f"Stopped after {history.interrupted} deliveries ended with the worker dying mid-push; "
            "this listing is not tried again automatically. Check the data, then retry it."
        )
        return _finish_failed(job, listing, SyncOperation.UPDATE, message, SyncErrorKind.INTERRUPTED)
    if not listing.channel.is_active:
        message = "The channel is paused (its authorisation expired or an operator paused it); nothing was sent."
        return _finish_failed(job, listing, SyncOperation.UPDATE, message, SyncErrorKind.PAUSED)
    payload = listing_payload(listing)
    phash = payload_hash(payload)
    if (
        listing.external_id
        and phash == listing.last_pushed_hash
        and listing.status
        in (
            ListingStatus.LIVE,
            ListingStatus.IN_REVIEW,
        )
    ):
        sync_event_record(
            job=job,
            listing=listing,
            channel_id=listing.channel_id,
            operation=SyncOperation.UPDATE,
            outcome=SyncOutcome.SKIPPED,
            is_final=True,
            payload_hash=phash,
            message="Nothing changed since the last push.",
        )
        sync_job_count(job_id=job.pk, outcome=SyncOutcome.SKIPPED)
        return SyncOutcome.SKIPPED

    # Look before creating when an earlier create may have succeeded unseen, or when the listing once had an
    # external id that is gone now (e.g. overwritten by a stale save): never a second remote item.
    lookup_first = not payload.external_id and bool(history.creates_unconfirmed or history.had_remote_id)
    # The tokens for this push's requests first (one bucket round trip); a token a listing that turns out not
    # ready leaves unused is spent by the next push of the chunk.
    wait = connection.channel_token_acquire(listing.channel)
    if wait:
        _defer_listing(job, listing.pk, wait)
        return None
    event: SyncEvent | None = None
    try:  # via `queued`, which the state machine only allows for a ready listing
        with transaction.atomic():  # one write: the move and (without a lookup first) the call's event
            listing_status_set(listing=listing, status=ListingStatus.PUBLISHING)
            if not lookup_first:
                event = _push_event_open(job, listing, payload, phash, history.attempts + 1)
    except ApplicationError as exc:
        if exc.extra.get("code") != "not_ready":
            raise
        return _finish_failed(job, listing, SyncOperation.UPDATE, exc.message, SyncErrorKind.READINESS)
    connector = connection.connector_for(listing.channel)
    if lookup_first:
        found = _lookup_by_sku(job, listing, connector, history.attempts + 1)
        if found is None:
            return None  # deferred: the lookup itself must be retried before any create
        if found:
            payload = replace(payload, external_id=found)
    return _push_call(job, listing, connector, payload, phash, history.attempts + 1, event, lease)


def _push_event_open(job: SyncJob, listing: Listing, payload: ListingPayload, phash: str, attempt: int) -> SyncEvent:
    return sync_event_open(
        job=job,
        listing=listing,
        channel_id=listing.channel_id,
        operation=SyncOperation.UPDATE if payload.external_id else SyncOperation.CREATE,
        attempt=attempt,
        payload_hash=phash,
    )


def _lookup_by_sku(job: SyncJob, listing: Listing, connector: Connector, attempt: int) -> str | None:
    """The external id of an item an earlier, unanswered create made; "" when there is none; None if deferred."""
    wait = connection.channel_token_acquire(listing.channel)
    if wait:
        _defer_listing(job, listing.pk, wait)
        return None
    sku = listing_sku(listing)
    event = sync_event_open(
        job=job, listing=listing, channel_id=listing.channel_id, operation=SyncOperation.LOOKUP, attempt=attempt
    )
    started = time.monotonic()
    try:
        remote = connector.find_by_sku(sku)
    except Exception as exc:  # noqa: BLE001 - classified and recorded below
        failure = failure_classify(exc)
        event = sync_event_close(event=event, outcome=SyncOutcome.FAILED, started=started, failure=failure)
        _after_failure(job, listing, SyncOperation.LOOKUP, failure, event=event)
        return None
    external_id = remote.external_id if remote else ""
    sync_event_close(
        event=event,
        outcome=SyncOutcome.SUCCEEDED,
        started=started,
        external_id=external_id,
        message=f"Found {sku} as {external_id}." if remote else f"{sku} does not exist on the marketplace.",
    )
    if external_id:
        listing_sync_fields_set(listing=listing, external_id=external_id)
    return external_id


def _push_call(
    job: SyncJob,
    listing: Listing,
    connector: Connector,
    payload: ListingPayload,
    phash: str,
    attempt: int,
    event: SyncEvent | None,
    lease: Lease,
) -> str | None:
    """Make the call (its event already open, or opened here after a lookup) and act on the answer."""
    if event is None:
        wait = connection.channel_token_acquire(listing.channel)
        if wait:
            _defer_listing(job, listing.pk, wait)
            return None
        event = _push_event_open(job, listing, payload, phash, attempt)
    operation = event.operation
    started = time.monotonic()
    try:
        result = connector.push_listing(payload)
    except Exception as exc:  # noqa: BLE001 - every failure is classified, recorded and acted on
        failure = failure_classify(exc)
        event = sync_event_close(event=event, outcome=SyncOutcome.FAILED, started=started, failure=failure)
        return _after_failure(job, listing, operation, failure, event=event)
    return _push_succeeded(job, listing, payload, phash, result, event, started, lease)


def _push_succeeded(
    job: SyncJob,
    listing: Listing,
    payload: ListingPayload,
    phash: str,
    result: PushResult,
    event: SyncEvent,
    started: float,
    lease: Lease,
) -> str:
    # Everything learnt from the answer is written in one transaction, the lease's release included: one write
    # lock instead of six (on SQLite each autocommit write queues for the lock), and a worker killed here leaves
    # the event in progress, which the next delivery marks interrupted and resolves with a lookup by SKU.
    with lease_released_with(lease):
        return _push_succeeded_record(job, listing, payload, phash, result, event, started)


def _push_succeeded_record(
    job: SyncJob,
    listing: Listing,
    payload: ListingPayload,
    phash: str,
    result: PushResult,
    event: SyncEvent,
    started: float,
) -> str:
    status = RESULT_STATUS.get(result.status, ListingStatus.IN_REVIEW)
    notes = "; ".join(result.review_notes)
    now = timezone.now()
    listing_sync_fields_set(
        listing=listing,
        external_id=result.external_id,
        external_url=result.external_url or listing.external_url,
        channel_payload={"raw_status": result.raw_status, "review_notes": list(result.review_notes)},
        last_pushed_hash=phash,
        last_pushed_at=now,
        last_error_code="",
        last_error_message=notes if status == ListingStatus.ERROR else "",
        drift={},
    )
    listing_status_set(listing=listing, status=status, reason=notes)
    pushed = {"title": payload.title, "price": str(payload.price), "quantity": payload.quantity}
    outcome = SyncOutcome.REJECTED if status == ListingStatus.ERROR else SyncOutcome.SUCCEEDED
    sync_event_close(
        event=event,
        outcome=outcome,
        started=started,
        is_final=True,
        external_id=result.external_id,
        message=notes,
        detail={"pushed": pushed, "remote_status": result.raw_status},
    )
    connection.channel_call_succeeded(listing.channel)
    sync_job_count(job_id=job.pk, outcome=outcome)
    return outcome


def _after_failure(
    job: SyncJob,
    listing: Listing,
    operation: str,
    failure: Failure,
    *,
    event: SyncEvent | None = None,
) -> str | None:
    """Act on a classified failure: schedule a retry, or give up with the marketplace's message."""

    channel = listing.channel
    if failure.kind == SyncErrorKind.REJECTED:
        return _finish_failed(job, listing, operation, failure_text(failure), failure.kind, failure, event)
    if failure.kind == SyncErrorKind.AUTH:
        _channel_pause_for_auth(channel)
        return _finish_failed(job, listing, operation, failure_text(failure), failure.kind, failure, event)
    history = attempt_history(job_id=job.pk, listing_id=listing.pk)
    if failure.kind == SyncErrorKind.THROTTLED and history.throttles < THROTTLE_RETRY_LIMIT:
        connection.channel_throttled(channel, failure.retry_after)
        # The bucket now holds every worker back; this listing comes back just after the marketplace's wait.
        _schedule_retry(job, listing, (failure.retry_after or 1.0) * 1.05 + 0.2, event, failure)
        return None
    connection.channel_call_failed(channel)
    failures = max(1, history.failures)
    plan = plan_retry(failures, retry_after=failure.retry_after)
    if plan.give_up:
        message = f"Gave up after {failures} attempts: {failure_text(failure)}"
        return _finish_failed(job, listing, operation, message, failure.kind, failure, event)
    _schedule_retry(job, listing, plan.delay, event, failure)
    return None


def _schedule_retry(job: SyncJob, listing: Listing, delay: float, event: SyncEvent | None, failure: Failure) -> None:
    next_at = timezone.now() + timedelta(seconds=delay)
    with transaction.atomic():
        if event is not None:
            event.outcome = SyncOutcome.RETRY_SCHEDULED
            event.next_retry_at = next_at
            event.save(update_fields=["outcome", "next_retry_at"])
        Listing.objects.filter(pk=listing.pk).update(
            last_error_code=failure.code[:64],
            last_error_message=f"{failure_text(failure)} (retry at {next_at:%H:%M:%S})",
        )
        task = (
            _tasks().sync_listing_deactivate_task
            if job.kind == SyncJobKind.DEACTIVATE
            else _tasks().sync_listing_push_task
        )
        enqueue(task, job.pk, listing.pk, group=f"sync-job-{job.pk}", delay=delay)
    if job.kind == SyncJobKind.DEACTIVATE:
        return
    listing_status_set(listing=listing, status=ListingStatus.QUEUED, reason="Waiting for a retry.")


def _finish_failed(
    job: SyncJob,
    listing: Listing,
    operation: str,
    message: str,
    kind: str,
    failure: Failure | None = None,
    event: SyncEvent | None = None,
) -> str:
    outcome = SyncOutcome.REJECTED if kind == SyncErrorKind.REJECTED else SyncOutcome.FAILED
    if event is not None:
        event.outcome, event.is_final, event.message = outcome, True, message
        event.save(update_fields=["outcome", "is_final", "message"])
    else:
        sync_event_record(
            job=job,
            listing=listing,
            channel_id=listing.channel_id,
            operation=operation,
            outcome=outcome,
            is_final=True,
            message=message,
            error_kind=kind,
        )
    code = failure.code if failure else kind
    listing_sync_fields_set(listing=listing, last_error_code=code[:64], last_error_message=message)
    # A listing that was never sent (not ready, channel paused) keeps its status; the reason is shown.
    if kind not in (SyncErrorKind.READINESS, SyncErrorKind.PAUSED):
        listing_status_set(listing=listing, status=ListingStatus.ERROR, reason=message)
    sync_job_count(job_id=job.pk, outcome=outcome)
    return outcome


def _channel_pause_for_auth(channel: Channel) -> None:
    """An expired authorisation stops the channel: operators see why on its page and must reconnect it."""
    connection.channel_auth_pause(channel)
