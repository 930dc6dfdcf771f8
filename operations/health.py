"""The checks behind GET /healthz: database, broker and worker heartbeat (the view is operations.views.healthz)."""

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.status import Stat

from accounts.models import WorkerHeartbeat

logger = logging.getLogger(__name__)


def check_database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True, "vendor": connection.vendor}


def check_broker() -> dict[str, Any]:
    """The django-q2 queue is reachable (ORM table or Redis) and how many tasks wait in it."""
    broker = get_broker()
    if "orm" in settings.Q_CLUSTER:
        return {"ok": True, "kind": "orm", "queued": broker.queue_size()}
    broker.ping()
    return {"ok": True, "kind": "redis", "queued": broker.queue_size()}


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


CHECKS = {"database": check_database, "broker": check_broker, "worker": check_worker}
