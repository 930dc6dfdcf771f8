from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import OrmQ
from django_q.tasks import async_task

from accounts.models import WorkerHeartbeat
from accounts.tasks import worker_heartbeat_task

pytestmark = pytest.mark.django_db


def test_healthz_is_503_when_no_worker_ever_beat(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"] == {"ok": True, "kind": "orm", "queued": 0, "oldest_age_seconds": None}
    assert body["checks"]["worker"]["ok"] is False
    assert body["checks"]["worker"]["error"] == "no worker heartbeat"


def test_healthz_is_200_after_a_worker_heartbeat(client):
    worker_heartbeat_task()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_is_503_when_the_heartbeat_is_stale(client, settings):
    settings.HEALTH_WORKER_MAX_AGE = 120
    WorkerHeartbeat.objects.create(name="qcluster", beat_at=timezone.now() - timedelta(seconds=121))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert "last worker heartbeat 121 s ago (limit 120 s)" in response.json()["checks"]["worker"]["error"]


def test_healthz_reports_queued_tasks(client):
    worker_heartbeat_task()
    async_task("math.floor", 1.5)
    assert OrmQ.objects.count() == 1
    assert client.get("/healthz").json()["checks"]["broker"]["queued"] == 1


def test_healthz_fails_cleanly_when_the_database_check_raises(client, monkeypatch):
    from operations import health

    def broken():
        raise ConnectionError("db down")

    monkeypatch.setitem(health.CHECKS, "database", broken)
    worker_heartbeat_task()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == {"ok": False, "error": "ConnectionError"}


def test_healthz_needs_no_login_and_refuses_post(client):
    assert client.post("/healthz").status_code == 405


def test_healthz_fails_when_the_oldest_queued_task_waits_too_long(client, settings):
    settings.HEALTH_QUEUE_MAX_AGE = 60
    worker_heartbeat_task()
    async_task("math.floor", 1.5)
    OrmQ.objects.update(lock=timezone.now() - timedelta(seconds=90))
    body = client.get("/healthz").json()
    assert body["status"] == "fail"
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["broker"]["error"].startswith("the oldest queued task has waited 9")
    assert body["checks"]["broker"]["error"].endswith("s (limit 60 s)")


def test_a_delayed_retry_is_not_a_backlog(client, settings):
    settings.HEALTH_QUEUE_MAX_AGE = 60
    worker_heartbeat_task()
    async_task("math.floor", 1.5)
    OrmQ.objects.update(lock=timezone.now() + timedelta(seconds=600))
    body = client.get("/healthz").json()
    assert body["checks"]["broker"]["oldest_age_seconds"] is None
    assert body["status"] == "ok"


def test_healthz_reports_cache_disk_and_recent_successes(client, settings, make_channel):
    from operations.models import Backup
    from syncing.models import SyncJob

    worker_heartbeat_task()
    finished = timezone.now() - timedelta(hours=1)
    SyncJob.objects.create(kind="pull", channel=make_channel("shopify"), status="succeeded", finished_at=finished)
    Backup.objects.create(path="/tmp/x.sqlite3", vendor="sqlite", sha256="a" * 64, schema_version="1-x")
    from operations.models import Job

    feed_done = timezone.now() - timedelta(minutes=5)
    Job.objects.create(type="feed_run", status="failed", started_at=feed_done, finished_at=feed_done)
    Job.objects.create(type="feed_run", status="succeeded", started_at=finished, finished_at=finished)
    body = client.get("/healthz").json()
    assert body["checks"]["cache"] == {"ok": True, "backend": "LocMemCache"}
    assert body["checks"]["disk"]["ok"] is True
    assert body["checks"]["disk"]["media_free_mb"] > 0
    recent = body["checks"]["recent"]
    assert recent["last_sync_succeeded_at"] == finished.isoformat()
    assert recent["backup_overdue"] is False
    assert recent["last_backup_at"] is not None
    assert recent["last_feed_run_succeeded_at"] == finished.isoformat()  # the later failed run does not count


def test_low_disk_fails_the_probe(client, settings):
    settings.HEALTH_DISK_MIN_FREE_MB = 10**12
    worker_heartbeat_task()
    body = client.get("/healthz").json()
    assert (body["status"], body["checks"]["disk"]["ok"]) == ("fail", False)
    assert "MB free (limit 1000000000000 MB)" in body["checks"]["disk"]["error"]


def test_no_backup_yet_is_overdue_but_does_not_fail_the_probe(client, settings):
    settings.BACKUP_INTERVAL_MINUTES = 60
    worker_heartbeat_task()
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["checks"]["recent"]["backup_overdue"] is True


def test_health_page_is_for_admins(staff_client, viewer_client):
    worker_heartbeat_task()
    body = staff_client.get("/operations/health/").content.decode()
    assert "oldest_age_seconds" in body
    assert "last_backup_at" in body
    assert viewer_client.get("/operations/health/").status_code == 403
