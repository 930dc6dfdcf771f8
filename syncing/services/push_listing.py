"""One listing's push: never a duplicate item, every step committed before the next.

The push of one listing deliberately does *not* run in one transaction: the marketplace call must not hold a
database lock (SQLite has a single writer), and every step is committed before the next one so a worker killed
at any point leaves a history the next delivery can read:

1. claim the listing's lease (one push per listing at a time), mark dead deliveries `interrupted`;
2. stop if the listing already has its final outcome in this job (duplicate delivery), or if its pushes killed
   the worker too often (poison);
3. skip when the payload hash equals `last_pushed_hash`;
4. before a create that may already have happened (an earlier create never returned), look the SKU up;
5. take a rate-limit token, open the event, call, close the event, write the listing.

A failure is retried or given up by push_failure.py; the chunks of a job that call this are in push.py.
"""

import logging
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from django.db import transaction
from django.utils import timezone

from channels.models import Channel
from common.enqueue import enqueue
from common.errors import ApplicationError
from common.events import publish as publish_event
from listings.choices import ListingStatus
from listings.models import Listing
from listings.services import (
    PART_CONTENT,
    PART_OFFERS,
    listings_changes_clear,
)
from syncing import tasks
from syncing.choices import SyncErrorKind, SyncOperation, SyncOutcome
from syncing.connectors.base import Connector, ListingPayload, PushResult
from syncing.events import LISTING_PUSHED
from syncing.models import SyncEvent, SyncJob

from . import connection
from .classify import failure_classify
from .events import AttemptHistory, attempt_history, sync_event_close, sync_event_open, sync_event_record
from .jobs import sync_job_count, sync_job_final_outcome_exists
from .leases import Lease, lease_release_once, lease_released_with, listing_lease_claim, listing_lease_remaining
from .listing_bridge import (
    VARIANT_OFFERS,
    listing_payload,
    listing_sku,
    listing_status_set,
    listing_sync_fields_set,
    payload_hash,
)
from .push_failure import after_failure, finish_failed
from .remote_status import ids_merged, listing_remote_fields_set

logger = logging.getLogger(__name__)

POISON_INTERRUPT_LIMIT = 2  # a listing whose push was cut short this often is not delivered a third time
RESULT_STATUS = {
    "live": ListingStatus.LIVE,
    "in_review": ListingStatus.IN_REVIEW,
    "inactive": ListingStatus.DELISTED,
    "rejected": ListingStatus.ERROR,
}
OFFER_KEYS = ("price", "compare_at_price", "quantity")


def payload_pending(payload: ListingPayload) -> dict[str, str]:
    """What a push sends, as text, for `Listing.pending` (docs/sync.md, "Pending until confirmed")."""
    values = {
        "title": payload.title,
        "description": payload.description,
        "price": str(payload.price),
        "quantity": str(payload.quantity),
        "images": str(len(payload.image_urls)),
        "category": payload.category_id,
    }
    if payload.compare_at_price is not None:
        values["compare_at_price"] = str(payload.compare_at_price)
    return values


def sync_listing_push_guarded(*, job: SyncJob, listing_id: int, prefetched: Listing | None = None) -> str | None:
    """`sync_listing_push`, but a bug or a database refusal on one listing fails that listing, not its chunk.

    Without this an exception would end the task, and with `ack_failures` the rest of the chunk would be lost.
    """
    try:
        return sync_listing_push(job=job, listing_id=listing_id, prefetched=prefetched)
    except Exception as exc:  # noqa: BLE001 - recorded on the listing and in the history
        logger.exception("sync job %s: listing %s failed inside the engine", job.pk, listing_id)
        listing = Listing.objects.select_related("channel").filter(pk=listing_id).first()
        if listing is None or sync_job_final_outcome_exists(job_id=job.pk, listing_id=listing_id):
            return None
        message = f"Internal error while pushing: {type(exc).__name__}: {exc}"[:2000]
        SyncEvent.objects.filter(listing_id=listing_id, outcome=SyncOutcome.IN_PROGRESS).update(
            outcome=SyncOutcome.FAILED, error_kind=SyncErrorKind.INTERNAL, message=message, finished_at=timezone.now()
        )
        sync_event_record(
            job=job,
            listing=listing,
            channel_id=listing.channel_id,
            operation=SyncOperation.UPDATE,
            outcome=SyncOutcome.FAILED,
            is_final=True,
            message=message,
            error_kind=SyncErrorKind.INTERNAL,
        )
        listing_sync_fields_set(listing=listing, last_error_code="internal", last_error_message=message)
        sync_job_count(job_id=job.pk, outcome=SyncOutcome.FAILED)
        return SyncOutcome.FAILED


def _defer_listing(job: SyncJob, listing_id: int, delay: float) -> None:
    with transaction.atomic():
        enqueue(tasks.sync_listing_push_task, job.pk, listing_id, group=f"sync-job-{job.pk}", delay=delay)


def listings_for_push(listing_ids: Sequence[int]) -> dict[int, Listing]:
    """Everything readiness and the payload read, for many listings at once (4 queries however many)."""
    listings = (
        Listing.objects.select_related("product", "product__category", "variant")
        .prefetch_related("product__images", "product__variants")
        .filter(pk__in=listing_ids)
    )
    return {listing.pk: listing for listing in listings}


def _listing_for_push(listing_id: int, prefetched: Listing | None) -> Listing | None:
    """The listing's own row read now, with its product, variant and images from the chunk's read when given.

    The row (status, external id, last pushed hash, overrides) must be current; the catalogue data may be as old
    as the chunk (a second or two), like any payload that waits in a queue.
    """
    if prefetched is None:
        return listings_for_push([listing_id]).get(listing_id)
    listing = Listing.objects.filter(pk=listing_id).first()
    if listing is None:
        return None
    if (listing.product_id, listing.variant_id) != (prefetched.product_id, prefetched.variant_id):
        return listings_for_push([listing_id]).get(listing_id)
    listing.product = prefetched.product
    listing.variant = prefetched.variant
    return listing


def sync_listing_push(*, job: SyncJob, listing_id: int, prefetched: Listing | None = None) -> str | None:
    """Push one listing as part of `job`; returns the final outcome, or None when nothing final happened yet.

    `prefetched` is the listing as the chunk read it with its catalogue data (see `_listing_for_push`).
    """
    listing = _listing_for_push(listing_id, prefetched)
    if listing is None:
        logger.info("sync job %s: listing %s is gone", job.pk, listing_id)
        return None
    # The job's channel object, shared by the pushes of a chunk (its tokens held for the next request carry
    # over, and `_chunk_defer_seconds` re-reads it once a second).
    listing.channel = (
        job.channel if listing.channel_id == job.channel_id else Channel.objects.get(pk=listing.channel_id)
    )
    # A repeated delivery is recognised under the lease (`_push_leased`); checking before it too cost a query.
    token = listing_lease_claim(listing_id=listing_id)
    if token is None:
        # Another worker is pushing this listing right now; come back when its lease ends and read its outcome.
        _defer_listing(job, listing_id, listing_lease_remaining(listing_id=listing_id) + 1)
        return None
    lease = Lease(listing_id=listing_id, token=token)
    try:
        return _push_leased(job, listing, lease)
    finally:
        lease_release_once(lease)


def _push_leased(job: SyncJob, listing: Listing, lease: Lease) -> str | None:
    history = attempt_history(job_id=job.pk, listing_id=listing.pk, interrupt_open=True)
    if history.final_in_job:
        return None
    refused = _refuse_before_sending(job, listing, history)
    if refused:
        return refused
    # The mark as read with the row, before the payload is built: only this change is cleared after the push.
    listing._sent_mark = listing.changed_at if listing.changed_since_push else None  # type: ignore[attr-defined]
    payload = listing_payload(listing)
    phash = payload_hash(payload)
    if (
        listing.external_id
        and phash == listing.last_pushed_hash
        and not listing.pending  # an unanswered send may have changed it (docs/sync.md#push-on-change, "Pending")
        and listing.status in (ListingStatus.LIVE, ListingStatus.IN_REVIEW, ListingStatus.SUPPRESSED)
    ):
        return _skip_unchanged(job, listing, phash)
    # Look before creating when an earlier create may have succeeded unseen, or when the listing once had an
    # external id that is gone now (e.g. overwritten by a stale save): never a second remote item.
    lookup_first = not payload.external_id and bool(history.creates_unconfirmed or history.had_remote_id)
    # The tokens for this push's requests first (one bucket round trip); a token a listing that turns out not
    # ready leaves unused is spent by the next push of the chunk.
    wait = connection.channel_token_acquire(listing.channel)
    if wait:
        _defer_listing(job, listing.pk, wait)
        return None
    attempt = history.attempts + 1
    try:  # via `queued`, which the state machine only allows for a ready listing
        with transaction.atomic():  # one write: the move and (without a lookup first) the call's event
            listing_status_set(listing=listing, status=ListingStatus.PUBLISHING)
            event = None if lookup_first else _push_event_open(job, listing, payload, phash, attempt)
    except ApplicationError as exc:
        if exc.extra.get("code") != "not_ready":
            raise
        return finish_failed(job, listing, SyncOperation.UPDATE, exc.message, SyncErrorKind.READINESS)
    connector = connection.connector_for(listing.channel)
    if lookup_first:
        found = _lookup_by_sku(job, listing, connector, attempt)
        if found is None:
            return None  # deferred: the lookup itself must be retried before any create
        if found:
            payload = replace(payload, external_id=found)
    return _push_call(job, listing, connector, payload, phash, attempt, event, lease)


def _refuse_before_sending(job: SyncJob, listing: Listing, history: AttemptHistory) -> str | None:
    """The final failure of a listing that must not be sent (its pushes kept killing the worker, or its channel
    is paused); None when it may go."""
    if history.interrupted >= POISON_INTERRUPT_LIMIT:
        message = (
            f"Stopped after {history.interrupted} deliveries ended with the worker dying mid-push; "
            "this listing is not tried again automatically. Check the data, then retry it."
        )
        return finish_failed(job, listing, SyncOperation.UPDATE, message, SyncErrorKind.INTERRUPTED)
    if not listing.channel.is_active:
        message = "The channel is paused (its authorisation expired or an operator paused it); nothing was sent."
        return finish_failed(job, listing, SyncOperation.UPDATE, message, SyncErrorKind.PAUSED)
    return None


def _skip_unchanged(job: SyncJob, listing: Listing, phash: str) -> str:
    """Record that nothing changed since the last push of a live listing (nothing is sent)."""
    sync_event_record(
        job=job,
        listing=listing,
        channel_id=listing.channel_id,
        operation=SyncOperation.UPDATE,
        outcome=SyncOutcome.SKIPPED,
        is_final=True,
        payload_hash=phash,
        message="Nothing changed since the last push.",
    )
    sync_job_count(job_id=job.pk, outcome=SyncOutcome.SKIPPED)
    _mark_clear(listing)
    return SyncOutcome.SKIPPED


def _mark_clear(listing: Listing) -> None:
    """Clear the listing's "changed since push" mark if it is still the one read before the payload was built."""
    listings_changes_clear(sent={listing.pk: getattr(listing, "_sent_mark", None)}, parts=[PART_OFFERS, PART_CONTENT])


def _pending_record(listing: Listing, payload: ListingPayload) -> None:
    """What this update of a remote item sends becomes pending (one UPDATE: the row was read at the start of the
    push). A create records nothing before its answer: the listing is `publishing` until then, and what the
    answer leaves unconfirmed (in review) is written with the answer."""
    pending = {**(listing.pending or {}), **payload_pending(payload)}
    since = listing.pending_since or timezone.now()
    Listing.objects.filter(pk=listing.pk).update(pending=pending, pending_since=since)
    listing.pending, listing.pending_since = pending, since


def _push_event_open(job: SyncJob, listing: Listing, payload: ListingPayload, phash: str, attempt: int) -> SyncEvent:
    if payload.external_id:
        _pending_record(listing, payload)
    return sync_event_open(
        job=job,
        listing=listing,
        channel_id=listing.channel_id,
        operation=SyncOperation.UPDATE if payload.external_id else SyncOperation.CREATE,
        attempt=attempt,
        payload_hash=phash,
    )


def _lookup_by_sku(job: SyncJob, listing: Listing, connector: Connector, attempt: int) -> str | None:
    """The external id of an item an earlier, unanswered create made; "" when there is none; None if deferred."""
    wait = connection.channel_token_acquire(listing.channel)
    if wait:
        _defer_listing(job, listing.pk, wait)
        return None
    sku = listing_sku(listing)
    event = sync_event_open(
        job=job, listing=listing, channel_id=listing.channel_id, operation=SyncOperation.LOOKUP, attempt=attempt
    )
    started = time.monotonic()
    try:
        remote = connector.find_by_sku(sku)
    except Exception as exc:  # noqa: BLE001 - classified and recorded below
        failure = failure_classify(exc)
        event = sync_event_close(event=event, outcome=SyncOutcome.FAILED, started=started, failure=failure)
        after_failure(job, listing, SyncOperation.LOOKUP, failure, event=event)
        return None
    external_id = remote.external_id if remote else ""
    sync_event_close(
        event=event,
        outcome=SyncOutcome.SUCCEEDED,
        started=started,
        external_id=external_id,
        message=f"Found {sku} as {external_id}." if remote else f"{sku} does not exist on the marketplace.",
    )
    if external_id:
        listing_sync_fields_set(listing=listing, external_id=external_id)
    return external_id


def _push_call(
    job: SyncJob,
    listing: Listing,
    connector: Connector,
    payload: ListingPayload,
    phash: str,
    attempt: int,
    event: SyncEvent | None,
    lease: Lease,
) -> str | None:
    """Make the call (its event already open, or opened here after a lookup) and act on the answer."""
    if event is None:
        wait = connection.channel_token_acquire(listing.channel)
        if wait:
            _defer_listing(job, listing.pk, wait)
            return None
        event = _push_event_open(job, listing, payload, phash, attempt)
    operation = event.operation
    started = time.monotonic()
    try:
        result = connector.push_listing(payload)
    except Exception as exc:  # noqa: BLE001 - every failure is classified, recorded and acted on
        failure = failure_classify(exc)
        event = sync_event_close(event=event, outcome=SyncOutcome.FAILED, started=started, failure=failure)
        return after_failure(job, listing, operation, failure, event=event)
    return _push_succeeded(job, listing, payload, phash, result, event, started, lease)


def _push_succeeded(
    job: SyncJob,
    listing: Listing,
    payload: ListingPayload,
    phash: str,
    result: PushResult,
    event: SyncEvent,
    started: float,
    lease: Lease,
) -> str:
    # Everything learnt from the answer is written in one transaction, the lease's release included: one write
    # lock instead of six (on SQLite each autocommit write queues for the lock), and a worker killed here leaves
    # the event in progress, which the next delivery marks interrupted and resolves with a lookup by SKU.
    with lease_released_with(lease):
        return _push_succeeded_record(job, listing, payload, phash, result, event, started)


def _channel_payload(result: PushResult, payload: ListingPayload) -> dict[str, Any]:
    """What the answer said, and for a family each variant's price and stock as sent (the offers path then sends
    only the variants that change: docs/sync.md#variation-families)."""
    data: dict[str, Any] = {"raw_status": result.raw_status, "review_notes": list(result.review_notes)}
    if payload.variants:
        data[VARIANT_OFFERS] = {v.sku: [str(v.price), v.quantity] for v in payload.variants}
    return data


def _push_succeeded_record(
    job: SyncJob,
    listing: Listing,
    payload: ListingPayload,
    phash: str,
    result: PushResult,
    event: SyncEvent,
    started: float,
) -> str:
    status = RESULT_STATUS.get(result.status, ListingStatus.IN_REVIEW)
    notes = "; ".join(result.review_notes)
    now = timezone.now()
    # A live answer confirms everything sent; a review confirms price and stock, the content stays pending until
    # a status check or pull sees it live; a rejection leaves nothing pending (the error says why).
    sent = payload_pending(payload)
    confirmed = {k for k in sent if k in OFFER_KEYS} if status == ListingStatus.IN_REVIEW else set(sent)
    pending = {k: v for k, v in {**(listing.pending or {}), **sent}.items() if k not in confirmed}
    listing_sync_fields_set(
        pending=pending,
        pending_since=(listing.pending_since or now) if pending else None,
        listing=listing,
        external_id=result.external_id,
        external_url=result.external_url or listing.external_url,
        channel_payload=_channel_payload(result, payload),
        last_pushed_hash=phash,
        last_pushed_at=now,
        last_error_code="",
        last_error_message=notes if status == ListingStatus.ERROR else "",
        drift={},
    )
    if result.marketplace_ids:  # ids the marketplace assigned (docs/sync.md#remote-status)
        listing_remote_fields_set(listing=listing, marketplace_ids=ids_merged(listing, result.marketplace_ids))
    listing_status_set(listing=listing, status=status, reason=notes)
    _mark_clear(listing)
    pushed = {"title": payload.title, "price": str(payload.price), "quantity": payload.quantity}
    outcome = SyncOutcome.REJECTED if status == ListingStatus.ERROR else SyncOutcome.SUCCEEDED
    sync_event_close(
        event=event,
        outcome=outcome,
        started=started,
        is_final=True,
        external_id=result.external_id,
        message=notes,
        detail={"pushed": pushed, "remote_status": result.raw_status},
    )
    connection.channel_call_succeeded(listing.channel)
    sync_job_count(job_id=job.pk, outcome=outcome)
    publish_event(
        LISTING_PUSHED, listing_id=listing.pk, channel_id=listing.channel_id,
        outcome="error" if status == ListingStatus.ERROR else "synced", message=notes,
    )  # fmt: skip
    return outcome
