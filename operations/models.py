"""Operational records: the system log (and, in the other modules of this app, jobs and backups)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from catalog.models import ImportErrorPolicy
from common.brokers import PRIORITY_MAX, PRIORITY_MIN

from .choices import (
    ACTIVE_JOB_STATUSES,
    FeedFormat,
    FeedSourceType,
    JobStatus,
    JobType,
    LogLevel,
    NotificationChannel,
    NotificationDigest,
    NotificationKind,
)


class SystemLog(models.Model):
    """One log record at or above `SYSTEM_LOG_LEVEL`, written by `operations.systemlog.DatabaseLogHandler`.

    Rows are written by a background thread on its own database connection, so a record survives the rollback
    of the request or job that logged it. `request_id` is the id shown on error pages and sent as X-Request-ID;
    `job` is the job's public id (`job-5`, `sync-12`, `import-3`, see docs/operations.md). Append-only; old rows
    are removed by the retention purge.
    """

    created_at = models.DateTimeField(db_index=True)
    level = models.PositiveSmallIntegerField(choices=LogLevel.choices)
    message = models.TextField()
    logger = models.CharField(max_length=200)
    module = models.CharField(max_length=200, blank=True)
    function = models.CharField(max_length=200, blank=True)
    line = models.PositiveIntegerField(default=0)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True)
    job = models.CharField(max_length=40, blank=True, db_index=True, help_text="Public job id, e.g. sync-12.")
    session = models.CharField(max_length=40, blank=True)
    request_id = models.CharField(max_length=64, blank=True, db_index=True)
    extra = models.JSONField(default=dict, blank=True)
    stack_trace = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["level", "-created_at"], name="systemlog_level_created_idx"),
            models.Index(fields=["logger", "-created_at"], name="systemlog_logger_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(level__in=LogLevel.values), name="systemlog_level_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.logger}: {self.message[:60]}"


class Job(models.Model):
    """One long task run by a worker (maintenance, backup, restore check, later feed runs), in the one job shape.

    Counters: `read_count` items read, `write_count` written, `skip_count` skipped, `warning_count` items with a
    warning (each in `warnings` with the offending item, the first WARNINGS_KEPT of them). The status only gets
    worse: a job with warnings ends `completed_with_warnings`, a failed job is never set back to a better status
    (services update it with a condition on the current status). A stop request is honoured between chunks.
    """

    WARNINGS_KEPT = 200

    type = models.CharField(max_length=32, choices=JobType.choices)
    parameters = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=24, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True)
    stage = models.CharField(max_length=120, blank=True)
    processed = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    read_count = models.PositiveIntegerField(default=0)
    write_count = models.PositiveIntegerField(default=0)
    skip_count = models.PositiveIntegerField(default=0)
    warning_count = models.PositiveIntegerField(default=0)
    warnings = models.JSONField(default=list, blank=True, help_text="[{message, item}], the first ones.")
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    priority = models.SmallIntegerField(
        default=0,
        validators=[MinValueValidator(PRIORITY_MIN), MaxValueValidator(PRIORITY_MAX)],
        help_text="Higher runs first when workers are busy (-9 to 9; docs/operations.md#job-priority).",
    )
    retry_count = models.PositiveSmallIntegerField(default=0)
    stop_requested_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_by", "status"], name="job_user_status_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=JobStatus.values), name="job_status_valid"),
            models.CheckConstraint(condition=models.Q(type__in=JobType.values), name="job_type_valid"),
            models.CheckConstraint(
                condition=models.Q(priority__gte=PRIORITY_MIN, priority__lte=PRIORITY_MAX), name="job_priority_range"
            ),
            models.CheckConstraint(
                condition=models.Q(total=0) | models.Q(processed__lte=models.F("total")),
                name="job_processed_not_above_total",
            ),
            models.CheckConstraint(
                condition=models.Q(finished_at__isnull=True)
                | models.Q(started_at__isnull=True)
                | models.Q(finished_at__gte=models.F("started_at")),
                name="job_finished_after_started",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.type} ({self.status})"

    @property
    def public_id(self) -> str:
        return f"job-{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_JOB_STATUSES


class JobLogLine(models.Model):
    """One line of a job's output log (append-only), with its level."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="log_lines")
    created_at = models.DateTimeField(auto_now_add=True)
    level = models.PositiveSmallIntegerField(choices=LogLevel.choices, default=LogLevel.INFO)
    message = models.TextField()

    class Meta:
        ordering = ["job_id", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(level__in=LogLevel.values), name="joblogline_level_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.job_id}: {self.message[:60]}"


class Backup(models.Model):
    """One database backup file and what a restore checks it against: its SHA-256 and the migrations applied.

    The same facts are written next to the file as `<file>.json`, so a file copied to another machine can still
    be checked by `manage.py restore`. Rows of files in BACKUP_DIR beyond the newest BACKUP_KEEP are removed with
    their files after each backup.
    """

    path = models.CharField(max_length=500, unique=True)
    vendor = models.CharField(max_length=20)
    size_bytes = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    schema_version = models.CharField(max_length=40, help_text="Count and hash of the applied migrations.")
    migrations = models.JSONField(default=list, blank=True, help_text='["app.0001_name", ...] applied at backup.')
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(sha256__regex=r"^[0-9a-f]{64}$"), name="backup_sha256_hex"),
        ]

    def __str__(self) -> str:
        return self.file_name

    @property
    def file_name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


class Feed(models.Model):
    """A supplier feed: where a product file comes from, how its columns map to our import columns, and when it
    runs (docs/operations.md#supplier-feeds). Each run is an `operations.Job` of type `feed_run`.

    The password and an SFTP private key are stored only as Fernet ciphertext (`password_encrypted`,
    `private_key_encrypted`, the channel credentials' key). The
    mapping and cron are checked by `operations.feeds.mapping.mapping_check` and `cron_check` before saving.
    """

    name = models.CharField(max_length=120, unique=True)
    source_type = models.CharField(max_length=10, choices=FeedSourceType.choices)
    url = models.CharField(
        max_length=500, blank=True, help_text="ftp://host:port/dir/, sftp://host/dir/ or https://host/file.csv."
    )
    username = models.CharField(max_length=120, blank=True)
    password_encrypted = models.TextField(blank=True, default="", editable=False)
    private_key_encrypted = models.TextField(
        blank=True, default="", editable=False, help_text="SFTP: an OpenSSH/PEM private key, Fernet ciphertext."
    )
    path_pattern = models.CharField(max_length=200, blank=True, help_text="File name pattern, e.g. products_*.csv.")
    upload = models.FileField(upload_to="feeds/", blank=True, help_text="The file of an `upload` feed.")
    format = models.CharField(max_length=8, choices=FeedFormat.choices, default=FeedFormat.CSV)
    record_path = models.CharField(
        max_length=200, blank=True, help_text="XML: element path of one record (items/item); JSON: dotted key."
    )
    mapping = models.JSONField(default=dict, blank=True)
    on_error = models.CharField(max_length=12, choices=ImportErrorPolicy.choices, default=ImportErrorPolicy.REJECT_ALL)
    schedule = models.CharField(max_length=100, blank=True, help_text="Cron expression, e.g. 0 3 * * *.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(source_type__in=FeedSourceType.values), name="feed_source_type_valid"
            ),
            models.CheckConstraint(condition=models.Q(format__in=FeedFormat.values), name="feed_format_valid"),
            models.CheckConstraint(
                condition=models.Q(on_error__in=ImportErrorPolicy.values), name="feed_on_error_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(source_type=FeedSourceType.UPLOAD) | ~models.Q(url=""),
                name="feed_remote_has_url",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_password(self) -> bool:
        return bool(self.password_encrypted)

    @property
    def has_private_key(self) -> bool:
        return bool(self.private_key_encrypted)


class FeedFile(models.Model):
    """A feed file imported with success, by its SHA-256: the same file again is skipped as unchanged."""

    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    size_bytes = models.PositiveBigIntegerField(default=0)
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    import_batch_id = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["feed", "sha256"], name="feedfile_feed_sha256_unique"),
            models.CheckConstraint(condition=models.Q(sha256__regex=r"^[0-9a-f]{64}$"), name="feedfile_sha256_hex"),
        ]

    def __str__(self) -> str:
        return f"{self.feed_id}: {self.name}"


class Notification(models.Model):
    """One message for one user in the notification centre (docs/operations.md#notifications). `dedupe_key` keeps
    a repeated event (an order ingested twice) from notifying twice; `emailed_at` marks it sent by e-mail."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=NotificationKind.choices, default=NotificationKind.OTHER)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=500, blank=True, help_text="A path inside the app, e.g. /orders/12/.")
    dedupe_key = models.CharField(max_length=120, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=NotificationKind.values), name="notification_kind_valid"
            ),
            models.UniqueConstraint(
                fields=["user", "dedupe_key"], condition=~models.Q(dedupe_key=""), name="notification_dedupe_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"

    def clean(self) -> None:
        if self.link and not self.link.startswith("/"):
            raise ValidationError({"link": "Give a path inside the app, starting with /."})


class NotificationPreference(models.Model):
    """How one user wants one kind of notification: in the app only, or also by e-mail (at once or in a daily
    digest). Without a row: in the app only."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    channel = models.CharField(max_length=10, choices=NotificationChannel.choices, default=NotificationChannel.IN_APP)
    digest = models.CharField(max_length=10, choices=NotificationDigest.choices, default=NotificationDigest.DAILY)

    class Meta:
        ordering = ["user", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_unique"),
            models.CheckConstraint(
                condition=models.Q(kind__in=NotificationKind.values), name="notification_preference_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.kind}: {self.channel}/{self.digest}"
