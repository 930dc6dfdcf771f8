"""Publishing listings as jobs of chunks: each chunk a task that pushes its listings, on one thread or several.

A chunk hands its listings out one at a time, re-reads the job's cancel, the channel's circuit and the
priority of price/stock jobs about once a second, and queues its rest again when it must stop, yield or has
run for half the task timeout. The push of one listing is push_listing.py.
"""

import contextvars
import logging
import threading
import time
from collections.abc import Sequence

from django.conf import settings
from django.db import connections, transaction

from common.enqueue import enqueue
from common.worker import stop_requested
from listings.models import Listing
from syncing import tasks
from syncing.choices import SyncJobKind, SyncOutcome
from syncing.conf import sync_setting
from syncing.models import SyncEvent, SyncJob

from . import connection
from .jobs import sync_job_start
from .push_listing import listings_for_push, sync_listing_push_guarded

logger = logging.getLogger(__name__)

PUSH_CHUNK_SIZE = 20  # listings per task: small enough that a redelivered chunk redoes little
PUSH_THREADS = 2  # listings a worker pushes at once (see `sync_job_push_chunk`)
CHUNK_TIME_SHARE = 0.5  # of the task timeout (Q_TIMEOUT) a chunk may spend before it queues its rest
CHUNK_CHECK_SECONDS = 1.0  # how stale a chunk's view of cancel/circuit/priority may get
PRIORITY_YIELD_SECONDS = 5.0  # content pushes step aside this long while a price/stock job runs
OFFER_JOB_KINDS = (SyncJobKind.REPRICE, SyncJobKind.RESTOCK)


def push_chunks_enqueue(*, job: SyncJob, listing_ids: Sequence[int], delay: float | None = None) -> None:
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
    chunk = _Chunk(job, listing_ids, listings_for_push(listing_ids))
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
            if stop_requested():
                # The worker is stopping (deploy, Ctrl-C): the pushes in flight finish, the rest is queued again
                # for the next cluster (docs/sync.md, "Stopping and restarting workers").
                self._requeue(self.listing_ids[self.handled :], delay=None)
                self.stopped = True
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
                    tasks.sync_job_push_chunk_task,
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
