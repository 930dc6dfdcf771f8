"""Price and stock only: batched offer updates that run ahead of content pushes on the same channel.

Push on change (docs/sync.md) sends through here too: each batch records what it sends as `pending`, clears the
pending values the marketplace's answer confirms, and clears the listings' "offers" mark only for the change it
read before sending (compare-and-clear on `changed_at`); a marked listing whose payload is what was last pushed
is skipped unsent.

One task carries a job's listings of one channel and sends its batches in as many threads as the channel's rate
needs (docs/sync.md, "Price and stock at the channel's rate"): each batch's calls run one after the other, so a
fast channel needs several at once, while a slow one kept to one thread leaves the other workers to the other
channels instead of holding them in rate-limit waits. The batches share the channel's rate-limit bucket, so
together they never exceed it. A task hands out batches for OFFER_TASK_SECONDS, then queues the rest.
"""

import contextvars
import logging
import math
import threading
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import connections, transaction

from channels.models import Channel
from common.actors import Actor
from common.enqueue import enqueue
from common.errors import ApplicationError
from common.worker import stop_requested
from listings.models import Listing
from listings.services import (
    AUTO_PUSH_STATUSES,
    PART_OFFERS,
    listings_changes_clear,
    listings_pending_confirm,
    listings_pending_set,
)
from syncing.backoff import plan_retry
from syncing.choices import SYNC_JOB_PRIORITY, SyncErrorKind, SyncJobKind, SyncOperation, SyncOutcome
from syncing.conf import sync_setting
from syncing.connectors.base import ItemResult, ListingPayload, OfferUpdate
from syncing.models import SyncEvent, SyncJob
from syncing.tasks import sync_job_offers_batch_task

from . import connection
from .classify import Failure, failure_classify, failure_text
from .events import EventClose, sync_events_close, sync_events_interrupt_stale_of, sync_events_open
from .jobs import sync_job_count_many, sync_job_create, sync_job_start
from .listing_bridge import (
    VARIANT_OFFERS,
    listing_payload,
    listing_sku,
    listing_sync_fields_set,
    listings_payload_ready,
    listings_sync_fields_set,
    payload_hash,
)
from .publish import listing_selection

logger = logging.getLogger(__name__)

OFFER_BATCH_SIZE = 50  # Shopify input arrays <= 250, Lazada/Shopee batch endpoints take 50
OFFER_THREADS = 4  # at most this many batches of a task (so of a worker) at once: SYNC_OFFER_THREADS
# Requests per second one thread keeps up (a request, its bucket token and the batch's database work; measured in
# docs/benchmarks.md "Push on change"): a channel gets ceil(rate / this) threads: SYNC_OFFER_THREAD_RATE.
OFFER_THREAD_RATE = 12.0
OFFER_TASK_LISTINGS = 5_000  # listings per queued task (its arguments); a bigger job is several tasks
OFFER_TASK_SECONDS = 60.0  # a task hands out batches this long, then queues the rest (never near Q_TIMEOUT)
INLINE_SAFETY_SECONDS = 30.0  # the queued copy of a batch run inline waits this long (then finds it done)


def offer_threads(channel: Channel | None = None) -> int:
    """Batches sent at once by one task: enough for the channel's rate, at most SYNC_OFFER_THREADS."""
    most = max(1, sync_setting("SYNC_OFFER_THREADS", OFFER_THREADS, int))
    if channel is None:
        return most
    rate, _ = connection.channel_rate(channel)
    per_thread = max(0.1, sync_setting("SYNC_OFFER_THREAD_RATE", OFFER_THREAD_RATE, float))
    return max(1, min(most, math.ceil(rate / per_thread)))


@transaction.atomic
def listings_offers_sync(
    *,
    channel: Channel,
    listing_ids: Sequence[int] | None = None,
    filters: Mapping[str, Any] | None = None,
    stock_only: bool = False,
    user: Actor = None,
    message: str = "",
    first_inline: bool = False,
) -> SyncJob:
    """Send price and stock (or stock only) of published listings; content pushes on the channel wait for it.

    `first_inline`: the caller runs the first batch itself once this transaction committed (push on change
    saves a queue hop); its queue row is still written, delayed, as the safety net for a caller that dies, and
    finds the batch done otherwise.
    """
    if not channel.is_active:
        raise ApplicationError(f"Channel {channel} is paused; reconnect or activate it first.")
    selected = listing_selection(channel=channel, listing_ids=listing_ids, filters=filters).exclude(external_id="")
    ids = list(selected.order_by("pk").values_list("pk", flat=True))
    if not ids:
        raise ApplicationError("No published listings to update: price and stock need a listing on the marketplace.")
    kind = SyncJobKind.RESTOCK if stock_only else SyncJobKind.REPRICE
    job = sync_job_create(channel=channel, kind=kind, listing_ids=ids, message=message, user=user)
    first = OFFER_BATCH_SIZE if first_inline else 0
    if first_inline:
        group = f"sync-job-{job.pk}"
        enqueue(
            sync_job_offers_batch_task,
            job.pk,
            ids[:first],
            group=group,
            delay=INLINE_SAFETY_SECONDS,
            priority=SYNC_JOB_PRIORITY[kind],
        )
    for start in range(first, len(ids), OFFER_TASK_LISTINGS):
        enqueue(
            sync_job_offers_batch_task,
            job.pk,
            ids[start : start + OFFER_TASK_LISTINGS],
            group=f"sync-job-{job.pk}",
            priority=SYNC_JOB_PRIORITY[kind],
        )
    return job


def offers_first_batch(job: SyncJob) -> list[int]:
    """The listings of a job's first batch (what `first_inline` leaves to its caller)."""
    return list(job.listing_ids[:OFFER_BATCH_SIZE])


def sync_job_offers_batch(*, job_id: int, listing_ids: Sequence[int]) -> None:
    """Update the offers of a task's listings: one connector call per OFFER_BATCH_SIZE of them, `offer_threads`
    of those batches at once (each in its own thread with its own database connection; in this thread only
    inside a transaction, as in tests, where other connections could not see its rows). After
    OFFER_TASK_SECONDS, or when the worker is asked to stop, the batches not handed out yet become a new task."""
    job = SyncJob.objects.select_related("channel").filter(pk=job_id).first()
    if job is None or not job.is_active:
        return
    batches = [list(listing_ids[s : s + OFFER_BATCH_SIZE]) for s in range(0, len(listing_ids), OFFER_BATCH_SIZE)]
    threads = min(offer_threads(job.channel), len(batches)) if transaction.get_autocommit() else 1
    _Batches(job, batches).run(threads)


class _Batches:
    """A task's batches handed out one at a time to this thread and `threads - 1` others, until none is left,
    the task's time is up or the worker is stopping (the rest is then queued as a new task)."""

    def __init__(self, job: SyncJob, batches: list[list[int]]) -> None:
        self.job = job
        self.batches = batches
        self.handed = 0
        self.deadline = time.monotonic() + OFFER_TASK_SECONDS
        self.lock = threading.Lock()
        self.errors: list[Exception] = []

    def run(self, threads: int) -> None:
        workers = [
            threading.Thread(target=contextvars.copy_context().run, args=(self._run_in_thread,))
            for _ in range(threads - 1)
        ]
        for worker in workers:
            worker.start()
        self._send_until_done()
        for worker in workers:
            worker.join()
        if self.errors:
            raise self.errors[0]  # as one thread would: the task fails and says why (the other batches went)

    def _take(self) -> list[int] | None:
        with self.lock:
            if self.handed >= len(self.batches):
                return None
            if stop_requested() or time.monotonic() >= self.deadline:
                rest = [pk for batch in self.batches[self.handed :] for pk in batch]
                self.handed = len(self.batches)
                _requeue(self.job, rest, 0.0)
                return None
            self.handed += 1
            return self.batches[self.handed - 1]

    def _send_until_done(self) -> None:
        while (batch := self._take()) is not None:
            try:
                _offers_batch_send(job_id=self.job.pk, listing_ids=batch)
            except Exception as exc:  # noqa: BLE001 - re-raised by `run` once every batch had its turn
                logger.exception("sync job %s: a price/stock batch stopped", self.job.pk)
                self.errors.append(exc)

    def _run_in_thread(self) -> None:
        try:
            self._send_until_done()
        finally:
            connections.close_all()  # this thread's own connections


def _offers_batch_send(*, job_id: int, listing_ids: Sequence[int]) -> None:
    """Update one batch of offers with one marketplace call; per-item results become per-listing events."""
    job = SyncJob.objects.select_related("channel").filter(pk=job_id).first()
    if job is None or not job.is_active:
        return
    sync_job_start(job=job)
    listings = _listings_pending(job, listing_ids)
    if not listings:
        return
    # The batch's writes before and after the call go as one transaction each: on SQLite every statement in
    # autocommit takes the one write lock for itself, and the workers' batches queued on it (docs/benchmarks.md,
    # "Push on change"). The rate-limit bucket and the marketplace call stay outside them.
    sync_events_interrupt_stale_of(listing_ids=[listing.pk for listing in listings])
    wait = connection.channel_token_acquire(job.channel)
    if wait:
        _requeue(job, [lst.pk for lst in listings], wait)
        return
    sent = _Sent(listings)
    with transaction.atomic():
        listings = _skip_unchanged(job, listings, sent)
        if listings:
            updates, events = _offer_updates_open(job, listings, sent)
            listings = _idle_skip(job, listings, events, sent)
    if not listings:
        return
    started = time.monotonic()
    try:
        results = connection.connector_for(job.channel).update_offers(updates)
    except Exception as exc:  # noqa: BLE001 - classified below
        failure = failure_classify(exc)
        with transaction.atomic():
            closed = sync_events_close(
                [
                    (event, {"outcome": SyncOutcome.FAILED, "started": started, "failure": failure})
                    for event in events.values()
                ]
            )
            _batch_failed(job, listings, closed, failure, sent)
        return
    connection.channel_call_succeeded(job.channel)
    with transaction.atomic():
        _offer_results_record(job, listings, results, events, started, sent)


class _Sent:
    """What one batch read and sent per listing: the mark it read (compare-and-clear), payload hashes, pending."""

    def __init__(self, listings: list[Listing]) -> None:
        # Read with the listing rows, before any payload is built: a change committed after this read moves
        # `changed_at`, so the clear below leaves its mark for the next push.
        self.marks: dict[int, datetime | None] = {
            lst.pk: lst.changed_at if lst.changed_since_push and PART_OFFERS in lst.changed_parts else None
            for lst in listings
        }
        # Listings whose content on the marketplace is what was last pushed: after their price/stock update the
        # marketplace holds exactly the payload built now, so its hash becomes the last pushed one.
        self.content_clean = {
            lst.pk
            for lst in listings
            if (lst.changed_parts == [PART_OFFERS] if lst.changed_since_push else lst.status in AUTO_PUSH_STATUSES)
        }
        self.stock_only = False
        self.hashes: dict[int, str] = {}
        self.payloads: dict[int, ListingPayload] = {}  # built once per batch: the hash and the update read it
        self.pending: dict[int, dict[str, str]] = {}
        # Variation families on a marketplace that updates children/models one by one: the variant SKU sent ->
        # its listing's SKU, and what each variant is sent ({listing pk: {variant SKU: [price, quantity]}}).
        self.owner: dict[str, str] = {}
        self.variant_offers: dict[int, dict[str, list[Any]]] = {}
        self.idle: list[int] = []  # family listings none of whose variants changed: nothing to send

    def settle(self, listing_ids: list[int], *, confirmed: bool) -> None:
        """These listings' sends ended (confirmed by the marketplace or finally refused): clear their marks (the
        ones read before sending) and pending values. A confirmed update also says what the marketplace holds
        now: the payload built for it when its content was clean, else unknown ("": never "unchanged")."""
        if not listing_ids:
            return
        listings_pending_confirm(keys={pk: self.pending.get(pk, {}).keys() for pk in listing_ids})
        listings_changes_clear(sent={pk: self.marks.get(pk) for pk in listing_ids}, parts=[PART_OFFERS])
        if confirmed:
            known = [] if self.stock_only else [pk for pk in listing_ids if pk in self.content_clean]
            Listing.objects.bulk_update([Listing(pk=pk, last_pushed_hash=self.hashes[pk]) for pk in known],
                                        ["last_pushed_hash"])  # fmt: skip
            Listing.objects.filter(pk__in=[pk for pk in listing_ids if pk not in known]).update(last_pushed_hash="")


def _skip_unchanged(job: SyncJob, listings: list[Listing], sent: _Sent) -> list[Listing]:
    """Marked listings whose whole payload is what was last pushed have nothing to send: record them skipped
    and clear their mark; return the others. A listing with pending values is never skipped: a send whose answer
    never came (a killed worker) may have changed the marketplace, so the last pushed payload is not known to be
    what it holds (docs/sync.md#push-on-change, "Pending")."""
    keep: list[Listing] = []
    skipped: list[int] = []
    for listing in listings:
        sent.payloads[listing.pk] = listing_payload(listing)
        sent.hashes[listing.pk] = payload_hash(sent.payloads[listing.pk])
        unchanged = sent.hashes[listing.pk] == listing.last_pushed_hash and not listing.pending
        if sent.marks.get(listing.pk) is not None and unchanged:
            skipped.append(listing.pk)
        else:
            keep.append(listing)
    if skipped:
        opened = sync_events_open(
            job=job,
            listings=[lst for lst in listings if lst.pk in skipped],
            channel_id=job.channel_id,
            operation=SyncOperation.OFFERS,
            attempt=1,
        )
        _close_skipped(job, opened, "Nothing changed since the last push.")
    sent.settle(skipped, confirmed=False)
    return keep


def _listings_pending(job: SyncJob, listing_ids: Sequence[int]) -> list[Listing]:
    """The batch's listings that have no final outcome in this job yet (a redelivered batch skips the rest)."""
    done = set(
        SyncEvent.objects.filter(job=job, listing_id__in=listing_ids, is_final=True).values_list(
            "listing_id", flat=True
        )
    )
    return list(listings_payload_ready(Listing.objects.filter(pk__in=[pk for pk in listing_ids if pk not in done])))


def _offer_updates_open(
    job: SyncJob, listings: list[Listing], sent: _Sent
) -> tuple[list[OfferUpdate], dict[str, SyncEvent]]:
    """The offer update of each listing (stock only for a restock job) and its open event, by SKU; what is sent
    is recorded as pending (docs/sync.md#push-on-change, "Pending")."""
    stock_only = job.kind == SyncJobKind.RESTOCK
    updates: list[OfferUpdate] = []
    for listing in listings:
        payload = sent.payloads.get(listing.pk) or listing_payload(listing)
        sent.pending[listing.pk] = {"quantity": str(payload.quantity)}
        if not stock_only:
            sent.pending[listing.pk]["price"] = str(payload.price)
        if _sends_variants(listing, payload):
            variant_updates = _variant_updates(listing, payload, sent, stock_only=stock_only)
            updates += variant_updates
            if not variant_updates:
                sent.idle.append(listing.pk)
        else:
            updates.append(
                OfferUpdate(
                    sku=listing_sku(listing),
                    external_id=listing.external_id,
                    price=None if stock_only else payload.price,
                    quantity=payload.quantity,
                )
            )
    opened = sync_events_open(
        job=job, listings=listings, channel_id=job.channel_id, operation=SyncOperation.OFFERS, attempt=1
    )
    events = {listing_sku(listing): event for listing, event in zip(listings, opened, strict=True)}
    listings_pending_set(values=sent.pending)
    if stock_only:  # a restock does not send the price: the "offers" mark stays for a full price/stock update
        sent.marks = dict.fromkeys(sent.marks)
        sent.stock_only = True
    return updates, events


def _idle_skip(job: SyncJob, listings: list[Listing], events: dict[str, SyncEvent], sent: _Sent) -> list[Listing]:
    """Close the events of family listings with nothing to send (skipped); return the others."""
    idle = [events.pop(listing_sku(listing)) for listing in listings if listing.pk in sent.idle]
    _close_skipped(job, idle, "No variant's price or stock changed since it was last sent.")
    sent.settle(sent.idle, confirmed=False)
    return [lst for lst in listings if lst.pk not in sent.idle]


def _close_skipped(job: SyncJob, events: list[SyncEvent], message: str) -> None:
    started = time.monotonic()
    fields: EventClose = {"outcome": SyncOutcome.SKIPPED, "started": started, "is_final": True, "message": message}
    sync_events_close([(event, fields) for event in events])
    sync_job_count_many(job_id=job.pk, outcomes=[SyncOutcome.SKIPPED] * len(events))


def _sends_variants(listing: Listing, payload: Any) -> bool:
    """A family listing whose marketplace takes price and stock per child/model (docs/sync.md#variation-families)."""
    return (
        listing.variant_id is None
        and bool(payload.variants)
        and "variant_offers" in listing.channel.connector_class.capabilities
    )


def _variant_updates(listing: Listing, payload: Any, sent: _Sent, *, stock_only: bool) -> list[OfferUpdate]:
    """One update per variant whose price or stock differs from what was last sent for it: a change of one
    variant reaches only that child/model."""
    before = (listing.channel_payload or {}).get(VARIANT_OFFERS) or {}
    updates = []
    for variant in payload.variants:
        now = [str(variant.price), variant.quantity]
        last = before.get(variant.sku)
        if last is not None and (last[1] == now[1] if stock_only else last == now):
            continue
        sent.owner[variant.sku] = listing_sku(listing)
        sent.variant_offers.setdefault(listing.pk, {})[variant.sku] = (
            now
            if not stock_only
            else [
                (last or now)[0],
                now[1],
            ]
        )
        updates.append(
            OfferUpdate(
                sku=variant.sku,
                external_id=listing.external_id,
                price=None if stock_only else variant.price,
                quantity=variant.quantity,
                is_variant=True,
            )
        )
    return updates


def _by_listing(results: Sequence[ItemResult], sent: _Sent) -> list[ItemResult]:
    """The connector's per-variant results folded into one result per listing (failed if any variant failed);
    the variants that went through are recorded as last sent."""
    grouped: dict[str, list[ItemResult]] = {}
    for result in results:
        grouped.setdefault(sent.owner.get(result.sku, result.sku), []).append(result)
    folded = []
    for sku, rows in grouped.items():
        bad = [r for r in rows if not r.ok]
        if len(rows) == 1 and rows[0].sku == sku:
            folded.append(rows[0])
            continue
        message = "; ".join(f"{r.sku}: {r.message}" for r in bad)
        folded.append(ItemResult(sku, not bad, bad[0].error_code if bad else "", message))
    return folded


def _variant_offers_record(listings: list[Listing], results: Sequence[ItemResult], sent: _Sent) -> None:
    ok = {r.sku for r in results if r.ok}
    for listing in listings:
        offers = {sku: v for sku, v in sent.variant_offers.get(listing.pk, {}).items() if sku in ok}
        if offers:
            payload = dict(listing.channel_payload or {})
            payload[VARIANT_OFFERS] = {**(payload.get(VARIANT_OFFERS) or {}), **offers}
            listing_sync_fields_set(listing=listing, channel_payload=payload)


def _offer_results_record(
    job: SyncJob,
    listings: list[Listing],
    results: Sequence[ItemResult],
    events: dict[str, SyncEvent],
    started: float,
    sent: _Sent,
) -> None:
    """Close each item's event with the marketplace's answer for it; an item it did not answer for fails."""
    _variant_offers_record(listings, results, sent)
    results = _by_listing(results, sent)
    by_sku = {listing_sku(lst): lst for lst in listings}
    answered = {result.sku: result.ok for result in results if result.sku in events}
    sent.settle([lst.pk for sku, lst in by_sku.items() if answered.get(sku)], confirmed=True)
    sent.settle([lst.pk for sku, lst in by_sku.items() if answered.get(sku) is False], confirmed=False)
    closes: list[tuple[SyncEvent, EventClose]] = []
    for result in results:
        event = events.pop(result.sku, None)
        if event is None:
            continue
        outcome = SyncOutcome.SUCCEEDED if result.ok else SyncOutcome.REJECTED
        closes.append((event, {"outcome": outcome, "started": started, "is_final": True,
                               "error_code": result.error_code, "message": result.message}))  # fmt: skip
        if not result.ok:
            listing_sync_fields_set(
                listing=by_sku[result.sku], last_error_code=result.error_code[:64], last_error_message=result.message
            )
    unanswered: EventClose = {
        "outcome": SyncOutcome.FAILED,
        "started": started,
        "is_final": True,
        "message": "No result returned.",
    }
    closes += [(event, unanswered) for event in events.values()]
    closed = sync_events_close(closes)
    sync_job_count_many(job_id=job.pk, outcomes=[event.outcome for event in closed])


def _requeue(job: SyncJob, listing_ids: list[int], delay: float) -> None:
    with transaction.atomic():
        enqueue(
            sync_job_offers_batch_task,
            job.pk,
            listing_ids,
            group=f"sync-job-{job.pk}",
            delay=delay,
            priority=SYNC_JOB_PRIORITY.get(job.kind, 0),
        )


def _batch_failed(
    job: SyncJob, listings: list[Listing], events: list[SyncEvent], failure: Failure, sent: _Sent
) -> None:
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
    # Given up: the values are not pending any more and the mark goes (the error stays on the listing); a paused
    # channel keeps its marks for when it is active again.
    if failure.kind != SyncErrorKind.AUTH:
        sent.settle([lst.pk for lst in listings], confirmed=False)
    if failure.kind == SyncErrorKind.AUTH:
        connection.channel_auth_pause(job.channel)
    listings_sync_fields_set(
        listings=listings, last_error_code=failure.code[:64] or failure.kind, last_error_message=failure_text(failure)
    )
    sync_job_count_many(job_id=job.pk, outcomes=[final] * len(listings))
