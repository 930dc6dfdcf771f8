"""A running job's heartbeat is renewed from its own thread while the runner is busy in one long step, and stops
with the job; a job whose beats stopped for JOB_STALE_SECONDS is taken over."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from operations.choices import JobStatus, JobType
from operations.models import Job
from operations.services import jobs as jobs_service
from operations.services import runners
from operations.services.jobs import job_create, job_stale_seconds
from operations.services.runners import job_execute

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def no_worker(monkeypatch):
    monkeypatch.setattr(jobs_service, "enqueue", lambda *args, **kwargs: None)


def test_heartbeat_is_renewed_while_one_step_blocks_and_stops_after(no_worker, monkeypatch, settings):
    settings.JOB_HEARTBEAT_SECONDS = 0.1
    beats = []

    def runner(run):  # one long step that reports nothing: only the heartbeat thread writes
        for _ in range(4):
            time.sleep(0.25)
            beats.append(Job.objects.values_list("heartbeat_at", flat=True).get(pk=run.job.pk))
        return {}

    monkeypatch.setitem(runners.RUNNERS, JobType.MAINTENANCE, runner)
    job = job_execute(job_id=job_create(type=JobType.MAINTENANCE).pk)

    assert job.status == JobStatus.SUCCEEDED
    assert beats == sorted(beats)
    assert len(set(beats)) == len(beats)  # a new beat between every two looks
    Job.objects.filter(pk=job.pk).update(heartbeat_at=None)
    time.sleep(0.3)
    assert Job.objects.get(pk=job.pk).heartbeat_at is None  # the thread ended with the job


def test_stale_window_is_the_setting_capped_by_the_task_timeout(settings):
    settings.JOB_STALE_SECONDS = 60
    assert job_stale_seconds() == 60
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "timeout": 30}
    assert job_stale_seconds() == 30


def test_job_without_beats_for_the_stale_window_is_taken_over(no_worker, monkeypatch, settings):
    settings.JOB_STALE_SECONDS = 60
    monkeypatch.setitem(runners.RUNNERS, JobType.MAINTENANCE, lambda run: {})
    job = job_create(type=JobType.MAINTENANCE)
    old = timezone.now() - timedelta(seconds=61)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, started_at=old, heartbeat_at=old)
    job = job_execute(job_id=job.pk)
    assert (job.status, job.retry_count) == (JobStatus.SUCCEEDED, 1)
