"""Price and stock only: batched offer updates that run ahead of content pushes on the same channel."""

import time
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction

from channels.models import Channel
from common.actors import Actor
from common.enqueue import enqueue
from common.errors import ApplicationError
from listings.models import Listing
from syncing.backoff import plan_retry
from syncing.choices import SyncErrorKind, SyncJobKind, SyncOperation, SyncOutcome
from syncing.connectors.base import ItemResult, OfferUpdate
from syncing.models import SyncEvent, SyncJob
from syncing.tasks import sync_job_offers_batch_task

from . import connection
from .classify import Failure, failure_classify, failure_text
from .events import sync_event_close, sync_event_open, sync_events_interrupt_stale
from .jobs import sync_job_count, sync_job_create, sync_job_start
from .listing_bridge import listing_payload, listing_sku, listing_sync_fields_set
from .publish import listing_selection

OFFER_BATCH_SIZE = 50  # Shopify input arrays <= 250, Lazada/Shopee batch endpoints take 50


@transaction.atomic
def listings_offers_sync(
    *,
    channel: Channel,
    listing_ids: Sequence[int] | None = None,
    filters: Mapping[str, Any] | None = None,
    stock_only: bool = False,
    user: Actor = None,
) -> SyncJob:
    """Send price and stock (or stock only) of published listings; content pushes on the channel wait for it."""
    if not channel.is_active:
        raise ApplicationError(f"Channel {channel} is paused; reconnect or activate it first.")
    selected = listing_selection(channel=channel, listing_ids=listing_ids, filters=filters).exclude(external_id="")
    ids = list(selected.order_by("pk").values_list("pk", flat=True))
    if not ids:
        raise ApplicationError("No published listings to update: price and stock need a listing on the marketplace.")
    kind = SyncJobKind.RESTOCK if stock_only else SyncJobKind.REPRICE
    job = sync_job_create(channel=channel, kind=kind, listing_ids=ids, user=user)
    for start in range(0, len(ids), OFFER_BATCH_SIZE):
        enqueue(sync_job_offers_batch_task, job.pk, ids[start : start + OFFER_BATCH_SIZE], group=f"sync-job-{job.pk}")
    return job


def sync_job_offers_batch(*, job_id: int, listing_ids: Sequence[int]) -> None:
    """Update one batch of offers with one marketplace call; per-item results become per-listing events."""
    job = SyncJob.objects.select_related("channel").filter(pk=job_id).first()
    if job is None or not job.is_active:
        return
    sync_job_start(job=job)
    listings = _listings_pending(job, listing_ids)
    if not listings:
        return
    for listing in listings:
        sync_events_interrupt_stale(listing_id=listing.pk)
    wait = connection.channel_token_acquire(job.channel)
    if wait:
        _requeue(job, [lst.pk for lst in listings], wait)
        return
    updates, events = _offer_updates_open(job, listings)
    started = time.monotonic()
    try:
        results = connection.connector_for(job.channel).update_offers(updates)
    except Exception as exc:  # noqa: BLE001 - classified below
        failure = failure_classify(exc)
        closed = [
            sync_event_close(event=event, outcome=SyncOutcome.FAILED, started=started, failure=failure)
            for event in events.values()
        ]
        _batch_failed(job, listings, closed, failure)
        return
    connection.channel_call_succeeded(job.channel)
    _offer_results_record(job, listings, results, events, started)


def _listings_pending(job: SyncJob, listing_ids: Sequence[int]) -> list[Listing]:
    """The batch's listings that have no final outcome in this job yet (a redelivered batch skips the rest)."""
    done = set(
        SyncEvent.objects.filter(job=job, listing_id__in=listing_ids, is_final=True).values_list(
            "listing_id", flat=True
        )
    )
    return list(
        Listing.objects.select_related("channel", "product", "variant")
        .filter(pk__in=[pk for pk in listing_ids if pk not in done])
        .order_by("pk")
    )


def _offer_updates_open(job: SyncJob, listings: list[Listing]) -> tuple[list[OfferUpdate], dict[str, SyncEvent]]:
    """The offer update of each listing (stock only for a restock job) and its open event, by SKU."""
    stock_only = job.kind == SyncJobKind.RESTOCK
    updates: list[OfferUpdate] = []
    events: dict[str, SyncEvent] = {}
    for listing in listings:
        payload = listing_payload(listing)
        updates.append(
            OfferUpdate(
                sku=listing_sku(listing),
                external_id=listing.external_id,
                price=None if stock_only else payload.price,
                quantity=payload.quantity,
            )
        )
        events[updates[-1].sku] = sync_event_open(
            job=job, listing=listing, channel_id=job.channel_id, operation=SyncOperation.OFFERS, attempt=1
        )
    return updates, events


def _offer_results_record(
    job: SyncJob,
    listings: list[Listing],
    results: Sequence[ItemResult],
    events: dict[str, SyncEvent],
    started: float,
) -> None:
    """Close each item's event with the marketplace's answer for it; an item it did not answer for fails."""
    by_sku = {listing_sku(lst): lst for lst in listings}
    for result in results:
        event = events.pop(result.sku, None)
        if event is None:
            continue
        outcome = SyncOutcome.SUCCEEDED if result.ok else SyncOutcome.REJECTED
        sync_event_close(
            event=event,
            outcome=outcome,
            started=started,
            is_final=True,
            error_code=result.error_code,
            message=result.message,
        )
        if not result.ok:
            listing_sync_fields_set(
                listing=by_sku[result.sku], last_error_code=result.error_code[:64], last_error_message=result.message
            )
        sync_job_count(job_id=job.pk, outcome=outcome)
    for event in events.values():  # items the marketplace did not answer for
        sync_event_close(
            event=event, outcome=SyncOutcome.FAILED, started=started, is_final=True, message="No result returned."
        )
        sync_job_count(job_id=job.pk, outcome=SyncOutcome.FAILED)


def _requeue(job: SyncJob, listing_ids: list[int], delay: float) -> None:
    with transaction.atomic():
        enqueue(sync_job_offers_batch_task, job.pk, listing_ids, group=f"sync-job-{job.pk}", delay=delay)


def _batch_failed(job: SyncJob, listings: list[Listing], events: list[SyncEvent], failure: Failure) -> None:
    """Retry the whole batch later, or give up on every listing in it with the marketplace's message."""
    if failure.kind == SyncErrorKind.THROTTLED:
        connection.channel_throttled(job.channel, failure.retry_after)
        SyncEvent.objects.filter(pk__in=[e.pk for e in events]).update(outcome=SyncOutcome.RETRY_SCHEDULED)
        _requeue(job, [lst.pk for lst in listings], (failure.retry_after or 1.0) * 1.05 + 0.2)
        return
    tries = SyncEvent.objects.filter(
        job=job, listing=listings[0], operation=SyncOperation.OFFERS, error_kind=SyncErrorKind.RETRYABLE
    ).count()
    if failure.retryable:
        connection.channel_call_failed(job.channel)
        plan = plan_retry(max(1, tries), retry_after=failure.retry_after)
        if not plan.give_up:
            SyncEvent.objects.filter(pk__in=[e.pk for e in events]).update(outcome=SyncOutcome.RETRY_SCHEDULED)
            _requeue(job, [lst.pk for lst in listings], plan.delay)
            return
    final = SyncOutcome.REJECTED if failure.kind == SyncErrorKind.REJECTED else SyncOutcome.FAILED
    SyncEvent.objects.filter(pk__in=[e.pk for e in events]).update(outcome=final, is_final=True)
    if failure.kind == SyncErrorKind.AUTH:
        connection.channel_auth_pause(job.channel)
    for listing in listings:
        listing_sync_fields_set(
            listing=listing, last_error_code=failure.code[:64] or failure.kind, last_error_message=failure_text(failure)
        )
        sync_job_count(job_id=job.pk, outcome=final)
