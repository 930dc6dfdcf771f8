"""Restarting workers, the parts that run in one process: a job says a worker died under it, push leases renew.

The multi-process scenarios (SIGKILL and SIGTERM of a real cluster) are in test_reliability.py.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from syncing.choices import SyncJobStatus
from syncing.models import PushLease, SyncEvent, SyncJob
from syncing.services import listings_publish
from syncing.services.events import job_message_interrupted
from syncing.services.leases import lease_seconds, listing_lease_claim, listing_lease_release, listing_leases_renew
from syncing.views import job_progress

from .conftest import run_queue


def test_a_job_whose_worker_died_says_interrupted_and_when_it_resumed(fake_market, shop, make_listings):
    # given a delivery that died mid-push (its event still open)
    (listing,) = make_listings(1)
    job = listings_publish(channel=shop, listing_ids=[listing.pk])
    SyncEvent.objects.create(job=job, listing=listing, channel=shop, operation="create", attempt=1)
    # when the work is delivered again
    run_queue()
    # then the job's message and its progress line say so
    job.refresh_from_db()
    assert job.status == SyncJobStatus.SUCCEEDED
    assert job.message.startswith("Interrupted: a worker stopped mid-push; resumed at ")
    assert "Interrupted:" in job_progress(job)["label"]


def test_the_interruption_note_keeps_the_jobs_message_and_only_the_latest_resume():
    first = job_message_interrupted("Started by the API.", timezone.now() - timedelta(minutes=5))
    second = job_message_interrupted(first, timezone.now())
    lines = second.splitlines()
    assert lines[0] == "Started by the API."
    assert len(lines) == 2
    assert lines[1].startswith("Interrupted:")
    assert second != first


def test_a_running_job_without_progress_says_it_waits_for_a_worker(shop):
    job = SyncJob.objects.create(
        channel=shop, kind="push", total=3, status=SyncJobStatus.RUNNING, heartbeat_at=timezone.now()
    )
    assert job.interruption_notes == []
    job.heartbeat_at = timezone.now() - timedelta(minutes=3)
    assert job.interruption_notes[0].startswith("no progress since ")
    job.status = SyncJobStatus.SUCCEEDED
    assert job.interruption_notes == []


@pytest.mark.django_db(transaction=True)
def test_held_leases_are_renewed_and_released_ones_are_not(make_listings):
    (listing, other) = make_listings(2)
    token = listing_lease_claim(listing_id=listing.pk)
    assert token is not None
    soon = timezone.now() + timedelta(seconds=1)
    PushLease.objects.filter(listing_id=listing.pk).update(expires_at=soon)
    # when this process's renewal runs
    assert listing_leases_renew() >= 1
    # then the lease runs a full lease length from now again
    lease = PushLease.objects.get(listing_id=listing.pk)
    assert lease.expires_at > timezone.now() + timedelta(seconds=lease_seconds() - 5)
    listing_lease_release(listing_id=listing.pk, token=token)
    assert not PushLease.objects.filter(listing_id=listing.pk).exists()
    assert listing_lease_claim(listing_id=other.pk) is not None
    listing_lease_release(listing_id=other.pk, token=PushLease.objects.get(listing_id=other.pk).token)
    assert listing_leases_renew() == 0
