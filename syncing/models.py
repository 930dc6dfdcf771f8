"""Sync history (jobs and one event per attempt) and the shared state the sync workers coordinate through."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .choices import RETRYABLE_OUTCOMES, SyncErrorKind, SyncJobKind, SyncJobStatus, SyncOperation, SyncOutcome

# A running job with no progress for this long says so on its page (a worker may have died under it).
STALLED_AFTER_SECONDS = 60


class SyncJob(models.Model):
    """One run of the sync engine on one channel: a publish of N listings, a pull, a reprice.

    The counters move with atomic `F()` updates from every worker; `processed` is the number of listings that
    reached a final outcome (succeeded + failed + skipped), so a listing waiting for a backoff retry is not
    processed yet. This table, not django-q2's pruned task table, is the record of what ran.
    """

    kind = models.CharField(max_length=16, choices=SyncJobKind.choices)
    channel = models.ForeignKey("channels.Channel", on_delete=models.PROTECT, related_name="sync_jobs")
    status = models.CharField(max_length=24, choices=SyncJobStatus.choices, default=SyncJobStatus.QUEUED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    succeeded = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    listing_ids = models.JSONField(default=list, blank=True, editable=False, help_text="The listings the job covers.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="Last time a worker reported progress.")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["channel", "-created_at"], name="syncjob_channel_created_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(processed__lte=models.F("total")), name="syncjob_processed_not_above_total"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} on {self.channel_id}"

    @property
    def progress_percent(self) -> int:
        if not self.total:
            return 100 if self.status not in (SyncJobStatus.QUEUED, SyncJobStatus.RUNNING) else 0
        return min(100, int(self.processed * 100 / self.total))

    @property
    def is_active(self) -> bool:
        return self.status in (SyncJobStatus.QUEUED, SyncJobStatus.RUNNING)

    @property
    def interruption_notes(self) -> list[str]:
        """What the job page adds to the progress: a worker died under it (and when the work resumed), or a
        running job has made no progress for a while (its worker may be gone; the work comes back by itself)."""
        notes = [line for line in self.message.splitlines() if line.startswith("Interrupted:")]
        if self.status == SyncJobStatus.RUNNING and self.heartbeat_at is not None:
            idle = timezone.now() - self.heartbeat_at
            if idle.total_seconds() > STALLED_AFTER_SECONDS:
                at = timezone.localtime(self.heartbeat_at)
                notes.append(f"no progress since {at:%H:%M:%S} {at.tzname()}: waiting for a worker")
        return notes


class SyncEvent(models.Model):
    """One attempt at one operation on one listing (or one pull page), append-only.

    A row is written *before* the marketplace is called (`in_progress`) and finished once with the outcome.
    A row left `in_progress` whose worker died is marked `interrupted` by the next delivery: counting those is
    how the engine counts deliveries itself (django-q2's attempt_count ignores worker crashes).
    """

    job = models.ForeignKey(SyncJob, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    channel = models.ForeignKey("channels.Channel", on_delete=models.PROTECT, related_name="sync_events")
    listing = models.ForeignKey(
        "listings.Listing", null=True, blank=True, on_delete=models.SET_NULL, related_name="sync_events"
    )
    operation = models.CharField(max_length=16, choices=SyncOperation.choices)
    outcome = models.CharField(max_length=16, choices=SyncOutcome.choices, default=SyncOutcome.IN_PROGRESS)
    attempt = models.PositiveIntegerField(default=1)
    payload_hash = models.CharField(max_length=64, blank=True)
    http_status = models.PositiveIntegerField(null=True, blank=True)
    error_kind = models.CharField(max_length=16, choices=SyncErrorKind.choices, blank=True)
    error_code = models.CharField(max_length=64, blank=True, help_text="The marketplace's own error code.")
    message = models.TextField(blank=True)
    request_id = models.CharField(max_length=128, blank=True)
    external_id = models.CharField(max_length=128, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    next_retry_at = models.DateTimeField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    is_final = models.BooleanField(default=False, help_text="The listing's final outcome in its job.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["listing", "-created_at"], name="syncevent_listing_created_idx"),
            models.Index(fields=["job", "listing"], name="syncevent_job_listing_idx"),
            models.Index(fields=["channel", "outcome"], name="syncevent_channel_outcome_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.operation} {self.outcome} (attempt {self.attempt})"

    @property
    def is_retryable(self) -> bool:
        """A failed attempt on a listing that still exists: sync_event_retry accepts it."""
        return self.listing_id is not None and self.outcome in RETRYABLE_OUTCOMES


class PushLease(models.Model):
    """A short exclusive claim on one listing while a worker pushes it: one push per listing at a time.

    Claimed with an insert (unique listing) or a conditional update of an expired lease, both atomic on SQLite
    and PostgreSQL, and held *without* an open transaction, so the HTTP call never runs under a database lock.
    A worker that dies leaves the lease to expire after `SYNC_LEASE_SECONDS`.
    """

    listing = models.OneToOneField("listings.Listing", on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=32)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"lease on listing {self.listing_id} until {self.expires_at:%H:%M:%S}"


class RateBucket(models.Model):
    """One token bucket (GCRA form) shared by every worker: the request budget of one channel and operation.

    `tat` is the theoretical arrival time (epoch seconds) of the next request at the steady rate; a request may
    go at `tat - burst / rate`. Workers update the row inside one locked transaction (`SELECT ... FOR UPDATE`;
    on SQLite the IMMEDIATE transaction mode serialises writers), so two processes never spend the same token.
    """

    key = models.CharField(max_length=120, unique=True)
    tat = models.FloatField(default=0.0)
    scale = models.FloatField(
        default=1.0, help_text="Share of the configured rate in use: halved on a throttle, regrown 1 % per request."
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.key


class DailyEventSummary(models.Model):
    """Daily counts that replace sync events older than the retention period (`manage.py sync_retention`)."""

    day = models.DateField()
    channel = models.ForeignKey("channels.Channel", on_delete=models.CASCADE, related_name="+")
    operation = models.CharField(max_length=16, choices=SyncOperation.choices)
    outcome = models.CharField(max_length=16, choices=SyncOutcome.choices)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "daily event summaries"
        ordering = ["-day", "channel_id", "operation", "outcome"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "channel", "operation", "outcome"], name="dailyeventsummary_unique_bucket"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.operation}/{self.outcome}: {self.count}"
