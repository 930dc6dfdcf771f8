"""Operational records: the system log (and, in the other modules of this app, jobs and backups)."""

from django.conf import settings
from django.db import models

from .choices import LogLevel


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
