from django.db import models


class LogLevel(models.IntegerChoices):
    """The standard `logging` levels, stored as their numbers so `level >= WARNING` is one index range."""

    DEBUG = 10, "Debug"
    INFO = 20, "Info"
    WARNING = 30, "Warning"
    ERROR = 40, "Error"
    CRITICAL = 50, "Critical"


class JobStatus(models.TextChoices):
    """One vocabulary for every long task (docs/operations.md#jobs); the adapters map SyncJob/ImportBatch to it."""

    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    COMPLETED_WITH_WARNINGS = "completed_with_warnings", "Completed with warnings"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


ACTIVE_JOB_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)
FINAL_JOB_STATUSES = (
    JobStatus.SUCCEEDED,
    JobStatus.COMPLETED_WITH_WARNINGS,
    JobStatus.FAILED,
    JobStatus.CANCELLED,
)


class JobType(models.TextChoices):
    """Types of the tasks recorded as `operations.Job` (sync and import jobs keep their own tables)."""

    MAINTENANCE = "maintenance", "Database maintenance"
    BACKUP = "backup", "Backup"
    RESTORE_CHECK = "restore_check", "Restore dry run"
    FEED_RUN = "feed_run", "Supplier feed run"


class FeedSourceType(models.TextChoices):
    SFTP = "sftp", "SFTP"
    FTP = "ftp", "FTP"
    HTTP = "http", "HTTP(S) URL"
    UPLOAD = "upload", "Uploaded file"


class FeedFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel (.xlsx)"
    XML = "xml", "XML"
    JSON = "json", "JSON"


class NotificationKind(models.TextChoices):
    """What a notification is about (docs/operations.md#notifications)."""

    ALERT = "alert", "Competitor alert"
    RULE_ACTION = "rule_action", "Automation rule action"
    JOB_FAILED = "job_failed", "Failed job"
    OVERSELL = "oversell", "Oversell"
    MARKETPLACE_EDIT = "marketplace_edit", "Marketplace edit"
    OTHER = "other", "Other"


class NotificationChannel(models.TextChoices):
    IN_APP = "in_app", "In the app only"
    EMAIL = "email", "In the app and by e-mail"


class NotificationDigest(models.TextChoices):
    IMMEDIATE = "immediate", "Immediately"
    DAILY = "daily", "Daily digest"
