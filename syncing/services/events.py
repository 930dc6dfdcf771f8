"""Writing the append-only sync history: an event is opened before a call and finished once after it."""

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Required, TypedDict, Unpack

from django.utils import timezone

from listings.models import Listing
from syncing.choices import SyncErrorKind, SyncOperation, SyncOutcome
from syncing.models import SyncEvent, SyncJob

from .classify import Failure, failure_text

PUSH_OPERATIONS = (SyncOperation.CREATE, SyncOperation.UPDATE, SyncOperation.LOOKUP)
INTERRUPTED_MESSAGE = "The worker stopped (crash, kill or timeout) before this attempt finished."


def sync_event_open(
    *,
    job: SyncJob | None,
    listing: Listing | None,
    channel_id: int,
    operation: str,
    attempt: int,
    payload_hash: str = "",
) -> SyncEvent:
    """Record that a call is about to be made; committed before the marketplace sees anything."""
    return SyncEvent.objects.create(
        job=job,
        listing=listing,
        channel_id=channel_id,
        operation=operation,
        attempt=attempt,
        payload_hash=payload_hash,
        detail={"worker_pid": os.getpid()},  # which process made the call (finding a dead worker's attempt)
    )


def sync_events_open(
    *, job: SyncJob, listings: Sequence[Listing], channel_id: int, operation: str, attempt: int
) -> list[SyncEvent]:
    """`sync_event_open` for several listings in one statement (a price/stock batch), in their order."""
    detail = {"worker_pid": os.getpid()}
    return SyncEvent.objects.bulk_create(
        [
            SyncEvent(
                job=job, listing=listing, channel_id=channel_id, operation=operation, attempt=attempt, detail=detail
            )
            for listing in listings
        ]
    )


class EventClose(TypedDict, total=False):
    """How an open event finishes (`sync_event_close`)."""

    outcome: Required[str]
    started: float | None  # time.monotonic() when the call began: gives the duration
    failure: Failure | None
    is_final: bool
    next_retry_at: datetime | None
    external_id: str
    message: str
    error_code: str
    http_status: int | None
    detail: dict[str, Any] | None


def sync_event_close(*, event: SyncEvent, **close: Unpack[EventClose]) -> SyncEvent:
    """Finish an open event with its outcome (the one update an event ever gets)."""
    _event_finish(event, **close)
    event.save()
    return event


CLOSE_FIELDS = (
    "outcome", "is_final", "finished_at", "duration_ms", "error_kind", "error_code", "http_status", "request_id",
    "message", "next_retry_at", "external_id", "detail",
)  # fmt: skip


def sync_events_close(closes: Sequence[tuple[SyncEvent, EventClose]]) -> list[SyncEvent]:
    """`sync_event_close` for a batch's events (each with its own outcome and message) in one statement: on
    SQLite each statement waits for the one write lock (docs/benchmarks.md, "Push on change")."""
    events = [_event_finish(event, **fields) for event, fields in closes]
    if events:
        SyncEvent.objects.bulk_update(events, CLOSE_FIELDS)
    return events


def _event_finish(
    event: SyncEvent,
    *,
    outcome: str,
    started: float | None = None,
    failure: Failure | None = None,
    is_final: bool = False,
    next_retry_at: datetime | None = None,
    external_id: str = "",
    message: str = "",
    error_code: str = "",
    http_status: int | None = None,
    detail: dict[str, Any] | None = None,
) -> SyncEvent:
    event.outcome = outcome
    event.is_final = is_final
    event.finished_at = timezone.now()
    if started is not None:
        event.duration_ms = max(0, int((time.monotonic() - started) * 1000))
    if failure is not None:
        event.error_kind = failure.kind
        event.error_code = failure.code[:64]
        event.http_status = failure.http_status
        event.request_id = failure.request_id[:128]
        event.message = failure_text(failure)
    if error_code:
        event.error_code = error_code[:64]
    if http_status is not None:
        event.http_status = http_status
    if message:
        event.message = message
    event.next_retry_at = next_retry_at
    event.external_id = external_id or event.external_id
    if detail:
        event.detail = {**event.detail, **detail}
    return event


def sync_event_record(
    *,
    job: SyncJob | None,
    listing: Listing | None,
    channel_id: int,
    operation: str,
    outcome: str,
    attempt: int = 0,
    is_final: bool = False,
    message: str = "",
    error_kind: str = "",
    payload_hash: str = "",
    next_retry_at: datetime | None = None,
) -> SyncEvent:
    """Record a decision that made no marketplace call (skipped, deferred, refused)."""
    now = timezone.now()
    return SyncEvent.objects.create(
        job=job,
        listing=listing,
        channel_id=channel_id,
        operation=operation,
        outcome=outcome,
        attempt=attempt,
        is_final=is_final,
        message=message,
        error_kind=error_kind,
        payload_hash=payload_hash,
        next_retry_at=next_retry_at,
        finished_at=now,
        duration_ms=0,
    )


def sync_events_interrupt_stale(*, listing_id: int) -> int:
    """Mark the listing's still-open events as interrupted; called by the lease holder, so they are dead.

    Their jobs say so ("Interrupted: ... resumed at ..."), so a job whose worker died does not just look stuck.
    """
    return sync_events_interrupt_stale_of(listing_ids=[listing_id])


def sync_events_interrupt_stale_of(*, listing_ids: Sequence[int]) -> int:
    """`sync_events_interrupt_stale` for several listings at once (a price/stock batch): two statements when
    none of them has an open event, whatever their number."""
    stale = SyncEvent.objects.filter(listing_id__in=list(listing_ids), outcome=SyncOutcome.IN_PROGRESS)
    job_ids = {pk for pk in stale.values_list("job_id", flat=True) if pk}
    if not job_ids and not stale.exists():
        return 0
    now = timezone.now()
    count = stale.update(
        outcome=SyncOutcome.INTERRUPTED,
        error_kind=SyncErrorKind.INTERRUPTED,
        message=INTERRUPTED_MESSAGE,
        finished_at=now,
    )
    for job in SyncJob.objects.filter(pk__in=job_ids).only("message"):
        SyncJob.objects.filter(pk=job.pk).update(message=job_message_interrupted(job.message, now))
    return count


INTERRUPTED_JOB_NOTE = "Interrupted:"


def job_message_interrupted(message: str, resumed_at: datetime) -> str:
    """The job's message with its interruption note set to the latest resume (one such line, the last)."""
    at = timezone.localtime(resumed_at)
    note = f"{INTERRUPTED_JOB_NOTE} a worker stopped mid-push; resumed at {at:%H:%M:%S} {at.tzname()}."
    lines = [line for line in message.splitlines() if not line.startswith(INTERRUPTED_JOB_NOTE)]
    return "\n".join([*lines, note])


@dataclass(frozen=True)
class AttemptHistory:
    attempts: int  # push calls made for this listing in this job (any outcome)
    failures: int  # retryable failures, which spend the backoff schedule
    throttles: int
    interrupted: int  # deliveries whose worker died mid-call
    creates_unconfirmed: int  # create calls (any job) that did not return an id: the item may exist remotely
    had_remote_id: bool  # a call once returned an external id for this listing (it may have been lost since)
    final_in_job: bool = False  # the listing already has its final outcome in this job (a repeated delivery)


def attempt_history(*, job_id: int, listing_id: int, interrupt_open: bool = False) -> AttemptHistory:
    """What the history says about this listing, from one read of its events' few deciding columns.

    (It was three queries, then one aggregate of nine filtered counts, whose compilation alone cost more than
    the rows: a listing has a handful of events, and retention keeps the table short.)

    With `interrupt_open` (only the lease holder may ask: nobody else can be mid-call) the listing's events still
    in progress are dead deliveries: they are marked interrupted and counted so, with one UPDATE only when
    there are any (doing it unconditionally cost a write per push).
    """
    rows = SyncEvent.objects.filter(listing_id=listing_id).values_list(
        "job_id", "operation", "outcome", "error_kind", "is_final", "external_id"
    )
    attempts = failures = throttles = interrupted = creates_unconfirmed = 0
    had_remote_id = final_in_job = still_open = False
    for event_job_id, operation, outcome, error_kind, is_final, external_id in rows:
        in_job = event_job_id == job_id
        if outcome == SyncOutcome.IN_PROGRESS and interrupt_open:
            # The outcome the event gets below; the other counts read it the same either way.
            still_open, outcome, error_kind = True, SyncOutcome.INTERRUPTED, SyncErrorKind.INTERRUPTED
        # A job is a push or a deactivation: its own attempts count, so a deactivation also gives up in time.
        if in_job and (operation in PUSH_OPERATIONS or operation == SyncOperation.DEACTIVATE):
            attempts += 1
            failures += error_kind in (SyncErrorKind.RETRYABLE, SyncErrorKind.INTERNAL)
            throttles += error_kind == SyncErrorKind.THROTTLED
            interrupted += outcome == SyncOutcome.INTERRUPTED
        if (
            operation == SyncOperation.CREATE
            and outcome not in (SyncOutcome.SUCCEEDED, SyncOutcome.REJECTED)
            and error_kind != SyncErrorKind.THROTTLED
        ):
            creates_unconfirmed += 1
        had_remote_id = had_remote_id or (outcome == SyncOutcome.SUCCEEDED and external_id != "")
        final_in_job = final_in_job or (in_job and is_final)
    if still_open:
        sync_events_interrupt_stale(listing_id=listing_id)
    return AttemptHistory(
        attempts=attempts,
        failures=failures,
        throttles=throttles,
        interrupted=interrupted,
        creates_unconfirmed=creates_unconfirmed,
        had_remote_id=had_remote_id,
        final_in_job=final_in_job,
    )
