"""Jobs: create and queue, report progress from a runner, stop, finish (docs/operations.md#jobs).

A runner is a function `runner(run: JobRun) -> dict` (its result). It reports through `run`: stages, progress,
read/written/skipped counts, warnings with the offending item, log lines; and calls `run.check_stop()` between
chunks, which raises `JobStopped` once somebody asked the job to stop.
"""

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from accounts.roles import can_edit, is_admin
from catalog.importing.services import import_batch_stop
from catalog.models import ImportBatch
from common.actors import Actor, actor_or_none
from common.brokers import PRIORITY_MAX, PRIORITY_MIN
from common.enqueue import enqueue
from common.errors import ApplicationError
from operations.choices import ACTIVE_JOB_STATUSES, JobStatus, JobType, LogLevel
from operations.job_sources import job_object
from operations.models import Job, JobLogLine
from operations.services.notifications import job_failed
from operations.tasks import job_execute_task
from syncing.models import SyncJob

logger = logging.getLogger(__name__)

SAVE_EVERY_SECONDS = 0.5  # progress writes at most this often: the page polls every 1.5 s
STOP_CHECK_SECONDS = 1.0  # how stale a runner's view of a stop request may get
MAX_LOG_LINE_CHARS = 4_000


# Priority (docs/operations.md#job-priority): workers take the highest first when tasks wait. A job somebody
# started from a page or the API is watched, so it goes before scheduled work; upkeep waits behind everything.
PERSON_PRIORITY = 1
SCHEDULED_PRIORITY: dict[str, int] = {JobType.MAINTENANCE: -1, JobType.BACKUP: -1}


def job_priority(*, type: str, user: Actor = None, priority: int | None = None) -> int:
    """The priority a new job gets: `priority` when given (checked), else by who started it and its type."""
    if priority is None:
        return PERSON_PRIORITY if actor_or_none(user) is not None else SCHEDULED_PRIORITY.get(type, 0)
    if isinstance(priority, bool) or not isinstance(priority, int) or not PRIORITY_MIN <= priority <= PRIORITY_MAX:
        raise ApplicationError(
            f"priority: give a whole number from {PRIORITY_MIN} (last) to {PRIORITY_MAX} (first); 0 is normal."
        )
    return priority


class JobStopped(Exception):
    """Raised by `JobRun.check_stop()` between chunks after a stop request; the job ends `cancelled`."""


def job_create(
    *,
    type: str,
    parameters: dict[str, Any] | None = None,
    user: Actor = None,
    priority: int | None = None,
    inline: bool = False,
) -> Job:
    """Record a queued job and hand it to a worker (the queue row commits with the job row), ahead of waiting
    tasks of a lower priority (`job_priority`); `inline`: the caller runs it itself with `job_execute`
    (management commands)."""
    if type not in JobType.values:
        raise ApplicationError(f"Unknown job type '{type}'; known: {', '.join(JobType.values)}.")
    priority = job_priority(type=type, user=user, priority=priority)
    with transaction.atomic():
        job = Job(type=type, parameters=parameters or {}, created_by=actor_or_none(user), priority=priority)
        job.full_clean()
        job.save()
        job_log(job=job, message=f"Queued by {job.created_by or 'the system'}.")
        if not inline:
            enqueue(
                job_execute_task, job.pk, group=f"operations.{type}", task_name=job.public_id, priority=job.priority
            )
    return job


def job_log(*, job: Job, message: str, level: int = LogLevel.INFO) -> JobLogLine:
    """Append one line to the job's output log."""
    return JobLogLine.objects.create(job=job, level=level, message=message[:MAX_LOG_LINE_CHARS])


@transaction.atomic
def job_stop(*, job: Job, user: Actor = None) -> Job:
    """Ask a job to stop: a queued job is cancelled at once, a running one stops at its next chunk boundary."""
    job = Job.objects.select_for_update().get(pk=job.pk)
    if not job.is_active:
        raise ApplicationError(f"Job {job.public_id} has already ended ({job.get_status_display().lower()}).")
    who = actor_or_none(user) or "the system"
    now = timezone.now()
    if job.status == JobStatus.QUEUED:
        job.status, job.finished_at, job.stop_requested_at = JobStatus.CANCELLED, now, now
        job.save(update_fields=["status", "finished_at", "stop_requested_at"])
        job_log(job=job, message=f"Cancelled by {who} before it started.", level=LogLevel.WARNING)
        return job
    if job.stop_requested_at is None:
        job.stop_requested_at = now
        job.save(update_fields=["stop_requested_at"])
        job_log(job=job, message=f"Stop requested by {who}; it stops after the current step.", level=LogLevel.WARNING)
    return job


def job_stale_seconds() -> float:
    """How old a running job's heartbeat may be before its worker counts as dead: JOB_STALE_SECONDS (a running
    job beats every JOB_HEARTBEAT_SECONDS from its own thread), never longer than the task timeout."""
    return min(float(settings.JOB_STALE_SECONDS), float(settings.Q_CLUSTER.get("timeout", 600)))


def job_claim(*, job_id: int) -> Job | None:
    """Move a queued job to running, or take over a running one whose worker died (no heartbeat for longer
    than job_stale_seconds(); counted in `retry_count`). None when there is nothing to run (duplicate delivery)."""
    now = timezone.now()
    if Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=now, heartbeat_at=now
    ):
        return Job.objects.get(pk=job_id)
    stale = now - timedelta(seconds=job_stale_seconds())
    job = Job.objects.filter(pk=job_id, status=JobStatus.RUNNING, heartbeat_at__lt=stale).first()
    if job is None:
        _takeover_check_later(job_id=job_id, stale=stale)
        return None
    job.retry_count += 1
    job.heartbeat_at = now
    job.save(update_fields=["retry_count", "heartbeat_at"])
    job_log(job=job, message=f"Taken over after the previous worker stopped (retry {job.retry_count}).")
    return job


def _takeover_check_later(*, job_id: int, stale: Any) -> None:
    """A running job with a fresh heartbeat: a duplicate delivery, or its worker has just died or been stopped
    (a stopped worker hands its task back at once, a dead one's comes back within Q_RETRY: docs/sync.md, "Stopping
    and restarting workers"). Deliver the task again when the heartbeat would be stale, so such a job is taken
    over then instead of staying "running" for ever; if it is still alive by then, the check repeats."""
    row = Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).values_list("heartbeat_at", "priority").first()
    if row is None or row[0] is None:
        return
    beat, priority = row
    with transaction.atomic():
        delay = (beat - stale).total_seconds() + 1
        enqueue(job_execute_task, job_id, group="operations.takeover", delay=delay, priority=priority)


def job_finish(*, job: Job, status: str, result: dict[str, Any] | None = None, error: str = "") -> bool:
    """Close an active job. The status never improves: warnings turn success into completed_with_warnings, and
    an ended job is left as it is (the update is conditional). Returns False if the job had already ended."""
    if status == JobStatus.SUCCEEDED and job.warning_count:
        status = JobStatus.COMPLETED_WITH_WARNINGS
    updated = Job.objects.filter(pk=job.pk, status__in=ACTIVE_JOB_STATUSES).update(
        status=status,
        finished_at=timezone.now(),
        result=result if result is not None else job.result,
        error=error,
        processed=job.processed,
        total=job.total,
        stage=job.stage,
        read_count=job.read_count,
        write_count=job.write_count,
        skip_count=job.skip_count,
        warning_count=job.warning_count,
        warnings=job.warnings,
    )
    if updated:
        job.status = status
        job.error = error
        if status == JobStatus.FAILED:
            job_failed(job=job)  # the starter and the admins are told (docs/operations.md#notifications)
    return bool(updated)


class JobRun:
    """What a runner reports through; saves progress at most every SAVE_EVERY_SECONDS."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self._saved_at = 0.0
        self._stop_checked_at = 0.0

    def log(self, message: str, level: int = LogLevel.INFO) -> None:
        job_log(job=self.job, message=message, level=level)

    @contextmanager
    def heartbeat(self) -> Iterator[None]:
        """Renew `heartbeat_at` every JOB_HEARTBEAT_SECONDS from a thread of its own while the runner works, so a
        runner stuck in one long step (a download, a dry run) is not taken for dead; the beats stop with it."""
        stop = threading.Event()
        beat = threading.Thread(
            target=_beat, args=(self.job.pk, float(settings.JOB_HEARTBEAT_SECONDS), stop), daemon=True
        )
        beat.start()
        try:
            yield
        finally:
            stop.set()
            beat.join(timeout=10)

    def stage(self, name: str, *, total: int | None = None) -> None:
        self.job.stage = name[:120]
        if total is not None:
            self.job.total, self.job.processed = total, 0
        self.log(name)
        self.save(force=True)

    def advance(self, processed: int = 1, *, read: int = 0, written: int = 0, skipped: int = 0) -> None:
        job = self.job
        job.processed = min(job.processed + processed, job.total) if job.total else job.processed + processed
        job.read_count += read
        job.write_count += written
        job.skip_count += skipped
        self.save()

    def warn(self, message: str, item: Any = None) -> None:
        """Count a warning about one item (a row, a table, a file) and keep it with the item."""
        job = self.job
        job.warning_count += 1
        if len(job.warnings) < Job.WARNINGS_KEPT:
            job.warnings.append({"message": message, "item": item})
        self.log(message if item is None else f"{message} ({item})", LogLevel.WARNING)
        self.save()

    def save(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._saved_at < SAVE_EVERY_SECONDS:
            return
        self._saved_at = now
        job = self.job
        Job.objects.filter(pk=job.pk).update(
            stage=job.stage,
            processed=job.processed,
            total=job.total,
            read_count=job.read_count,
            write_count=job.write_count,
            skip_count=job.skip_count,
            warning_count=job.warning_count,
            warnings=job.warnings,
            heartbeat_at=timezone.now(),
        )

    def stop_requested(self) -> bool:
        now = time.monotonic()
        if self.job.stop_requested_at is None and now - self._stop_checked_at >= STOP_CHECK_SECONDS:
            self._stop_checked_at = now
            self.job.stop_requested_at = (
                Job.objects.filter(pk=self.job.pk).values_list("stop_requested_at", flat=True).first()
            )
        return self.job.stop_requested_at is not None

    def check_stop(self) -> None:
        """Call between chunks: raises JobStopped when a stop was requested."""
        if self.stop_requested():
            raise JobStopped


def _beat(job_id: int, interval: float, stop: threading.Event) -> None:
    try:
        while not stop.wait(interval):
            try:
                Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(heartbeat_at=timezone.now())
            except DatabaseError:  # a busy database: the next beat tries again
                logger.warning("job-%s: heartbeat not saved", job_id, exc_info=True)
    finally:
        connection.close()  # this thread's own connection


def job_stop_any(*, public_id: str, user: Actor) -> None:
    """Stop a job of any table by its public id (the Jobs page and POST /api/v1/jobs/{id}/stop/).

    operations.Job: admin role, stops at the next chunk; SyncJob: the sync edit right, through the sync engine's
    own cancel (checked by its push chunks about once a second); ImportBatch: the imports edit right, through the
    import's own stop request (its dry run or commit stops at the next chunk boundary; an ended one is refused).
    """
    from syncing.services import sync_job_cancel

    obj = job_object(public_id, user=user)
    if obj is None:
        raise ApplicationError(f"There is no job {public_id}.")
    if isinstance(obj, Job):
        if not is_admin(user):
            raise PermissionDenied("Only administrators may stop operations jobs.")
        job_stop(job=obj, user=user)
    elif isinstance(obj, SyncJob):
        if not can_edit(user, "sync"):
            raise PermissionDenied("Your role does not allow stopping sync jobs.")
        sync_job_cancel(job=obj, user=user)
    elif isinstance(obj, ImportBatch):
        if not can_edit(user, "imports"):
            raise PermissionDenied("Your role does not allow stopping imports.")
        import_batch_stop(batch=obj, user=user)
    else:
        raise ApplicationError(f"{public_id} cannot be stopped: this kind of job has no stop point.")
