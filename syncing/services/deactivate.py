"""Take listings off sale on the marketplace (the item stays there, inactive) and mark them delisted."""

import time
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction

from channels.models import Channel
from common.actors import Actor
from common.enqueue import enqueue
from common.errors import ApplicationError
from listings.choices import ListingStatus
from listings.models import Listing
from syncing.choices import SyncJobKind, SyncOperation, SyncOutcome
from syncing.models import SyncJob
from syncing.tasks import sync_job_deactivate_chunk_task, sync_listing_deactivate_task

from . import connection
from .classify import failure_classify
from .events import sync_event_close, sync_event_open, sync_events_interrupt_stale
from .jobs import sync_job_count, sync_job_create, sync_job_final_outcome_exists, sync_job_start
from .leases import listing_lease_claim, listing_lease_release, listing_lease_remaining
from .listing_bridge import listing_status_set
from .publish import listing_selection
from .push import PUSH_CHUNK_SIZE
from .push_failure import after_failure


@transaction.atomic
def listings_deactivate(
    *,
    channel: Channel,
    listing_ids: Sequence[int] | None = None,
    filters: Mapping[str, Any] | None = None,
    user: Actor = None,
) -> SyncJob:
    """Deactivate the chosen listings on the marketplace in the background; returns the job."""
    if not channel.is_active:
        raise ApplicationError(f"Channel {channel} is paused; reconnect or activate it first.")
    selected = listing_selection(channel=channel, listing_ids=listing_ids, filters=filters).exclude(external_id="")
    ids = list(selected.exclude(status=ListingStatus.DELISTED).order_by("pk").values_list("pk", flat=True))
    if not ids:
        raise ApplicationError("No listings to deactivate: none of them is on the marketplace.")
    job = sync_job_create(channel=channel, kind=SyncJobKind.DEACTIVATE, listing_ids=ids, user=user)

    for start in range(0, len(ids), PUSH_CHUNK_SIZE):
        enqueue(
            sync_job_deactivate_chunk_task, job.pk, ids[start : start + PUSH_CHUNK_SIZE], group=f"sync-job-{job.pk}"
        )
    return job


def sync_job_deactivate_chunk(*, job_id: int, listing_ids: Sequence[int]) -> None:
    job = SyncJob.objects.select_related("channel").filter(pk=job_id).first()
    if job is None or not job.is_active:
        return
    sync_job_start(job=job)
    for listing_id in listing_ids:
        job.refresh_from_db(fields=["status"])
        if not job.is_active:
            return
        sync_listing_deactivate(job=job, listing_id=listing_id)


def sync_listing_deactivate(*, job: SyncJob, listing_id: int) -> str | None:
    """Deactivate one listing (idempotent: a listing already delisted in this job is left alone)."""
    listing = Listing.objects.select_related("channel").filter(pk=listing_id).first()
    if listing is None or sync_job_final_outcome_exists(job_id=job.pk, listing_id=listing_id):
        return None
    token = listing_lease_claim(listing_id=listing_id)
    if token is None:
        with transaction.atomic():
            enqueue(
                sync_listing_deactivate_task,
                job.pk,
                listing_id,
                delay=listing_lease_remaining(listing_id=listing_id) + 1,
            )
        return None
    try:
        sync_events_interrupt_stale(listing_id=listing_id)
        wait = connection.channel_token_acquire(listing.channel)
        if wait:
            with transaction.atomic():
                enqueue(sync_listing_deactivate_task, job.pk, listing_id, delay=wait)
            return None
        event = sync_event_open(
            job=job, listing=listing, channel_id=listing.channel_id, operation=SyncOperation.DEACTIVATE, attempt=1
        )
        started = time.monotonic()
        try:
            connection.connector_for(listing.channel).deactivate_listing(listing.external_id)
        except Exception as exc:  # noqa: BLE001 - classified and acted on
            failure = failure_classify(exc)
            event = sync_event_close(event=event, outcome=SyncOutcome.FAILED, started=started, failure=failure)
            return after_failure(job, listing, SyncOperation.DEACTIVATE, failure, event=event)
        sync_event_close(event=event, outcome=SyncOutcome.SUCCEEDED, started=started, is_final=True)
        connection.channel_call_succeeded(listing.channel)
        listing_status_set(listing=listing, status=ListingStatus.DELISTED, reason="Deactivated on the marketplace.")
        sync_job_count(job_id=job.pk, outcome=SyncOutcome.SUCCEEDED)
        return SyncOutcome.SUCCEEDED
    finally:
        listing_lease_release(listing_id=listing_id, token=token)
