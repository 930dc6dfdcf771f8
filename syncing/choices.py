from django.db import models


class SyncJobKind(models.TextChoices):
    PUSH = "push", "Publish / update"
    PULL = "pull", "Pull from marketplace"
    REPRICE = "reprice", "Price and stock"
    RESTOCK = "restock", "Stock only"
    DEACTIVATE = "deactivate", "Deactivate"
    RECONCILE = "reconcile", "Reconcile"


# The queue priority of each kind's tasks (common/brokers.py): price and stock go before content pushes and pulls
# waiting on the same workers (docs/sync.md#push-on-change).
SYNC_JOB_PRIORITY: dict[str, int] = {SyncJobKind.REPRICE: 1, SyncJobKind.RESTOCK: 1}


class SyncJobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    COMPLETED_WITH_ERRORS = "completed_with_errors", "Completed with errors"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


ACTIVE_JOB_STATUSES = (SyncJobStatus.QUEUED, SyncJobStatus.RUNNING)


class SyncOperation(models.TextChoices):
    CREATE = "create", "Create"
    UPDATE = "update", "Update"
    LOOKUP = "lookup", "Find by SKU"
    OFFERS = "offers", "Price / stock"
    DEACTIVATE = "deactivate", "Deactivate"
    PULL = "pull", "Pull"


class SyncOutcome(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    SUCCEEDED = "succeeded", "Succeeded"
    SKIPPED = "skipped", "Skipped (nothing changed)"
    RETRY_SCHEDULED = "retry_scheduled", "Retry scheduled"
    REJECTED = "rejected", "Rejected by marketplace"
    FAILED = "failed", "Failed"
    INTERRUPTED = "interrupted", "Interrupted (worker died)"
    CANCELLED = "cancelled", "Cancelled"


class SyncErrorKind(models.TextChoices):
    """How the engine classified a failure; decides what happens next."""

    THROTTLED = "throttled", "Throttled (429): retry after the marketplace's wait"
    RETRYABLE = "retryable", "Temporary: retry with backoff"
    REJECTED = "rejected", "Rejected: fix the data, never retried"
    AUTH = "auth", "Authorisation expired: channel paused"
    PAUSED = "paused", "Channel paused: nothing sent"
    INTERRUPTED = "interrupted", "Worker died during the attempt"
    READINESS = "readiness", "Not ready to publish"
    INTERNAL = "internal", "Internal error"


FINAL_FAILURE_OUTCOMES = (SyncOutcome.REJECTED, SyncOutcome.FAILED)
# Attempts a person may retry (sync_event_retry): failed ones and ones still waiting for their automatic retry.
RETRYABLE_OUTCOMES = (SyncOutcome.FAILED, SyncOutcome.REJECTED, SyncOutcome.INTERRUPTED, SyncOutcome.RETRY_SCHEDULED)
