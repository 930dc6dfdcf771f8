"""The one job shape, read from every table that records long tasks (docs/operations.md#jobs).

Three tables record jobs: `operations.Job` (maintenance, backups, restore checks, later feed runs),
`syncing.SyncJob` (push, pull, reprice...) and `catalog.ImportBatch` (spreadsheet imports). Nothing is copied:
one read-side adapter per table maps its rows to `JobRecord`, and `JobList` merges the three, newest first. Ids
are the table's prefix and the row's pk, `job-5`, `sync-12`, `import-3`, so they never collide.

Status mapping: SyncJob `completed_with_errors` is `completed_with_warnings`; ImportBatch `uploaded` is
queued, `validating`/`committing`/`undoing` running, `validated`/`committed`/`undone` succeeded (with warnings
when rows failed), `refused`/`failed` failed, and a batch stopped on request (`committed` or `failed` with a
"Stopped at row …" message, catalog/importing/stopping.py) cancelled.
"""

import heapq
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse

from accounts.roles import can_edit, channel_scoped, is_admin
from catalog.importing.stopping import batch_stopped
from catalog.models import ImportBatch, ImportBatchStatus
from operations.choices import ACTIVE_JOB_STATUSES, JobStatus, LogLevel
from operations.models import Job
from syncing.choices import SYNC_JOB_PRIORITY, SyncJobKind, SyncJobStatus
from syncing.models import SyncJob

PUBLIC_ID = re.compile(r"^(?P<prefix>[a-z]+)-(?P<pk>\d{1,18})$")


@dataclass
class JobRecord:
    """A job of any table in the one shape the Jobs page and /api/v1/jobs/ show."""

    id: str
    source: str
    pk: int
    type: str
    type_label: str
    status: str
    stage: str
    processed: int
    total: int
    read_count: int
    write_count: int
    skip_count: int
    warning_count: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime | None
    user: str
    priority: int = 0
    retry_count: int = 0
    error: str = ""
    result: dict[str, Any] = field(default_factory=dict)
    parameters: dict[str, Any] = field(default_factory=dict)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    source_url: str = ""
    can_stop: bool = False

    @property
    def status_label(self) -> str:
        return JobStatus(self.status).label

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_JOB_STATUSES

    @property
    def percent(self) -> int:
        if not self.total:
            return 0 if self.is_active else 100
        return min(100, int(self.processed * 100 / self.total))


@dataclass
class LogLine:
    created_at: datetime | None
    level: int
    message: str

    @property
    def level_name(self) -> str:
        return LogLevel(self.level).label if self.level in LogLevel.values else str(self.level)


class JobSource:
    """One table's adapter: its rows for a user and filters, and each row as a JobRecord."""

    prefix = ""
    types: tuple[tuple[str, str], ...] = ()
    status_map: dict[str, Q] = {}

    def queryset(self, user: Any) -> QuerySet[Any]:
        raise NotImplementedError

    def record(self, obj: Any, user: Any) -> JobRecord:
        raise NotImplementedError

    def log(self, obj: Any) -> list[LogLine]:
        raise NotImplementedError

    def type_filter(self, value: str) -> Q | None:
        """Q for a `type` filter value, or None when no job of this source has that type."""
        raise NotImplementedError

    def filtered(self, user: Any, filters: Mapping[str, Any]) -> QuerySet[Any]:
        queryset = self.queryset(user)
        if filters.get("type"):
            condition = self.type_filter(filters["type"])
            if condition is None:
                return queryset.none()
            queryset = queryset.filter(condition)
        statuses = filters.get("status") or []
        if filters.get("active"):
            statuses = [s for s in (statuses or ACTIVE_JOB_STATUSES) if s in ACTIVE_JOB_STATUSES]
            if not statuses:
                return queryset.none()
        if statuses:
            condition = Q(pk__in=[])
            for status in statuses:
                condition |= self.status_map.get(status, Q(pk__in=[]))
            queryset = queryset.filter(condition)
        if filters.get("created_after"):
            queryset = queryset.filter(created_at__gte=filters["created_after"])
        if filters.get("created_before"):
            queryset = queryset.filter(created_at__lt=filters["created_before"])
        return queryset.order_by("-created_at", "-pk")


def _lines(text: str, level: int = LogLevel.INFO) -> list[LogLine]:
    return [LogLine(None, level, line) for line in text.splitlines() if line.strip()]


def _feed_url(job: Job) -> str:
    """A feed run links to its feed's page (with the run history)."""
    feed_id = job.parameters.get("feed") if job.type == "feed_run" else None
    return reverse("operations:feed_edit", args=[feed_id]) if isinstance(feed_id, int) else ""


class OperationsJobSource(JobSource):
    prefix = "job"

    def __init__(self) -> None:
        from operations.choices import JobType

        self.types = tuple(JobType.choices)
        self.status_map = {s: Q(status=s) for s in JobStatus.values}

    def queryset(self, user: Any) -> QuerySet[Any]:
        return Job.objects.select_related("created_by")

    def type_filter(self, value: str) -> Q | None:
        return Q(type=value) if value in dict(self.types) else None

    def record(self, obj: Job, user: Any) -> JobRecord:
        return JobRecord(
            id=obj.public_id,
            source=self.prefix,
            pk=obj.pk,
            type=obj.type,
            type_label=obj.get_type_display(),
            status=obj.status,
            stage=obj.stage,
            processed=obj.processed,
            total=obj.total,
            read_count=obj.read_count,
            write_count=obj.write_count,
            skip_count=obj.skip_count,
            warning_count=obj.warning_count,
            created_at=obj.created_at,
            started_at=obj.started_at,
            finished_at=obj.finished_at,
            heartbeat_at=obj.heartbeat_at,
            user=obj.created_by.get_username() if obj.created_by else "",
            priority=obj.priority,
            retry_count=obj.retry_count,
            error=obj.error,
            result=obj.result,
            parameters=obj.parameters,
            warnings=obj.warnings,
            source_url=_feed_url(obj),
            can_stop=obj.is_active and is_admin(user),
        )

    def log(self, obj: Job) -> list[LogLine]:
        return [LogLine(line.created_at, line.level, line.message) for line in obj.log_lines.order_by("id")]


SYNC_STATUS = {
    JobStatus.QUEUED: SyncJobStatus.QUEUED,
    JobStatus.RUNNING: SyncJobStatus.RUNNING,
    JobStatus.SUCCEEDED: SyncJobStatus.SUCCEEDED,
    JobStatus.COMPLETED_WITH_WARNINGS: SyncJobStatus.COMPLETED_WITH_ERRORS,
    JobStatus.FAILED: SyncJobStatus.FAILED,
    JobStatus.CANCELLED: SyncJobStatus.CANCELLED,
}
SYNC_STATUS_BACK = {v: k for k, v in SYNC_STATUS.items()}


class SyncJobSource(JobSource):
    prefix = "sync"
    types = tuple((f"sync.{value}", f"Sync: {label}") for value, label in SyncJobKind.choices)
    status_map: dict[str, Q] = {status: Q(status=sync_status) for status, sync_status in SYNC_STATUS.items()}

    def queryset(self, user: Any) -> QuerySet[Any]:
        return channel_scoped(SyncJob.objects.select_related("channel", "created_by").defer("listing_ids"), user)

    def type_filter(self, value: str) -> Q | None:
        if value == "sync":
            return Q()
        kind = value.removeprefix("sync.")
        return Q(kind=kind) if value.startswith("sync.") and kind in SyncJobKind.values else None

    def record(self, obj: SyncJob, user: Any) -> JobRecord:
        return JobRecord(
            id=f"sync-{obj.pk}",
            source=self.prefix,
            pk=obj.pk,
            type=f"sync.{obj.kind}",
            type_label=f"Sync: {obj.get_kind_display()} on {obj.channel.name}",
            status=SYNC_STATUS_BACK[SyncJobStatus(obj.status)],
            stage=obj.get_kind_display(),
            processed=obj.processed,
            total=obj.total,
            read_count=obj.processed,
            write_count=obj.succeeded,
            skip_count=obj.skipped,
            warning_count=obj.failed,
            created_at=obj.created_at,
            started_at=obj.started_at,
            finished_at=obj.finished_at,
            heartbeat_at=obj.heartbeat_at,
            user=obj.created_by.get_username() if obj.created_by else "",
            priority=SYNC_JOB_PRIORITY.get(obj.kind, 0),
            error=obj.message if obj.status == SyncJobStatus.FAILED else "",
            parameters={"channel": obj.channel_id, "kind": obj.kind},
            source_url=reverse("syncing:job_detail", args=[obj.pk]),
            can_stop=obj.is_active and can_edit(user, "sync"),
        )

    def log(self, obj: SyncJob) -> list[LogLine]:
        return _lines(obj.message)


_IMPORT_DONE = [ImportBatchStatus.VALIDATED, ImportBatchStatus.COMMITTED, ImportBatchStatus.UNDONE]
# stopping.batch_stopped as a filter: stopped on request, whatever it wrote
_IMPORT_STOPPED = Q(stopped_at_row__isnull=False)
IMPORT_STATUS_MAP: dict[str, Q] = {
    JobStatus.QUEUED: Q(status=ImportBatchStatus.UPLOADED),
    JobStatus.RUNNING: Q(
        status__in=[ImportBatchStatus.VALIDATING, ImportBatchStatus.COMMITTING, ImportBatchStatus.UNDOING]
    ),
    JobStatus.SUCCEEDED: Q(status__in=_IMPORT_DONE, error_count=0) & ~_IMPORT_STOPPED,
    JobStatus.COMPLETED_WITH_WARNINGS: Q(status__in=_IMPORT_DONE, error_count__gt=0) & ~_IMPORT_STOPPED,
    JobStatus.FAILED: Q(status__in=[ImportBatchStatus.REFUSED, ImportBatchStatus.FAILED]) & ~_IMPORT_STOPPED,
    JobStatus.CANCELLED: _IMPORT_STOPPED,
}


def import_status(batch: ImportBatch) -> str:
    """The one-shape status of an import batch (the same mapping as IMPORT_STATUS_MAP)."""
    if batch_stopped(batch):
        return JobStatus.CANCELLED
    if batch.status == ImportBatchStatus.UPLOADED:
        return JobStatus.QUEUED
    if batch.is_running:
        return JobStatus.RUNNING
    if batch.status in _IMPORT_DONE:
        return JobStatus.COMPLETED_WITH_WARNINGS if batch.error_count else JobStatus.SUCCEEDED
    return JobStatus.FAILED


class ImportBatchSource(JobSource):
    prefix = "import"
    types = (("import", "Spreadsheet import"),)
    status_map = IMPORT_STATUS_MAP

    def queryset(self, user: Any) -> QuerySet[Any]:
        heavy = ["headers", "sample_diffs", "created_product_ids", "created_variant_ids", "unknown_columns"]
        return ImportBatch.objects.select_related("created_by").defer(*heavy)

    def type_filter(self, value: str) -> Q | None:
        return Q() if value == "import" else None

    def record(self, obj: ImportBatch, user: Any) -> JobRecord:
        status = import_status(obj)
        warnings = [
            {"message": "; ".join(map(str, e.get("errors", []))) or str(e), "item": e} for e in obj.first_errors
        ]
        return JobRecord(
            id=f"import-{obj.pk}",
            source=self.prefix,
            pk=obj.pk,
            type="import",
            type_label=f"Import of {obj.original_filename}",
            status=status,
            stage=obj.get_status_display(),
            processed=obj.progress_done,
            total=obj.progress_total,
            read_count=obj.processed_rows,
            write_count=obj.created_count + obj.updated_count,
            skip_count=obj.unchanged_count,
            warning_count=obj.error_count,
            created_at=obj.created_at,
            started_at=obj.started_at,
            finished_at=obj.finished_at,
            heartbeat_at=None,
            user=obj.created_by.get_username() if obj.created_by else "",
            error=obj.message if status == JobStatus.FAILED else "",
            parameters={"file": obj.original_filename, "on_error": obj.on_error},
            warnings=warnings,
            source_url=reverse("imports:batch_detail", args=[obj.pk]),
            # a dry run or commit stops at its next chunk boundary; an undo is not stopped half-way
            can_stop=obj.is_running and obj.status != ImportBatchStatus.UNDOING and can_edit(user, "imports"),
        )

    def log(self, obj: ImportBatch) -> list[LogLine]:
        return _lines(obj.message)


class OrderPullSource(JobSource):
    """Order pulls (orders.OrderPull, docs/orders.md#pulling): `orders-<pk>`."""

    prefix = "orders"
    types = (("orders.pull", "Order pull"),)

    status_map: dict[str, Q] = {
        JobStatus.QUEUED: Q(status="queued"),
        JobStatus.RUNNING: Q(status="running"),
        JobStatus.SUCCEEDED: Q(status="succeeded"),
        JobStatus.COMPLETED_WITH_WARNINGS: Q(status="completed_with_errors"),
        JobStatus.FAILED: Q(status="failed"),
    }

    def queryset(self, user: Any) -> QuerySet[Any]:
        from orders.models import OrderPull

        return channel_scoped(OrderPull.objects.select_related("channel", "created_by"), user)

    def type_filter(self, value: str) -> Q | None:
        return Q() if value == "orders.pull" else None

    def record(self, obj: Any, user: Any) -> JobRecord:
        status = JobStatus.COMPLETED_WITH_WARNINGS if obj.status == "completed_with_errors" else obj.status
        return JobRecord(
            id=f"orders-{obj.pk}",
            source=self.prefix,
            pk=obj.pk,
            type="orders.pull",
            type_label=f"Order pull on {obj.channel.name} ({obj.get_trigger_display()})",
            status=status,
            stage=obj.get_status_display(),
            processed=obj.read,
            total=obj.read,
            read_count=obj.read,
            write_count=obj.created + obj.updated,
            skip_count=obj.unchanged,
            warning_count=obj.failed,
            created_at=obj.created_at,
            started_at=obj.started_at,
            finished_at=obj.finished_at,
            heartbeat_at=obj.heartbeat_at,
            user=obj.created_by.get_username() if obj.created_by else "",
            error=obj.message if obj.status == "failed" else "",
            result={"pages": obj.pages, "created": obj.created, "updated": obj.updated, "unchanged": obj.unchanged},
            parameters={
                "channel": obj.channel_id,
                "trigger": obj.trigger,
                "since": obj.since.isoformat() if obj.since else "",
            },
            warnings=[{"message": f"Order {e.get('order')}: {e.get('error')}", "item": e} for e in obj.errors],
            source_url=reverse("orders:order_list") + f"?channel={obj.channel_id}",
            can_stop=False,
        )

    def log(self, obj: Any) -> list[LogLine]:
        return _lines(obj.message)


SOURCES: dict[str, JobSource] = {
    s.prefix: s for s in (OperationsJobSource(), SyncJobSource(), ImportBatchSource(), OrderPullSource())
}


def job_type_choices() -> list[tuple[str, str]]:
    return [("sync", "Sync: any"), *[choice for source in SOURCES.values() for choice in source.types]]


class JobList:
    """Every source's jobs for a user and filters, merged newest first; sliceable and countable like a QuerySet,
    so Django's Paginator and DRF's pagination page it. A page at offset N reads at most N + page rows per table."""

    def __init__(self, *, user: Any, filters: Mapping[str, Any] | None = None) -> None:
        filters = filters or {}
        self.user = user
        wanted = filters.get("source")
        self.querysets = {
            prefix: source.filtered(user, filters)
            for prefix, source in SOURCES.items()
            if not wanted or prefix == wanted
        }

    def count(self) -> int:
        return sum(qs.count() for qs in self.querysets.values())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[JobRecord]:
        if not isinstance(index, slice):
            raise TypeError("JobList supports slices only")
        start, stop = index.start or 0, index.stop
        if stop is None:
            raise TypeError("JobList needs a bounded slice")
        streams = [self._records(SOURCES[prefix], qs[:stop]) for prefix, qs in self.querysets.items()]
        merged = heapq.merge(*streams, key=lambda r: (r.created_at, r.pk), reverse=True)
        return list(merged)[start:stop]

    def _records(self, source: JobSource, rows: Any) -> Iterator[JobRecord]:
        return (source.record(obj, self.user) for obj in rows)


def job_get(public_id: str, *, user: Any) -> tuple[JobRecord, list[LogLine]] | None:
    """One job by its public id with its log, or None when unknown or not visible to `user`."""
    match = PUBLIC_ID.match(public_id)
    if not match or match["prefix"] not in SOURCES:
        return None
    source = SOURCES[match["prefix"]]
    obj = source.queryset(user).filter(pk=int(match["pk"])).first()
    if obj is None:
        return None
    return source.record(obj, user), source.log(obj)


def job_object(public_id: str, *, user: Any) -> Any:
    """The row behind a public id (Job, SyncJob or ImportBatch) visible to `user`, or None."""
    match = PUBLIC_ID.match(public_id)
    if not match or match["prefix"] not in SOURCES:
        return None
    return SOURCES[match["prefix"]].queryset(user).filter(pk=int(match["pk"])).first()
