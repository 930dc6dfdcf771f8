"""What a failed push or deactivation does next: a retry with backoff, or a final failure with its reason.

Shared by one listing's push (push_listing.py) and its deactivation (deactivate.py).
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from channels.models import Channel
from common.enqueue import enqueue
from common.events import publish as publish_event
from listings.choices import ListingStatus
from listings.models import Listing
from syncing import tasks
from syncing.backoff import plan_retry
from syncing.choices import SyncErrorKind, SyncJobKind, SyncOperation, SyncOutcome
from syncing.events import LISTING_PUSHED
from syncing.models import SyncEvent, SyncJob

from . import connection
from .classify import Failure, failure_text
from .events import attempt_history, sync_event_record
from .jobs import sync_job_count
from .listing_bridge import listing_status_set, listing_sync_fields_set

THROTTLE_RETRY_LIMIT = 20  # 429s per listing and job before throttling counts as a failure


def after_failure(
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
        return finish_failed(job, listing, operation, failure_text(failure), failure.kind, failure, event)
    if failure.kind == SyncErrorKind.AUTH:
        _channel_pause_for_auth(channel)
        return finish_failed(job, listing, operation, failure_text(failure), failure.kind, failure, event)
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
        return finish_failed(job, listing, operation, message, failure.kind, failure, event)
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
            tasks.sync_listing_deactivate_task if job.kind == SyncJobKind.DEACTIVATE else tasks.sync_listing_push_task
        )
        enqueue(task, job.pk, listing.pk, group=f"sync-job-{job.pk}", delay=delay)
    if job.kind == SyncJobKind.DEACTIVATE:
        return
    listing_status_set(listing=listing, status=ListingStatus.QUEUED, reason="Waiting for a retry.")


def finish_failed(
    job: SyncJob,
    listing: Listing,
    operation: str,
    message: str,
    kind: str,
    failure: Failure | None = None,
    event: SyncEvent | None = None,
) -> str:
    """Record the listing's final failure (on its open event, or a new one) and count it in the job."""
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
    # A listing that was never sent (not ready, channel paused) keeps its status; the reason is shown. A refused
    # deactivation leaves the item where it was on the marketplace, so the listing keeps its status too.
    if kind not in (SyncErrorKind.READINESS, SyncErrorKind.PAUSED) and operation != SyncOperation.DEACTIVATE:
        listing_status_set(listing=listing, status=ListingStatus.ERROR, reason=message)
        publish_event(
            LISTING_PUSHED, listing_id=listing.pk, channel_id=listing.channel_id, outcome="error", message=message
        )
    sync_job_count(job_id=job.pk, outcome=outcome)
    return outcome


def _channel_pause_for_auth(channel: Channel) -> None:
    """An expired authorisation stops the channel: operators see why on its page and must reconnect it."""
    connection.channel_auth_pause(channel)
