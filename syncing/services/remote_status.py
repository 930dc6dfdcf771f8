"""The marketplace's own word on a listing: normalised remote status, issues, ids, and what it confirms.

A pull or a refresh hands every remote item to `listing_remote_status_apply`, which stores what the marketplace
says and moves the listing through the state machine (docs/sync.md#remote-status):

    rejected   -> error       with the marketplace's reasons
    suppressed -> suppressed  with its issues and their fix
    inactive   -> paused      "deactivated on the marketplace"
    deleted    -> delisted    (the external id is released, so publishing again creates a new item)
    live       -> live        from in review (review passed) or suppressed (issue resolved)
    unknown    -> no move; the raw status is stored, shown and logged

It also confirms pending values: a pending key whose value the marketplace now shows, or any pending key once the
marketplace shows the item live after our push, is no longer pending.
"""

import logging
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from common.errors import ApplicationError
from common.events import publish as publish_event
from listings.choices import ListingStatus, RemoteStatus
from listings.models import Listing
from listings.state import ALLOWED_TRANSITIONS
from syncing.connectors.base import RemoteListing
from syncing.events import LISTING_SUPPRESSED

from .listing_bridge import listing_status_set, listing_sync_fields_set

logger = logging.getLogger(__name__)

REMOTE_FIELDS = frozenset(
    {
        "remote_status",
        "remote_raw_status",
        "remote_issues",
        "remote_updated_at",
        "marketplace_ids",
        "pending",
        "pending_since",
        "discarded_change",
    }
)
# Statuses whose listing is (or was) on the marketplace: the remote status may move them.
ON_MARKETPLACE = frozenset(
    {
        ListingStatus.LIVE,
        ListingStatus.IN_REVIEW,
        ListingStatus.SUPPRESSED,
        ListingStatus.OUT_OF_SYNC,
        ListingStatus.PAUSED,
        ListingStatus.ERROR,
    }
)
COMPARABLE = ("title", "price", "quantity")  # pending keys a remote item shows a value for


def listing_remote_fields_set(*, listing: Listing, **fields: Any) -> Listing:
    """Write the remote-status fields (and pending / discarded change) in one UPDATE, like listing_sync_fields_set."""
    unknown = sorted(set(fields) - REMOTE_FIELDS)
    if unknown:
        raise ValueError(f"Not listing remote fields: {', '.join(unknown)}.")
    Listing.objects.filter(pk=listing.pk).update(**fields, updated_at=timezone.now())
    for name, value in fields.items():
        setattr(listing, name, value)
    return listing


def ids_merged(listing: Listing, ids: Any) -> dict[str, str]:
    return {**(listing.marketplace_ids or {}), **{k: str(v) for k, v in dict(ids).items() if v}}


def issue_text(issues: Any) -> str:
    """One line naming the marketplace's reasons ("code: message; ...")."""
    parts = []
    for issue in issues or []:
        message = str(issue.get("message") or "").strip()
        code = str(issue.get("code") or "").strip()
        parts.append(f"{code}: {message}" if code and message else message or code)
    return "; ".join(p for p in parts if p)


def _status_move(listing: Listing, remote: RemoteListing) -> tuple[str, str] | None:
    """(target status, reason) the remote status asks for, or None when the listing stays where it is."""
    current = listing.status
    if current not in ON_MARKETPLACE:
        return None  # not published yet, or a push is under way: the push answer decides
    reasons = issue_text(remote.issues)
    status = remote.status
    if status == RemoteStatus.REJECTED and current != ListingStatus.ERROR:
        return ListingStatus.ERROR, f"Rejected by the marketplace: {reasons or remote.raw_status}."
    if status == RemoteStatus.SUPPRESSED and current != ListingStatus.SUPPRESSED:
        return ListingStatus.SUPPRESSED, f"Suppressed by the marketplace: {reasons or remote.raw_status}."
    if status == RemoteStatus.INACTIVE and current not in (ListingStatus.PAUSED,):
        return ListingStatus.PAUSED, f"Deactivated on the marketplace ({remote.raw_status})."
    if status == RemoteStatus.DELETED:
        return ListingStatus.DELISTED, "Deleted on the marketplace."
    if status == RemoteStatus.LIVE:
        if current in (ListingStatus.IN_REVIEW, ListingStatus.SUPPRESSED):
            reason = "Review passed on the marketplace." if current == ListingStatus.IN_REVIEW else "Issue resolved."
            return ListingStatus.LIVE, reason
        changed_at = listing.status_changed_at
        reactivated = remote.updated_at is not None and (changed_at is None or remote.updated_at > changed_at)
        if current == ListingStatus.PAUSED and reactivated:
            return ListingStatus.LIVE, "Reactivated on the marketplace."
    return None


def _confirmed(listing: Listing, remote: RemoteListing) -> dict[str, str]:
    """`pending` without the keys the marketplace now confirms."""
    pending = dict(listing.pending or {})
    if not pending:
        return pending
    from .pull import as_text  # the pull's comparison rules (19.9 == 19.90)

    shown = {"title": remote.title, "price": remote.price, "quantity": remote.quantity}
    for key in list(pending):
        if key in COMPARABLE and shown.get(key) is not None:
            numeric = key != "title"
            if as_text(shown[key], numeric=numeric) == as_text(pending[key], numeric=numeric):
                del pending[key]
        elif key not in COMPARABLE and remote.status == RemoteStatus.LIVE and _after_pending(listing, remote):
            del pending[key]
    return pending


def _after_pending(listing: Listing, remote: RemoteListing) -> bool:
    """True when the marketplace updated the item after we sent the pending values (or says nothing of when)."""
    return remote.updated_at is None or listing.pending_since is None or remote.updated_at >= listing.pending_since


def listing_remote_status_apply(*, listing: Listing, remote: RemoteListing) -> list[str]:
    """Store what the marketplace says about `listing` and follow its status; returns what changed (for history)."""
    changes: list[str] = []
    if remote.status not in RemoteStatus.values or remote.status == RemoteStatus.UNKNOWN:
        logger.warning(
            "listing %s: marketplace status %r (raw %r) is not one we know; stored raw, status unchanged",
            listing.pk,
            remote.status,
            remote.raw_status,
        )
        status: str = RemoteStatus.UNKNOWN
    else:
        status = remote.status
    fields: dict[str, Any] = {
        "remote_status": status,
        "remote_raw_status": str(remote.raw_status)[:64],
        "remote_issues": [dict(issue) for issue in remote.issues],
        "remote_updated_at": remote.updated_at,
        "marketplace_ids": ids_merged(listing, remote.marketplace_ids),
    }
    if (listing.remote_status, listing.remote_raw_status) != (status, fields["remote_raw_status"]):
        changes.append(f"marketplace status {fields['remote_raw_status'] or status}")
    pending = _confirmed(listing, remote)
    if pending != (listing.pending or {}):
        confirmed = sorted(set(listing.pending or {}) - set(pending))
        changes.append(f"confirmed {', '.join(confirmed)}")
        fields["pending"] = pending
        if not pending:
            fields["pending_since"] = None
    listing_remote_fields_set(listing=listing, **fields)
    move = _status_move(listing, remote) if status != RemoteStatus.UNKNOWN else None
    if move is not None and move[0] not in ALLOWED_TRANSITIONS.get(listing.status, ()):
        # e.g. a listing we paused that the marketplace now rejects: keep ours, the stored remote status tells
        logger.info("listing %s: remote status %s does not move %s", listing.pk, status, listing.status)
        move = None
    if move is not None:
        try:
            with transaction.atomic():
                _move(listing, *move)
        except ApplicationError as exc:  # never let one listing stop a pull: keep what the marketplace said
            logger.warning("listing %s: could not follow remote status %s: %s", listing.pk, status, exc.message)
            listing.refresh_from_db()  # the rolled-back writes
            changes.append(f"status not changed: {exc.message}")
        else:
            changes.append(f"status {move[0]}: {move[1]}")
    return changes


def _move(listing: Listing, target: str, reason: str) -> None:
    """Follow the marketplace: the error text of a rejection, the released id of a deletion, then the status."""
    if target == ListingStatus.ERROR:
        listing_sync_fields_set(listing=listing, last_error_code="remote_rejected", last_error_message=reason[:2000])
    if target == ListingStatus.DELISTED and listing.external_id:
        ids = {**listing.marketplace_ids, "deleted_external_id": listing.external_id}
        listing_remote_fields_set(listing=listing, marketplace_ids=ids)
        listing_sync_fields_set(listing=listing, external_id="", last_pushed_hash="")
    listing_status_set(listing=listing, status=target, reason=reason)
    if target in (ListingStatus.SUPPRESSED, ListingStatus.ERROR):
        publish_event(
            LISTING_SUPPRESSED, listing_id=listing.pk, channel_id=listing.channel_id, status=target, reason=reason
        )


def remote_deleted(listing: Listing, *, raw_status: str = "NOT_FOUND") -> RemoteListing:
    """The remote view of an item the marketplace no longer has."""
    return RemoteListing(
        external_id=listing.external_id,
        sku="",
        title="",
        price=None,
        quantity=None,
        status=RemoteStatus.DELETED,
        raw_status=raw_status,
        updated_at=None,
    )


def newest(moments: list[datetime | None]) -> datetime | None:
    known = [m for m in moments if m is not None]
    return max(known) if known else None
