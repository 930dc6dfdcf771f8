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
    assert body["checks"]["broker"] == {"ok": True, "kind": "orm", "queued": 0}
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
