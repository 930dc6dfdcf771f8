"""The checks behind GET /healthz (the view is operations.views.healthz) and the operations health page:
database, broker and queue backlog age, worker heartbeat, cache, disk space, and, for information only (they never
fail the probe), the last successful sync and backup. docs/operations.md#health
"""

import logging
import shutil
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Min
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.models import OrmQ
from django_q.status import Stat

from accounts.models import WorkerHeartbeat
from operations.choices import JobStatus, JobType
from operations.models import Backup, Job
from syncing.choices import SyncJobStatus
from syncing.models import SyncJob

logger = logging.getLogger(__name__)


def check_database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True, "vendor": connection.vendor}


def check_broker() -> dict[str, Any]:
    """The django-q2 queue is reachable (ORM table or Redis), how many tasks wait in it and, with the ORM broker,
    how long the oldest task that a worker could take has waited (fails above HEALTH_QUEUE_MAX_AGE seconds)."""
    broker = get_broker()
    if "orm" not in settings.Q_CLUSTER:
        broker.ping()
        return {"ok": True, "kind": "redis", "queued": broker.queue_size()}
    now = timezone.now()
    # A row's lock is when it became available (delayed retries are locked into the future).
    oldest = OrmQ.objects.filter(lock__lte=now).aggregate(oldest=Min("lock"))["oldest"]
    age = round((now - oldest).total_seconds(), 1) if oldest else None
    result: dict[str, Any] = {"ok": True, "kind": "orm", "queued": broker.queue_size(), "oldest_age_seconds": age}
    if age is not None and age > settings.HEALTH_QUEUE_MAX_AGE:
        result["ok"] = False
        result["error"] = f"the oldest queued task has waited {int(age)} s (limit {settings.HEALTH_QUEUE_MAX_AGE} s)"
    return result


def check_worker() -> dict[str, Any]:
    """A worker is alive when its heartbeat task ran recently or a cluster publishes its stats."""
    max_age = timedelta(seconds=settings.HEALTH_WORKER_MAX_AGE)
    beat = WorkerHeartbeat.objects.order_by("-beat_at").first()
    age = (timezone.now() - beat.beat_at).total_seconds() if beat else None
    clusters = _cluster_count()
    ok = (beat is not None and timezone.now() - beat.beat_at <= max_age) or clusters > 0
    result: dict[str, Any] = {"ok": ok, "clusters": clusters, "heartbeat_age_seconds": round(age, 1) if age else age}
    if not ok:
        result["error"] = (
            "no worker heartbeat"
            if beat is None
            else f"last worker heartbeat {int(age or 0)} s ago (limit {settings.HEALTH_WORKER_MAX_AGE} s)"
        )
    return result


def _cluster_count() -> int:
    try:
        return len([s for s in Stat.get_all() if s.status != "Stopped"])
    except Exception:  # stats live in the cache; a cache outage is not a worker outage
        logger.warning("healthz: could not read django-q2 cluster stats", exc_info=True)
        return 0


def check_cache() -> dict[str, Any]:
    """A value written to the cache can be read back (Redis when REDIS_URL is set, else this process's memory)."""
    key, value = f"healthz:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, value, 10)
    ok = cache.get(key) == value
    cache.delete(key)
    return {"ok": ok, "backend": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]} | (
        {} if ok else {"error": "the cache did not return the value just written"}
    )


def check_disk() -> dict[str, Any]:
    """Free space where media and backups are written; fails below HEALTH_DISK_MIN_FREE_MB."""
    result: dict[str, Any] = {"ok": True}
    for name, folder in (("media", settings.MEDIA_ROOT), ("backups", settings.BACKUP_DIR)):
        path = Path(folder)
        while not path.exists() and path != path.parent:
            path = path.parent
        free_mb = shutil.disk_usage(path).free // (1024 * 1024)
        result[f"{name}_free_mb"] = free_mb
        if free_mb < settings.HEALTH_DISK_MIN_FREE_MB:
            result["ok"] = False
            result["error"] = f"{name}: {free_mb} MB free (limit {settings.HEALTH_DISK_MIN_FREE_MB} MB)"
    return result


def check_recent() -> dict[str, Any]:
    """When a sync job, a supplier feed run and a backup last succeeded (information; never fails the probe)."""
    last_sync = (
        SyncJob.objects.filter(status=SyncJobStatus.SUCCEEDED, finished_at__isnull=False)
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )
    last_feed = (
        Job.objects.filter(
            type=JobType.FEED_RUN,
            status__in=[JobStatus.SUCCEEDED, JobStatus.COMPLETED_WITH_WARNINGS],
            finished_at__isnull=False,
        )
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )
    last_backup = Backup.objects.order_by("-created_at").values_list("created_at", flat=True).first()
    interval = settings.BACKUP_INTERVAL_MINUTES
    overdue = bool(interval) and (last_backup is None or timezone.now() - last_backup > timedelta(minutes=2 * interval))
    return {
        "ok": True,
        "last_sync_succeeded_at": last_sync.isoformat() if last_sync else None,
        "last_feed_run_succeeded_at": last_feed.isoformat() if last_feed else None,
        "last_backup_at": last_backup.isoformat() if last_backup else None,
        "backup_overdue": overdue,
    }


CHECKS = {
    "database": check_database,
    "broker": check_broker,
    "worker": check_worker,
    "cache": check_cache,
    "disk": check_disk,
    "recent": check_recent,
}


def health_report() -> tuple[bool, dict[str, dict[str, Any]]]:
    """Run every check; a check that raises is a failed check with the exception's type, never a 500."""
    results: dict[str, dict[str, Any]] = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as exc:  # any failure of a dependency is a failed check, not a 500
            logger.warning("healthz: %s check failed: %s", name, type(exc).__name__)
            results[name] = {"ok": False, "error": type(exc).__name__}
    return all(r["ok"] for r in results.values()), results
