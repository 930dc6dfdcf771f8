"""System log retention."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from common.errors import ApplicationError
from operations.models import SystemLog

PURGE_BATCH = 5_000  # rows per DELETE: keeps each statement short so the log writer is never held up for long


def system_log_purge(*, days: int | None = None) -> int:
    """Delete system log records older than the retention period (SYSTEM_LOG_RETENTION_DAYS); returns the count.

    Deletes in batches of PURGE_BATCH, each its own statement in autocommit, so a large backlog does not hold one
    long lock on the table the log writer inserts into.
    """
    keep_days = settings.SYSTEM_LOG_RETENTION_DAYS if days is None else days
    if keep_days < 1:
        raise ApplicationError("System log retention must be at least one day.")
    cutoff = timezone.now() - timedelta(days=keep_days)
    deleted = 0
    expired = SystemLog.objects.filter(created_at__lt=cutoff).order_by("id").values_list("id", flat=True)
    while True:
        ids = list(expired[:PURGE_BATCH])
        if not ids:
            return deleted
        deleted += SystemLog.objects.filter(id__in=ids).delete()[0]
