"""Admin job actions go through their service per selected job; a refusal is a warning, the others still go."""

from django.contrib.messages import get_messages
from django.urls import reverse

from operations.choices import JobStatus, JobType
from operations.models import Job
from operations.services.jobs import job_create
from syncing.choices import SyncJobStatus
from syncing.models import SyncJob


def _post_action(client, url: str, action: str, ids: list[int]) -> list[str]:
    response = client.post(url, {"action": action, "_selected_action": ids})
    assert response.status_code == 302
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_sync_job_cancel_action_warns_about_an_ended_job_and_cancels_the_other(admin_client, make_channel):
    channel = make_channel("shopify")
    ended = SyncJob.objects.create(channel=channel, kind="push", total=1, status=SyncJobStatus.SUCCEEDED)
    queued = SyncJob.objects.create(channel=channel, kind="push", total=1, status=SyncJobStatus.QUEUED)
    notes = _post_action(
        admin_client, reverse("admin:syncing_syncjob_changelist"), "cancel_jobs", [ended.pk, queued.pk]
    )
    assert notes == [f"Job #{ended.pk} has already ended (succeeded)."]
    assert SyncJob.objects.get(pk=queued.pk).status == SyncJobStatus.CANCELLED


def test_operations_job_stop_action_warns_about_an_ended_job_and_stops_the_other(admin_client):
    ended = job_create(type=JobType.MAINTENANCE, parameters={"vacuum": True})
    Job.objects.filter(pk=ended.pk).update(status=JobStatus.SUCCEEDED)
    queued = job_create(type=JobType.MAINTENANCE, parameters={"vacuum": True})
    notes = _post_action(admin_client, reverse("admin:operations_job_changelist"), "stop_jobs", [ended.pk, queued.pk])
    assert notes == [f"Job {ended.public_id} has already ended (succeeded)."]
    assert Job.objects.get(pk=queued.pk).status == JobStatus.CANCELLED
