"""Housekeeping run by schedules: keep the event table bounded, and restart jobs whose work was lost."""

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from syncing.choices import SyncJobKind, SyncJobStatus, SyncOutcome
from syncing.models import DailyEventSummary, SyncEvent, SyncJob

from .push import push_chunks_enqueue

RETENTION_DAYS = 90
RETENTION_BATCH_DAYS = 1  # one day per transaction keeps the SQLite writer lock short
STUCK_AFTER_MINUTES = 30


@transaction.atomic
def _summarise_day(day: date) -> int:
    start = timezone.make_aware(datetime.combine(day, time.min))
    events = SyncEvent.objects.filter(created_at__gte=start, created_at__lt=start + timedelta(days=1))
    rows = events.values("channel_id", "operation", "outcome").annotate(n=Count("id"))
    for row in rows:
        summary, _ = DailyEventSummary.objects.select_for_update().get_or_create(
            day=day, channel_id=row["channel_id"], operation=row["operation"], outcome=row["outcome"]
        )
        summary.count += row["n"]
        summary.save(update_fields=["count"])
    deleted, _ = events.delete()
    return deleted


def sync_events_summarise(*, older_than_days: int = RETENTION_DAYS) -> int:
    """Replace events older than `older_than_days` with daily counts per channel, operation and outcome.

    Returns how many events were removed. Idempotent: a second run finds nothing left to summarise.
    """
    if older_than_days < 1:
        raise ValueError("Keep at least one day of sync events.")
    cutoff = timezone.now() - timedelta(days=older_than_days)
    oldest = SyncEvent.objects.filter(created_at__lt=cutoff).order_by("created_at").values_list("created_at", flat=True)
    first = oldest.first()
    if first is None:
        return 0
    removed = 0
    day = timezone.localtime(first).date()
    last_day = timezone.localtime(cutoff).date()
    while day < last_day:
        removed += _summarise_day(day)
        day += timedelta(days=1)
    return removed


def sync_jobs_requeue_stuck(*, stuck_after_minutes: int = STUCK_AFTER_MINUTES) -> list[int]:
    """Re-enqueue listings of push jobs that made no progress for a while (their queue rows were lost).

    A crashed worker's task comes back by itself within Q_RETRY (the ORM row's lock, or the receipt of
    common.brokers.RedisWithReceipts); this catches the rest (a Redis task lost between pop and receipt, a queue
    row deleted by hand). Listings that already have a final outcome are skipped by the push itself, so
    requeueing too much is harmless.
    """
    cutoff = timezone.now() - timedelta(minutes=stuck_after_minutes)
    stuck = SyncJob.objects.filter(
        status__in=[SyncJobStatus.QUEUED, SyncJobStatus.RUNNING], kind=SyncJobKind.PUSH, created_at__lt=cutoff
    ).exclude(heartbeat_at__gte=cutoff)
    requeued: list[int] = []
    for job in stuck:
        pending_retry = job.events.filter(outcome=SyncOutcome.RETRY_SCHEDULED, next_retry_at__gt=timezone.now())
        if pending_retry.exists():
            continue
        done = set(job.events.filter(is_final=True).values_list("listing_id", flat=True))
        listing_ids = _job_listing_ids(job)
        todo = [pk for pk in listing_ids if pk not in done]
        with transaction.atomic():
            SyncJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())
            if todo:
                push_chunks_enqueue(job=job, listing_ids=todo)
        requeued.append(job.pk)
    return requeued


def sync_pulls_fail_stuck(*, stuck_after_minutes: int = STUCK_AFTER_MINUTES) -> list[int]:
    """End pull jobs that made no progress for a while (their worker or queue row was lost) as failed.

    A pull holds its channel (one pull at a time), so a lost one would block every scheduled pull after it;
    the next pull starts from the channel's cursor, which only a finished pull moves, so nothing is skipped.
    """
    cutoff = timezone.now() - timedelta(minutes=stuck_after_minutes)
    stuck = (
        SyncJob.objects.filter(
            status__in=[SyncJobStatus.QUEUED, SyncJobStatus.RUNNING], kind=SyncJobKind.PULL, created_at__lt=cutoff
        )
        .exclude(heartbeat_at__gte=cutoff)
        .exclude(events__created_at__gte=cutoff)
    )
    ids = list(stuck.values_list("pk", flat=True).distinct())
    SyncJob.objects.filter(pk__in=ids).update(
        status=SyncJobStatus.FAILED,
        finished_at=timezone.now(),
        message=f"Pull stopped: no progress for {stuck_after_minutes} minutes (its worker was lost).",
    )
    return ids


def _job_listing_ids(job: SyncJob) -> list[int]:
    """The listings a push job was started for (recorded on the job when it was created)."""
    return [int(pk) for pk in (job.listing_ids or [])]
