"""Sync jobs: create, count outcomes, finish, cancel."""

from collections import Counter
from collections.abc import Sequence

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Least
from django.utils import timezone

from accounts.roles import channel_access_check
from channels.models import Channel
from common.actors import Actor, actor_or_none
from common.errors import ApplicationError
from common.events import publish as publish_event
from syncing.choices import SyncJobKind, SyncJobStatus, SyncOutcome
from syncing.events import SYNC_JOB_FAILED
from syncing.models import SyncEvent, SyncJob

OUTCOME_COUNTER = {
    SyncOutcome.SUCCEEDED: "succeeded",
    SyncOutcome.SKIPPED: "skipped",
    SyncOutcome.REJECTED: "failed",
    SyncOutcome.FAILED: "failed",
    SyncOutcome.CANCELLED: "skipped",
}


def sync_job_create(
    *,
    channel: Channel,
    kind: str,
    listing_ids: Sequence[int] = (),
    message: str = "",
    user: Actor = None,
) -> SyncJob:
    """Record a new job covering `listing_ids` (a pull discovers its items and counts them as it goes)."""
    if kind not in SyncJobKind.values:
        raise ApplicationError(f"Unknown sync job kind '{kind}'; known: {', '.join(SyncJobKind.values)}.")
    channel_access_check(user, [channel])
    job = SyncJob(
        channel=channel,
        kind=kind,
        total=len(listing_ids),
        listing_ids=list(listing_ids),
        message=message,
        created_by=actor_or_none(user),
    )
    job.full_clean()
    job.save()
    return job


def sync_job_start(*, job: SyncJob) -> None:
    now = timezone.now()
    SyncJob.objects.filter(pk=job.pk, status=SyncJobStatus.QUEUED).update(
        status=SyncJobStatus.RUNNING, started_at=now, heartbeat_at=now
    )


def sync_job_count(*, job_id: int, outcome: str) -> None:
    """Count one listing's final outcome on its job and close the job when every listing is done."""
    sync_job_count_many(job_id=job_id, outcomes=[outcome])


def sync_job_count_many(*, job_id: int, outcomes: Sequence[str]) -> None:
    """Count several listings' final outcomes (a price/stock batch) in one update, then the close check."""
    if not outcomes:
        return
    counters = Counter(OUTCOME_COUNTER[SyncOutcome(outcome)] for outcome in outcomes)
    SyncJob.objects.filter(pk=job_id, processed__lt=F("total")).update(
        processed=Least(F("processed") + len(outcomes), F("total")),
        **{counter: F(counter) + n for counter, n in counters.items()},
        heartbeat_at=timezone.now(),
    )
    sync_job_finish_if_done(job_id=job_id)


def sync_job_finish_if_done(*, job_id: int) -> None:
    job = SyncJob.objects.filter(pk=job_id).first()
    if job is None or job.processed < job.total or not job.is_active:
        return
    status = SyncJobStatus.COMPLETED_WITH_ERRORS if job.failed else SyncJobStatus.SUCCEEDED
    if job.total and job.failed == job.total:
        status = SyncJobStatus.FAILED
    closed = SyncJob.objects.filter(pk=job_id, status__in=[SyncJobStatus.QUEUED, SyncJobStatus.RUNNING]).update(
        status=status, finished_at=timezone.now()
    )
    if closed and job.failed:
        publish_event(
            SYNC_JOB_FAILED, job_id=job.pk, channel_id=job.channel_id, kind=job.kind, status=status,
            failed=job.failed, total=job.total, created_by_id=job.created_by_id,
        )  # fmt: skip


def sync_job_final_outcome_exists(*, job_id: int, listing_id: int) -> bool:
    """True when this listing already has its final outcome in this job (a duplicate delivery must not count)."""
    return SyncEvent.objects.filter(job_id=job_id, listing_id=listing_id, is_final=True).exists()


@transaction.atomic
def sync_job_cancel(*, job: SyncJob, user: Actor = None) -> SyncJob:
    """Stop a job: listings not yet pushed are left as they are; pushes already in flight finish."""
    job = SyncJob.objects.select_for_update().get(pk=job.pk)
    channel_access_check(user, [job.channel_id])
    if not job.is_active:
        raise ApplicationError(f"Job #{job.pk} has already ended ({job.get_status_display().lower()}).")
    who = actor_or_none(user)
    job.status = SyncJobStatus.CANCELLED
    job.finished_at = timezone.now()
    job.message = (job.message + "\n" if job.message else "") + f"Cancelled by {who or 'the system'}."
    job.save(update_fields=["status", "finished_at", "message"])
    return job


def sync_job_is_cancelled(*, job_id: int) -> bool:
    return SyncJob.objects.filter(pk=job_id, status=SyncJobStatus.CANCELLED).exists()
