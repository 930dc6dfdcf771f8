"""Pull: read the remote listings of a channel, link unknown items by SKU, record snapshots, drift and status.

A full pull reads every remote item; an incremental one only those the marketplace updated since the channel's
`pull_cursor` (the last remote update a pull saw, minus the channel's overlap), so repeating it changes nothing.
A refresh reads one listing. All three hand each item to the same code (docs/sync.md#pull-and-drift).

Drift is a field-level diff `{field: {"ours", "last_pushed", "remote"}}` for the fields a seller can change on
the marketplace (title, price, quantity). What happens next is the channel's conflict policy:
local wins -> re-push ours; remote wins -> take the remote values as our overrides (the local values it
discarded are kept in `discarded_change`, to push again with one click); ask -> `out_of_sync`.
The marketplace's status is applied by `remote_status.listing_remote_status_apply`. A pull that changes a
listing records an event in that listing's history.
"""

import time
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from channels.choices import ChannelConflictPolicy
from channels.models import Channel
from common import events
from common.actors import Actor
from common.changes import change_source
from common.enqueue import enqueue
from common.errors import ApplicationError
from listings.choices import ChangeType, ListingStatus
from listings.models import Listing
from listings.services import listing_update
from listings.versions import content_change
from syncing.backoff import plan_retry
from syncing.choices import SyncErrorKind, SyncJobKind, SyncJobStatus, SyncOperation, SyncOutcome
from syncing.connectors.base import NotFound, RemoteListing
from syncing.events import REMOTE_PRICES_OBSERVED, VERSION_MARKETPLACE
from syncing.models import SyncEvent, SyncJob
from syncing.tasks import sync_job_pull_task

from . import connection
from .classify import failure_classify, failure_text
from .events import sync_event_close, sync_event_open, sync_event_record
from .jobs import sync_job_create, sync_job_start
from .listing_bridge import listing_payload, listing_status_set, listing_sync_fields_set, payload_hash
from .push import push_chunks_enqueue
from .remote_status import ON_MARKETPLACE as ON_MARKETPLACE_STATUSES
from .remote_status import listing_remote_fields_set, listing_remote_status_apply, newest, remote_deleted

DRIFT_FIELDS = ("title", "price", "quantity")
MAX_PAGES = 10_000  # a guard against a marketplace that returns the same cursor forever
MISSING_CHECK_MAX = 200  # after a full pull, at most this many unseen listings are looked up one by one
FULL_MESSAGE = "Full pull: every remote listing."
INCREMENTAL_MESSAGE = "Incremental pull: listings updated on the marketplace since {since}."


def _active_pull(channel: Channel) -> SyncJob | None:
    """The channel-wide pull queued or running (a one-listing refresh is not one)."""
    return (
        SyncJob.objects.filter(channel=channel, kind=SyncJobKind.PULL, status__in=ACTIVE).filter(listing_ids=[]).first()
    )


ACTIVE = [SyncJobStatus.QUEUED, SyncJobStatus.RUNNING]


@transaction.atomic
def channel_listings_pull(*, channel: Channel, user: Actor = None, full: bool = True) -> SyncJob:
    """Start a pull of `channel` (one at a time per channel); returns the job.

    `full`: read every remote item (the daily reconcile). Otherwise read only the items updated since the
    channel's cursor; a channel that never finished a pull gets a full one.
    """
    if not channel.is_active:
        raise ApplicationError(f"Channel {channel} is paused; reconnect or activate it first.")
    running = _active_pull(channel)
    if running is not None:
        raise ApplicationError(f"A pull of {channel} is already running (job #{running.pk}).")
    since = None if full else channel.pull_cursor
    message = FULL_MESSAGE if since is None else INCREMENTAL_MESSAGE.format(since=since.isoformat())
    job = sync_job_create(channel=channel, kind=SyncJobKind.PULL, user=user, message=message)
    enqueue(sync_job_pull_task, job.pk, None, since.isoformat() if since else "", group=f"sync-job-{job.pk}")
    return job


def sync_job_pull(*, job_id: int, cursor: str | None = None, since: str = "") -> None:
    """Page through the channel from `cursor`; a failure reschedules the pull from the page that failed.

    `since` (ISO 8601, empty for a full pull) is fixed for the whole job: every page asks for the same window.
    """
    job = SyncJob.objects.select_related("channel").filter(pk=job_id).first()
    if job is None or not job.is_active:
        return
    if job.listing_ids:
        _listing_refresh(job)
        return
    sync_job_start(job=job)
    channel = job.channel
    connector = connection.connector_for(channel)
    updated_since = datetime.fromisoformat(since) if since else None
    repush: list[int] = []
    for _ in range(MAX_PAGES):
        event = sync_event_open(job=job, listing=None, channel_id=channel.pk, operation=SyncOperation.PULL, attempt=1)
        started = time.monotonic()
        try:
            page = connector.pull_listings(cursor, updated_since=updated_since)
        except Exception as exc:  # noqa: BLE001 - classified below
            failure = failure_classify(exc)
            sync_event_close(event=event, outcome=SyncOutcome.FAILED, started=started, failure=failure)
            _pull_failed(job, cursor, failure, since)
            break
        counts = _apply_page(job, channel, page.items, repush)
        seen = newest([remote.updated_at for remote in page.items])
        sync_event_close(
            event=event,
            outcome=SyncOutcome.SUCCEEDED,
            started=started,
            detail={"cursor": cursor or "", **counts, "newest": seen.isoformat() if seen else ""},
        )
        connection.channel_call_succeeded(channel)
        cursor = page.next_cursor
        if not cursor:
            if updated_since is None:
                _missing_checked(job, connector, repush)
            _pull_finished(job, full=updated_since is None)
            break
    if repush:
        with transaction.atomic():
            push_job = sync_job_create(
                channel=channel, kind=SyncJobKind.PUSH, listing_ids=repush, message=f"Our values win (pull #{job.pk})."
            )
            push_chunks_enqueue(job=push_job, listing_ids=repush)


def _apply_page(job: SyncJob, channel: Channel, items: Any, repush: list[int]) -> dict[str, int]:
    counts = {"items": 0, "linked": 0, "drifted": 0, "unmatched": 0, "status_changed": 0}
    for remote in items:
        counts["items"] += 1
        listing, linked = _match(channel, remote)
        if listing is None:
            counts["unmatched"] += 1
            outcome = "skipped"
        else:
            counts["linked"] += int(linked)
            drifted, status_changed = _apply_remote(job, listing, remote, linked, repush)
            counts["drifted"] += int(drifted)
            counts["status_changed"] += int(status_changed)
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


def as_text(value: Any, *, numeric: bool = False) -> str:
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
    """Fields where the remote differs from what we last pushed (from ours if we never pushed). A remote value
    equal to ours is no drift, whatever was pushed last: the marketplace already holds what we would send (its
    own sale took one unit off the stock, as our ledger did)."""
    reference = last_pushed if last_pushed else ours
    drift: dict[str, dict[str, str]] = {}
    for name in DRIFT_FIELDS:
        if remote.get(name) is None:
            continue
        numeric = name != "title"
        remote_text = as_text(remote[name], numeric=numeric)
        if remote_text == as_text(ours.get(name), numeric=numeric):
            continue
        if remote_text != as_text(reference.get(name), numeric=numeric):
            drift[name] = {
                "ours": as_text(ours.get(name), numeric=numeric),
                "last_pushed": as_text((last_pushed or {}).get(name), numeric=numeric),
                "remote": as_text(remote[name], numeric=numeric),
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


def _apply_remote(
    job: SyncJob, listing: Listing, remote: RemoteListing, linked: bool, repush: list[int]
) -> tuple[bool, bool]:
    """Drift and status of one remote item; a change is written to the listing's own history.

    Returns (drifted, status changed). Idempotent: the same remote item applied twice records one change.
    """
    before = (listing.status, dict(listing.drift or {}))
    with transaction.atomic():
        drifted = False
        if remote.status != "deleted":
            drifted = _record_remote(listing, remote, linked, repush)
        changes = listing_remote_status_apply(listing=listing, remote=remote)
        after = (listing.status, dict(listing.drift or {}))
        if after != before or changes:
            if after[1] != before[1] and after[1]:
                changes.insert(0, f"changed on the marketplace: {', '.join(sorted(after[1]))}")
            sync_event_record(
                job=job,
                listing=listing,
                channel_id=listing.channel_id,
                operation=SyncOperation.PULL,
                outcome=SyncOutcome.SUCCEEDED,
                is_final=True,
                message=("Read from the marketplace: " + "; ".join(changes))[:2000],
            )
    return drifted, after[0] != before[0]


def _record_remote(listing: Listing, remote: RemoteListing, linked: bool, repush: list[int]) -> bool:
    """Store the snapshot, compute drift, apply the channel's policy; True when the listing drifted."""
    payload = listing_payload(listing)
    ours = {"title": payload.title, "price": payload.price, "quantity": payload.quantity}
    remote_values = {"title": remote.title, "price": remote.price, "quantity": remote.quantity}
    snapshot: dict[str, Any] = {
        **{k: as_text(v, numeric=k != "title") for k, v in remote_values.items()},
        "status": remote.status,
        "raw_status": remote.raw_status,
    }
    if remote.variants:  # a family's children / models (docs/sync.md#variation-families)
        snapshot["variants"] = {
            v.sku: {"price": as_text(v.price, numeric=True), "quantity": as_text(v.quantity, numeric=True)}
            for v in remote.variants
        }
    drift = listing_drift(ours=ours, last_pushed=_last_pushed(listing), remote=remote_values)
    now = timezone.now()
    listing_sync_fields_set(listing=listing, remote_snapshot=snapshot, last_pulled_at=now, drift=drift)
    events.publish(REMOTE_PRICES_OBSERVED, prices={listing.pk: remote.price}, at=now)  # the price history
    if not drift:
        if listing.status == ListingStatus.IN_REVIEW and remote.status == "live":
            listing_status_set(listing=listing, status=ListingStatus.LIVE, reason="Review passed on the marketplace.")
        if linked:
            listing_sync_fields_set(listing=listing, last_pushed_hash=payload_hash(payload))
            listing_status_set(listing=listing, status=ListingStatus.LIVE, reason="Linked by SKU during a pull.")
        return False
    policy = listing.channel.conflict_policy
    if listing.status not in (ListingStatus.LIVE, ListingStatus.IN_REVIEW, ListingStatus.OUT_OF_SYNC):
        return True  # drift recorded; a suppressed, paused or failed listing is not re-pushed or overwritten
    if policy == ChannelConflictPolicy.LOCAL_WINS:
        listing_sync_fields_set(listing=listing, last_pushed_hash="")  # force the re-push past the hash check
        listing_status_set(listing=listing, status=ListingStatus.OUT_OF_SYNC, reason="Remote changed; ours wins.")
        repush.append(listing.pk)
    elif policy == ChannelConflictPolicy.REMOTE_WINS:
        _discarded_record(listing, drift)
        listing_remote_accept(listing=listing)
    else:
        changed = ", ".join(sorted(drift))
        listing_status_set(
            listing=listing, status=ListingStatus.OUT_OF_SYNC, reason=f"Changed on the marketplace: {changed}."
        )
    return True


def _discarded_record(listing: Listing, drift: dict[str, dict[str, str]]) -> None:
    """Remember the local values the marketplace's win replaces ({field: {ours, remote, at, override}}).

    `override` is the listing's own override before the marketplace's value replaced it (None: the value came
    from the product and the channel rules), so pushing it again restores exactly what we had.
    """
    at = timezone.now().isoformat()
    discarded = dict(listing.discarded_change or {})
    for name, values in drift.items():
        if values.get("ours") != values.get("remote") and name not in discarded:
            before = getattr(listing, name, None)
            discarded[name] = {
                "ours": values.get("ours", ""),
                "remote": values.get("remote", ""),
                "at": at,
                "override": None if before is None else str(before),
            }
    if discarded != (listing.discarded_change or {}):
        listing_remote_fields_set(listing=listing, discarded_change=discarded)


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
        channel = listing.channel
        # the price history names the marketplace as the source; a content version records the edit as the
        # marketplace's (docs/catalog.md#versions)
        with (
            change_source("sync"),
            content_change(
                change_type=ChangeType.MARKETPLACE,
                source=f"{channel.name} ({channel.get_marketplace_display()})",
                reason=f"Accepted the marketplace's values: {', '.join(sorted(overrides))}.",
            ),
        ):
            listing_update(listing=listing, user=user, **overrides)
        if "title" in overrides:
            events.publish(
                VERSION_MARKETPLACE, listing_id=listing.pk, channel_id=channel.pk, fields=sorted(overrides), user=user
            )
    listing_sync_fields_set(listing=listing, drift={}, last_pushed_hash=payload_hash(listing_payload(listing)))
    listing_status_set(listing=listing, status=ListingStatus.LIVE, reason="Accepted the marketplace's values.")
    return listing


@transaction.atomic
def listing_discarded_push_again(*, listing: Listing, user: Actor = None) -> SyncJob:
    """ "Push my value again": make the local values a pull discarded ours again and publish them; returns the job.

    Each field gets back the override it had before the marketplace's value replaced it (none: the product and
    the channel rules decide again); a record without that note makes the discarded value the override.
    `discarded_change` is cleared, and the listing is published like any other change.
    """
    from .publish import listings_publish  # publish imports push, which this module also uses

    discarded = dict(listing.discarded_change or {})
    if not discarded:
        raise ApplicationError("No local change was discarded on this listing: there is nothing to push again.")
    overrides: dict[str, Any] = {}
    for name, values in discarded.items():
        values = values or {}
        if "override" in values and values["override"] is None:
            if name in ("price", "quantity", "title"):
                overrides[name] = None
            continue
        ours = str(values.get("override") if values.get("override") is not None else values.get("ours", ""))
        try:
            if name == "price":
                overrides["price"] = Decimal(ours)
            elif name == "quantity":
                overrides["quantity"] = int(Decimal(ours))
            elif name == "title" and ours:
                overrides["title"] = ours
        except (InvalidOperation, ValueError):
            raise ApplicationError(f"The discarded {name} {ours!r} is not a valid value any more.") from None
    if overrides:
        listing_update(listing=listing, user=user, **overrides)
    listing_remote_fields_set(listing=listing, discarded_change={})
    return listings_publish(channel=listing.channel, listing_ids=[listing.pk], user=user)


def _pull_failed(job: SyncJob, cursor: str | None, failure: Any, since: str = "") -> None:
    if failure.kind == SyncErrorKind.THROTTLED:
        connection.channel_throttled(job.channel, failure.retry_after)
        with transaction.atomic():
            enqueue(sync_job_pull_task, job.pk, cursor, since, delay=(failure.retry_after or 1.0) * 1.05 + 0.2)
        return
    failures = SyncEvent.objects.filter(job=job, operation=SyncOperation.PULL, outcome=SyncOutcome.FAILED).count()
    if failure.retryable:
        connection.channel_call_failed(job.channel)
        plan = plan_retry(failures, retry_after=failure.retry_after)
        if not plan.give_up:
            with transaction.atomic():
                enqueue(sync_job_pull_task, job.pk, cursor, since, delay=plan.delay)
            return
    if failure.kind == SyncErrorKind.AUTH:
        connection.channel_auth_pause(job.channel)
    SyncJob.objects.filter(pk=job.pk).update(
        status=SyncJobStatus.FAILED, finished_at=timezone.now(), message=f"Pull stopped: {failure_text(failure)}"
    )


def _missing_checked(job: SyncJob, connector: Any, repush: list[int]) -> None:
    """After a full pull: the published listings it did not see are looked up; those gone are deleted remotely."""
    started = job.started_at or job.created_at
    unseen = (
        Listing.objects.select_related("product", "variant", "channel")
        .filter(channel=job.channel, status__in=list(ON_MARKETPLACE_STATUSES))
        .exclude(external_id="")
        .filter(Q(last_pulled_at__isnull=True) | Q(last_pulled_at__lt=started))
        .order_by("pk")[:MISSING_CHECK_MAX]
    )
    for listing in unseen:
        try:
            remote = connector.get_listing(listing.external_id)
        except NotFound:
            remote = remote_deleted(listing)
        except Exception:  # noqa: BLE001 - a lookup failure leaves the listing for the next full pull
            continue
        _apply_remote(job, listing, remote, False, repush)


def _cursor_advance(job: SyncJob) -> datetime | None:
    """The newest remote update the job saw (from its page events)."""
    pages = SyncEvent.objects.filter(job=job, operation=SyncOperation.PULL, outcome=SyncOutcome.SUCCEEDED)
    seen = [str((d or {}).get("newest") or "") for d in pages.values_list("detail", flat=True)]
    return newest([datetime.fromisoformat(text) for text in seen if text])


def _pull_finished(job: SyncJob, *, full: bool = True) -> None:
    pages = SyncEvent.objects.filter(
        job=job, operation=SyncOperation.PULL, outcome=SyncOutcome.SUCCEEDED, listing__isnull=True
    )
    totals = {"items": 0, "linked": 0, "drifted": 0, "unmatched": 0, "status_changed": 0}
    for detail in pages.values_list("detail", flat=True):
        for key in totals:
            totals[key] += int((detail or {}).get(key, 0))
    kind = "Full pull" if full else "Incremental pull"
    message = (
        f"{kind}: read {totals['items']} remote listings: {totals['linked']} linked by SKU, "
        f"{totals['drifted']} changed on the marketplace, {totals['status_changed']} changed status, "
        f"{totals['unmatched']} not in our catalog."
    )
    now = timezone.now()
    with transaction.atomic():
        SyncJob.objects.filter(pk=job.pk).update(status=SyncJobStatus.SUCCEEDED, finished_at=now, message=message)
        channel = Channel.objects.select_for_update().get(pk=job.channel_id)
        seen = _cursor_advance(job)
        fields: dict[str, Any] = {}
        if seen is not None:
            cursor = seen - timedelta(minutes=channel.pull_overlap_minutes)
            if channel.pull_cursor is None or cursor > channel.pull_cursor:
                fields["pull_cursor"] = cursor
        if full:
            fields["last_full_pull_at"] = job.started_at or now
        if fields:
            Channel.objects.filter(pk=channel.pk).update(**fields)


# --- one listing: "Refresh from marketplace" ---


@transaction.atomic
def listing_remote_refresh(*, listing: Listing, user: Actor = None) -> SyncJob:
    """Read one listing back from its marketplace now (status, issues, values); returns the job."""
    channel = listing.channel
    if not channel.is_active:
        raise ApplicationError(f"Channel {channel} is paused; reconnect or activate it first.")
    if not listing.external_id:
        raise ApplicationError("This listing was never published on the marketplace: there is nothing to refresh.")
    running = (
        SyncJob.objects.filter(channel=channel, kind=SyncJobKind.PULL, status__in=ACTIVE)
        .filter(listing_ids=[listing.pk])
        .first()
    )
    if running is not None:
        raise ApplicationError(f"A refresh of this listing is already running (job #{running.pk}).")
    job = sync_job_create(
        channel=channel,
        kind=SyncJobKind.PULL,
        listing_ids=[listing.pk],
        user=user,
        message=f"Refresh of listing #{listing.pk} from the marketplace.",
    )
    enqueue(sync_job_pull_task, job.pk, None, "", group=f"sync-job-{job.pk}")
    return job


def _listing_refresh(job: SyncJob) -> None:
    """Read the job's one listing (get_listing); gone on the marketplace = deleted there."""
    sync_job_start(job=job)
    listing = Listing.objects.select_related("product", "variant", "channel").filter(pk=job.listing_ids[0]).first()
    if listing is None or not listing.external_id:
        SyncJob.objects.filter(pk=job.pk).update(
            status=SyncJobStatus.FAILED, finished_at=timezone.now(), message="The listing is gone or unpublished."
        )
        return
    connector = connection.connector_for(job.channel)
    event = sync_event_open(
        job=job, listing=listing, channel_id=job.channel_id, operation=SyncOperation.PULL, attempt=1
    )
    started = time.monotonic()
    try:
        remote = connector.get_listing(listing.external_id)
    except NotFound:
        remote = remote_deleted(listing)
    except Exception as exc:  # noqa: BLE001 - classified below
        failure = failure_classify(exc)
        sync_event_close(event=event, outcome=SyncOutcome.FAILED, started=started, failure=failure, is_final=True)
        SyncJob.objects.filter(pk=job.pk).update(
            status=SyncJobStatus.FAILED,
            finished_at=timezone.now(),
            processed=1,
            failed=1,
            message=f"Refresh failed: {failure_text(failure)}",
        )
        return
    repush: list[int] = []
    drifted, status_changed = _apply_remote(job, listing, remote, False, repush)
    sync_event_close(
        event=event,
        outcome=SyncOutcome.SUCCEEDED,
        started=started,
        is_final=True,
        external_id=remote.external_id,
        message=f"Marketplace status {remote.raw_status or remote.status}.",
        detail={"drifted": int(drifted), "status_changed": int(status_changed)},
    )
    connection.channel_call_succeeded(job.channel)
    SyncJob.objects.filter(pk=job.pk).update(
        status=SyncJobStatus.SUCCEEDED,
        finished_at=timezone.now(),
        processed=1,
        succeeded=1,
        message=f"Refreshed listing #{listing.pk}: marketplace status {remote.raw_status or remote.status}.",
    )
    if repush:
        with transaction.atomic():
            push_job = sync_job_create(
                channel=job.channel, kind=SyncJobKind.PUSH, listing_ids=repush, message=f"Our values win (#{job.pk})."
            )
            push_chunks_enqueue(job=push_job, listing_ids=repush)
