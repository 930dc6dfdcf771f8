"""Take listings off sale on the marketplace: pause (inactive there, status paused), delist (inactive there,
status delisted) or delete (removed there, status delisted, external id forgotten).

The status only follows the marketplace's answer (docs/sync.md#deactivation): a listing keeps its status until
the call succeeded; a refused deactivation leaves it where it was, with the marketplace's message.
"""

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from channels.models import Channel
from common.actors import Actor
from common.enqueue import enqueue
from common.errors import ApplicationError
from listings.choices import ListingStatus
from listings.models import Listing
from syncing.choices import SyncJobKind, SyncOperation, SyncOutcome
from syncing.connectors.base import NotFound
from syncing.models import SyncJob
from syncing.selectors import listings_on_marketplace
from syncing.tasks import sync_job_deactivate_chunk_task, sync_listing_deactivate_task

from . import connection
from .classify import failure_classify
from .events import attempt_history, sync_event_close, sync_event_open, sync_events_interrupt_stale
from .jobs import sync_job_count, sync_job_create, sync_job_final_outcome_exists, sync_job_start
from .leases import listing_lease_claim, listing_lease_release, listing_lease_remaining
from .listing_bridge import listing_status_set, listing_sync_fields_set
from .publish import listing_selection
from .push import PUSH_CHUNK_SIZE
from .push_failure import after_failure


@dataclass(frozen=True)
class DeactivateMode:
    """What a deactivation asks of the marketplace and which status the listing takes once it answered yes."""

    code: str
    label: str  # also the first line of the job's message, which is how a retry finds the mode again
    status: str
    deletes: bool = False


DEACTIVATE_MODES: dict[str, DeactivateMode] = {
    mode.code: mode
    for mode in (
        DeactivateMode("delist", "Deactivate on the marketplace", ListingStatus.DELISTED),
        DeactivateMode("pause", "Pause on the marketplace", ListingStatus.PAUSED),
        DeactivateMode("delete", "Delete from the marketplace", ListingStatus.DELISTED, deletes=True),
    )
}
DEFAULT_MODE = "delist"


def deactivate_mode(code: str) -> DeactivateMode:
    try:
        return DEACTIVATE_MODES[code]
    except KeyError:
        known = ", ".join(DEACTIVATE_MODES)
        raise ApplicationError(f"Unknown deactivation {code!r}; use one of: {known}.") from None


def job_deactivate_mode(job: SyncJob) -> DeactivateMode:
    """The mode a deactivation job was started with (its message starts with the mode's label)."""
    first = (job.message or "").split("\n", 1)[0]
    return next((m for m in DEACTIVATE_MODES.values() if first.startswith(m.label)), DEACTIVATE_MODES[DEFAULT_MODE])


def _targets(selected: QuerySet[Listing], mode: DeactivateMode, *, explicit: bool) -> list[int]:
    """Ids of the selected listings the marketplace holds. Chosen one by one, a listing already delisted (or
    paused) here is sent again: our status may be wrong (set by hand before this rule), and a repeated
    deactivation is harmless. Chosen by filter, listings already in the target status are left out."""
    on_marketplace = selected.exclude(external_id="")
    if not explicit:
        on_marketplace = listings_on_marketplace(on_marketplace)
    if mode.status == ListingStatus.PAUSED or not explicit:
        on_marketplace = on_marketplace.exclude(status__in=[mode.status, ListingStatus.DELISTED])
    return list(on_marketplace.order_by("pk").values_list("pk", flat=True))


@transaction.atomic
def listings_deactivate(
    *,
    channel: Channel,
    listing_ids: Sequence[int] | None = None,
    filters: Mapping[str, Any] | None = None,
    mode: str = DEFAULT_MODE,
    user: Actor = None,
) -> SyncJob:
    """Deactivate (or pause, or delete) the chosen listings on the marketplace in the background; returns the job."""
    chosen = deactivate_mode(mode)
    if not channel.is_active:
        raise ApplicationError(f"Channel {channel} is paused; reconnect or activate it first.")
    selected = listing_selection(channel=channel, listing_ids=listing_ids, filters=filters)
    ids = _targets(selected, chosen, explicit=listing_ids is not None)
    if not ids:
        raise ApplicationError(
            f"Nothing to {chosen.label.lower()} on {channel.name}: none of these listings is on the marketplace "
            "(no external id yet, or already taken off).",
            extra={"code": "not_on_marketplace"},
        )
    job = sync_job_create(
        channel=channel, kind=SyncJobKind.DEACTIVATE, listing_ids=ids, message=f"{chosen.label}.", user=user
    )
    for start in range(0, len(ids), PUSH_CHUNK_SIZE):
        enqueue(
            sync_job_deactivate_chunk_task, job.pk, ids[start : start + PUSH_CHUNK_SIZE], group=f"sync-job-{job.pk}"
        )
    return job


@dataclass(frozen=True)
class ChannelDeactivateResult:
    """One channel's part of a deactivation across channels: its job, or why it refused."""

    channel: Channel
    listing_ids: list[int]
    job: SyncJob | None = None
    error: ApplicationError | None = None


def listings_deactivate_grouped(
    *, listings: Sequence[Listing], mode: str = DEFAULT_MODE, user: Actor = None
) -> list[ChannelDeactivateResult]:
    """Deactivate listings of several channels: one job per channel; a channel that refuses does not stop the
    others (each channel in its own transaction)."""
    by_channel: dict[int, list[Listing]] = {}
    for listing in listings:
        by_channel.setdefault(listing.channel_id, []).append(listing)
    results = []
    for group in by_channel.values():
        channel, ids = group[0].channel, [listing.pk for listing in group]
        try:
            job = listings_deactivate(channel=channel, listing_ids=ids, mode=mode, user=user)
        except ApplicationError as exc:
            results.append(ChannelDeactivateResult(channel=channel, listing_ids=ids, error=exc))
        else:
            results.append(ChannelDeactivateResult(channel=channel, listing_ids=ids, job=job))
    return results


def product_listings_deactivate(
    *, product_ids: Sequence[int], mode: str = DEFAULT_MODE, user: Actor = None
) -> list[ChannelDeactivateResult]:
    """ "Delist everywhere": every listing of these products that the marketplaces hold, one job per channel."""
    listings = listings_on_marketplace(Listing.objects.filter(product_id__in=product_ids)).select_related("channel")
    return listings_deactivate_grouped(listings=list(listings.order_by("channel_id", "pk")), mode=mode, user=user)


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
    """Deactivate one listing (idempotent: a listing already done in this job is left alone)."""
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
        return _deactivate_leased(job, listing)
    finally:
        listing_lease_release(listing_id=listing_id, token=token)


def _deactivate_leased(job: SyncJob, listing: Listing) -> str | None:
    mode = job_deactivate_mode(job)
    sync_events_interrupt_stale(listing_id=listing.pk)
    wait = connection.channel_token_acquire(listing.channel)
    if wait:
        with transaction.atomic():
            enqueue(sync_listing_deactivate_task, job.pk, listing.pk, delay=wait)
        return None
    attempt = attempt_history(job_id=job.pk, listing_id=listing.pk).attempts + 1
    event = sync_event_open(
        job=job, listing=listing, channel_id=listing.channel_id, operation=SyncOperation.DEACTIVATE, attempt=attempt
    )
    started = time.monotonic()
    reason = f"{mode.label}: done."
    try:
        connector = connection.connector_for(listing.channel)
        if mode.deletes:
            connector.delete_listing(listing.external_id)
        else:
            connector.deactivate_listing(listing.external_id)
    except NotFound:
        # The marketplace no longer has the item: off sale either way, and our status says so.
        reason, mode = "The marketplace no longer has this item.", DEACTIVATE_MODES["delete"]
    except Exception as exc:  # noqa: BLE001 - classified and acted on
        failure = failure_classify(exc)
        event = sync_event_close(event=event, outcome=SyncOutcome.FAILED, started=started, failure=failure)
        return after_failure(job, listing, SyncOperation.DEACTIVATE, failure, event=event)
    sync_event_close(event=event, outcome=SyncOutcome.SUCCEEDED, started=started, is_final=True, message=reason)
    connection.channel_call_succeeded(listing.channel)
    with transaction.atomic():
        cleared = {"external_id": "", "external_url": ""} if mode.deletes else {}
        listing_sync_fields_set(listing=listing, last_error_code="", last_error_message="", **cleared)
        listing_status_set(listing=listing, status=mode.status, reason=reason)
    sync_job_count(job_id=job.pk, outcome=SyncOutcome.SUCCEEDED)
    return SyncOutcome.SUCCEEDED


def product_archiving_listings_check(*, product: Any, user: Actor = None, deactivate_listings: bool = False) -> None:
    """The catalog's PRODUCT_ARCHIVING handler: a product on a marketplace is archived only with its listings
    deactivated there, never silently left for sale (docs/sync.md#deactivation)."""
    held = list(listings_on_marketplace(Listing.objects.filter(product_id=product.pk)).select_related("channel"))
    if not held:
        return
    names = sorted({listing.channel.name for listing in held})
    channels = [{"id": cid, "name": name} for cid, name in sorted({(x.channel_id, x.channel.name) for x in held})]
    if not deactivate_listings:
        raise ApplicationError(
            f"{product.sku} is on {', '.join(names)}: archiving it alone would leave it for sale there. Archive "
            'it with its listings deactivated (API: "deactivate_listings": true), or delist it first.',
            extra={"code": "live_listings", "channels": channels},
        )
    refused = [r for r in listings_deactivate_grouped(listings=held, user=user) if r.error is not None]
    if refused:
        reasons = "; ".join(f"{r.channel.name}: {r.error.message}" for r in refused if r.error)
        raise ApplicationError(
            f"{product.sku} was not archived: its listings could not be deactivated ({reasons}).",
            extra={"code": "deactivation_refused", "channels": channels},
        )


def products_archiving_check(*, product_ids: Sequence[int], refusals: dict[int, str]) -> None:
    """The catalog's PRODUCTS_ARCHIVING_CHECK handler (an import archiving products): each product a marketplace
    still holds gets the channels it is on."""
    held = listings_on_marketplace(Listing.objects.filter(product_id__in=product_ids)).select_related("channel")
    channels: dict[int, set[str]] = {}
    for listing in held:
        channels.setdefault(listing.product_id, set()).add(listing.channel.name)
    for product_id, names in channels.items():
        refusals[product_id] = f"The product is on {', '.join(sorted(names))}"
