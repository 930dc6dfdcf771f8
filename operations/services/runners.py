"""Run one job: claim it, call its type's runner, finish it with the status its run earned."""

import logging
from collections.abc import Callable
from typing import Any

from accounts.audit import audit_actor
from common.errors import ApplicationError
from operations.choices import JobStatus, JobType, LogLevel
from operations.models import Job
from operations.services.backups import backup_runner, restore_check_runner
from operations.services.feeds import feed_runner
from operations.services.jobs import JobRun, JobStopped, job_claim, job_finish
from operations.services.maintenance import maintenance_runner
from operations.systemlog import job_logging

logger = logging.getLogger(__name__)

RUNNERS: dict[str, Callable[[JobRun], dict[str, Any]]] = {
    JobType.MAINTENANCE: maintenance_runner,
    JobType.BACKUP: backup_runner,
    JobType.RESTORE_CHECK: restore_check_runner,
    JobType.FEED_RUN: feed_runner,
}


def job_execute(*, job_id: int) -> Job | None:
    """Run a queued job to its end (worker task or inline for commands); None if there was nothing to run."""
    job = job_claim(job_id=job_id)
    if job is None:
        return None
    run = JobRun(job)
    with job_logging(job.public_id), audit_actor("job", job.public_id, user=job.created_by), run.heartbeat():
        try:
            result = RUNNERS[job.type](run)
        except JobStopped:
            run.log("Stopped on request.", LogLevel.WARNING)
            job_finish(job=job, status=JobStatus.CANCELLED)
        except ApplicationError as exc:
            run.log(exc.message, LogLevel.ERROR)
            job_finish(job=job, status=JobStatus.FAILED, error=exc.message)
        except Exception as exc:  # noqa: BLE001 - any failure ends the job failed, with its trace in the system log
            logger.exception("%s failed", job.public_id)
            message = f"Internal error ({type(exc).__name__}): {exc}"
            run.log(message, LogLevel.ERROR)
            job_finish(job=job, status=JobStatus.FAILED, error=message)
        else:
            run.log("Finished.")
            job_finish(job=job, status=JobStatus.SUCCEEDED, result=result)
    job.refresh_from_db()
    return job
