"""django-q2 entry points: take ids, re-fetch, call one service. Enqueued only through common.enqueue."""

import functools
import logging
from collections.abc import Callable
from typing import Any

from accounts.audit import audit_actor
from channels.models import Channel
from common.errors import ApplicationError
from syncing.models import SyncJob

logger = logging.getLogger(__name__)


def _as_sync_job(task: Callable[..., None]) -> Callable[..., None]:
    """Audit entries written while the task runs name the sync job as their actor."""

    @functools.wraps(task)
    def run(job_id: int, *args: Any) -> None:
        with audit_actor("sync", f"sync job #{job_id}"):
            task(job_id, *args)

    return run


@_as_sync_job
def sync_job_push_chunk_task(job_id: int, listing_ids: list[int]) -> None:
    from syncing.services.push import sync_job_push_chunk

    sync_job_push_chunk(job_id=job_id, listing_ids=listing_ids)


@_as_sync_job
def sync_listing_push_task(job_id: int, listing_id: int) -> None:
    from syncing.services.push_listing import sync_listing_push_guarded

    job = SyncJob.objects.select_related("channel").filter(pk=job_id).first()
    if job is None or not job.is_active:
        logger.info("sync job %s is gone or ended; listing %s not pushed", job_id, listing_id)
        return
    sync_listing_push_guarded(job=job, listing_id=listing_id)


@_as_sync_job
def sync_job_offers_batch_task(job_id: int, listing_ids: list[int]) -> None:
    from syncing.services.offers import sync_job_offers_batch

    sync_job_offers_batch(job_id=job_id, listing_ids=listing_ids)


@_as_sync_job
def sync_job_deactivate_chunk_task(job_id: int, listing_ids: list[int]) -> None:
    from syncing.services.deactivate import sync_job_deactivate_chunk

    sync_job_deactivate_chunk(job_id=job_id, listing_ids=listing_ids)


@_as_sync_job
def sync_listing_deactivate_task(job_id: int, listing_id: int) -> None:
    from syncing.services.deactivate import sync_listing_deactivate

    job = SyncJob.objects.select_related("channel").filter(pk=job_id).first()
    if job is None or not job.is_active:
        return
    sync_listing_deactivate(job=job, listing_id=listing_id)


@_as_sync_job
def sync_job_pull_task(job_id: int, cursor: str | None = None, since: str = "") -> None:
    from syncing.services.pull import sync_job_pull

    sync_job_pull(job_id=job_id, cursor=cursor, since=since)


def channel_listings_pull_task(channel_id: int, full: bool = True) -> None:
    """Scheduled pull: `full` for the daily reconcile, else incremental (docs/sync.md#pull-and-drift)."""
    from syncing.services import channel_listings_pull

    channel = Channel.objects.filter(pk=channel_id).first()
    if channel is None:
        logger.info("scheduled pull: channel %s is gone", channel_id)
        return
    try:
        with audit_actor("sync", f"scheduled pull of channel #{channel_id}"):
            channel_listings_pull(channel=channel, full=full)
    except ApplicationError as exc:
        logger.info("scheduled pull of channel %s not started: %s", channel_id, exc.message)


def channel_autopush_task(channel_id: int) -> None:
    """Push on change: send the channel's marked changes (docs/sync.md)."""
    from syncing.services.autopush import channel_autopush

    with audit_actor("sync", f"push on change of channel #{channel_id}"):
        channel_autopush(channel_id=channel_id)


def autopush_sweep_task() -> None:
    from syncing.services.autopush import autopush_sweep

    autopush_sweep()


def sync_events_summarise_task() -> None:
    from syncing.services import sync_events_summarise

    sync_events_summarise()


def sync_jobs_requeue_stuck_task() -> None:
    from syncing.services import sync_jobs_requeue_stuck
    from syncing.services.maintenance import sync_pulls_fail_stuck

    sync_jobs_requeue_stuck()
    sync_pulls_fail_stuck()
