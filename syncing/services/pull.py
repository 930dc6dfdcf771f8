"""Pull: read every remote listing of a channel, link unknown items by SKU, record snapshots and drift.

Drift is a field-level diff `{field: {"ours", "last_pushed", "remote"}}` for the fields a seller can change on
the marketplace (title, price, quantity). What happens next is the channel's conflict policy:
local wins -> re-push ours; remote wins -> take the remote values as our overrides; ask -> `out_of_sync`.
"""

import time
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from channels.choices import ChannelConflictPolicy
from channels.models import Channel
from common.actors import Actor
from common.enqueue import enqueue
from common.errors import ApplicationError
from listings.choices import ListingStatus
from listings.models import Listing
from listings.services import listing_update
from syncing.backoff import plan_retry
from syncing.choices import SyncErrorKind, SyncJobKind, SyncJobStatus, SyncOperation, SyncOutcome
from syncing.connectors.base import RemoteListing
from syncing.models import SyncEvent, SyncJob
from syncing.tasks import sync_job_pull_task

from . import connection
from .classify import failure_classify, failure_text
from .events import sync_event_close, sync_event_open
from .jobs import sync_job_create, sync_job_start
from .listing_bridge import listing_payload, listing_status_set, listing_sync_fields_set, payload_hash
from .push import push_chunks_enqueue

DRIFT_FIELDS = ("title", "price", "quantity")
MAX_PAGES = 10_000  # a guard against a marketplace that returns the same cursor forever


@transaction.atomic
def channel_listings_pull(*, channel: Channel, user: Actor = None) -> SyncJob:
    """Start a pull of every remote listing of `channel`; returns the job (one pull at a time per channel)."""
    if not channel.is_active:
        raise ApplicationError(f"Channel {channel} is paused; reconnect or activate it first.")
    running = SyncJob.objects.filter(
        channel=channel, kind=SyncJobKind.PULL, status__in=[SyncJobStatus.QUEUED, SyncJobStatus.RUNNING]
    ).first()
    if running is not None:
        raise ApplicationError(f"A pull of {channel} is already running (job #{running.pk}).")
    job = sync_job_create(channel=channel, kind=SyncJobKind.PULL, user=user)

    enqueue(sync_job_pull_task, job.pk, None, group=f"sync-job-{job.pk}")
    return job


def sync_job_pull(*, job_id: int, cursor: str | None = None) -> None:
    """Page through the channel from `cursor`; a failure reschedules the pull from the page that failed."""
    job = SyncJob.objects.select_related("channel").filter(pk=job_id).first()
    if job is None or not job.is_active:
        return
    sync_job_start(job=job)
    channel = job.channel
    connector = connection.connector_for(channel)
    repush: list[int] = []
    for _ in range(MAX_PAGES):
        event = sync_event_open(job=job, listing=None, channel_id=channel.pk, operation=SyncOperation.PULL, attempt=1)
        started = time.monotonic()
        try:
            page = connector.pull_listings(cursor)
        except Exception as exc:  # noqa: BLE001 - classified below
            failure = failure_classify(exc)
            sync_event_close(event=event, outcome=SyncOutcome.FAILED, started=started, failure=failure)
            _pull_failed(job, cursor, failure)
            break
        counts = _apply_page(job, channel, page.items, repush)
        sync_event_close(
            event=event, outcome=SyncOutcome.SUCCEEDED, started=started, detail={"cursor": cursor or "", **counts}
        )
        connection.channel_call_succeeded(channel)
        cursor = page.next_cursor
        if not cursor:
            _pull_finished(job)
            break
    if repush:
        with transaction.atomic():
            push_job = sync_job_create(
                channel=channel, kind=SyncJobKind.PUSH, listing_ids=repush, message=f"Our values win (pull #{job.pk})."
            )
            push_chunks_enqueue(job=push_job, listing_ids=repush)


def _apply_page(job: SyncJob, channel: Channel, items: Any, repush: list[int]) -> dict[str, int]:
    counts = {"items": 0, "linked": 0, "drifted": 0, "unmatched": 0}
    for remote in items:
        counts["items"] += 1
        listing, linked = _match(channel, remote)
        if listing is None:
            counts["unmatched"] += 1
            outcome = "skipped"
        else:
            counts["linked"] += int(linked)
            drifted = _record_remote(listing, remote, linked, repush)
            counts["drifted"] += int(drifted)
            outcome = "succeeded"
        SyncJob.objects.filter(pk=job.pk).update(
            total=F("total") + 1, processed=F("processed") + 1, **{outcome: F(outcome) + 1}, heartbeat_at=timezone.now()
        )
    return counts


def _match(channel: Channel, remote: RemoteListing) -> tuple[Listing | None, bool]:
    """Our listing for a remote item: by external id, else by SKU (auto-link, reported as linked)."""
    listings = Listing.objects.select_related("product", "variant", "channel").filter(channel=channel)
    listing = listings.filter(external_id=remote.external_id).first() if remote.external_id else None
    if listing is not None:
        return listing, False
    if not remote.sku:
        return None, False
    by_sku = listings.filter(external_id="").filter(
        Q(variant__isnull=True, product__sku__iexact=remote.sku) | Q(variant__sku__iexact=remote.sku)
    )
    listing = by_sku.first()
    if listing is None:
        return None, False
    listing_sync_fields_set(listing=listing, external_id=remote.external_id)
    return listing, True


def _as_text(value: Any, *, numeric: bool = False) -> str:
    """Comparable text: numbers canonical (19.9 == 19.90), so a re-formatted price is not drift."""
    if value is None:
        return ""
    if numeric:
        try:
            return format(Decimal(str(value)).normalize(), "f")
        except InvalidOperation:
            return str(value)
    return str(value).strip()


def listing_drift(*, ours: dict[str, Any], last_pushed: dict[str, Any] | None, remote: dict[str, Any]) -> dict:
    """Fields where the remote differs from what we last pushed (from ours if we never pushed)."""
    reference = last_pushed if last_pushed else ours
    drift: dict[str, dict[str, str]] = {}
    for name in DRIFT_FIELDS:
        if remote.get(name) is None:
            continue
        numeric = name != "title"
        if _as_text(remote[name], numeric=numeric) != _as_text(reference.get(name), numeric=numeric):
            drift[name] = {
                "ours": _as_text(ours.get(name), numeric=numeric),
                "last_pushed": _as_text((last_pushed or {}).get(name), numeric=numeric),
                "remote": _as_text(remote[name], numeric=numeric),
            }
    return drift


def _last_pushed(listing: Listing) -> dict[str, Any] | None:
    event = (
        SyncEvent.objects.filter(
            listing=listing, outcome=SyncOutcome.SUCCEEDED, operation__in=[SyncOperation.CREATE, SyncOperation.UPDATE]
        )
        .order_by("-pk")
        .only("detail")
        .first()
    )
    return (event.detail or {}).get("pushed") if event else None


def _record_remote(listing: Listing, remote: RemoteListing, linked: bool, repush: list[int]) -> bool:
    """Store the snapshot, compute drift, apply the channel's policy; True when the listing drifted."""
    payload = listing_payload(listing)
    ours = {"title": payload.title, "price": payload.price, "quantity": payload.quantity}
    remote_values = {"title": remote.title, "price": remote.price, "quantity": remote.quantity}
    snapshot = {
        **{k: _as_text(v, numeric=k != "title") for k, v in remote_values.items()},
        "status": remote.status,
        "raw_status": remote.raw_status,
    }
    drift = listing_drift(ours=ours, last_pushed=_last_pushed(listing), remote=remote_values)
    listing_sync_fields_set(listing=listing, remote_snapshot=snapshot, last_pulled_at=timezone.now(), drift=drift)
    if not drift:
        if listing.status == ListingStatus.IN_REVIEW and remote.status == "live":
            listing_status_set(listing=listing, status=ListingStatus.LIVE, reason="Review passed on the marketplace.")
        if linked:
            listing_sync_fields_set(listing=listing, last_pushed_hash=payload_hash(payload))
            listing_status_set(listing=listing, status=ListingStatus.LIVE, reason="Linked by SKU during a pull.")
        return False
    policy = listing.channel.conflict_policy
    if policy == ChannelConflictPolicy.LOCAL_WINS:
        listing_sync_fields_set(listing=listing, last_pushed_hash="")  # force the re-push past the hash check
        listing_status_set(listing=listing, status=ListingStatus.OUT_OF_SYNC, reason="Remote changed; ours wins.")
        repush.append(listing.pk)
    elif policy == ChannelConflictPolicy.REMOTE_WINS:
        listing_remote_accept(listing=listing)
    else:
        changed = ", ".join(sorted(drift))
        listing_status_set(
            listing=listing, status=ListingStatus.OUT_OF_SYNC, reason=f"Changed on the marketplace: {changed}."
        )
    return True


@transaction.atomic
def listing_remote_accept(*, listing: Listing, user: Actor = None) -> Listing:
    """Take the marketplace's values of the drifted fields as our overrides, and call the listing in sync."""
    drift = listing.drift or {}
    overrides: dict[str, Any] = {}
    for name, values in drift.items():
        remote = values.get("remote", "")
        if name == "price":
            overrides["price"] = Decimal(remote)
        elif name == "quantity":
            overrides["quantity"] = int(Decimal(remote))
        elif name == "title":
            overrides["title"] = remote
    if overrides:
        listing_update(listing=listing, user=user, **overrides)
    listing_sync_fields_set(listing=listing, drift={}, last_pushed_hash=payload_hash(listing_payload(listing)))
    listing_status_set(listing=listing, status=ListingStatus.LIVE, reason="Accepted the marketplace's values.")
    return listing


def _pull_failed(job: SyncJob, cursor: str | None, failure: Any) -> None:
    if failure.kind == SyncErrorKind.THROTTLED:
        connection.channel_throttled(job.channel, failure.retry_after)
        with transaction.atomic():
            enqueue(sync_job_pull_task, job.pk, cursor, delay=(failure.retry_after or 1.0) * 1.05 + 0.2)
        return
    failures = SyncEvent.objects.filter(job=job, operation=SyncOperation.PULL, outcome=SyncOutcome.FAILED).count()
    if failure.retryable:
        connection.channel_call_failed(job.channel)
        plan = plan_retry(failures, retry_after=failure.retry_after)
        if not plan.give_up:
            with transaction.atomic():
                enqueue(sync_job_pull_task, job.pk, cursor, delay=plan.delay)
            return
    if failure.kind == SyncErrorKind.AUTH:
        connection.channel_auth_pause(job.channel)
    SyncJob.objects.filter(pk=job.pk).update(
        status=SyncJobStatus.FAILED, finished_at=timezone.now(), message=f"Pull stopped: {failure_text(failure)}"
    )


def _pull_finished(job: SyncJob) -> None:
    pages = SyncEvent.objects.filter(job=job, operation=SyncOperation.PULL, outcome=SyncOutcome.SUCCEEDED)
    totals = {"items": 0, "linked": 0, "drifted": 0, "unmatched": 0}
    for detail in pages.values_list("detail", flat=True):
        for key in totals:
            totals[key] += int((detail or {}).get(key, 0))
    message = (
        f"Read {totals['items']} remote listings: {totals['linked']} linked by SKU, "
        f"{totals['drifted']} changed on the marketplace, {totals['unmatched']} not in our catalog."
    )
    SyncJob.objects.filter(pk=job.pk).update(
        status=SyncJobStatus.SUCCEEDED, finished_at=timezone.now(), message=message
    )
