"""The few calls the sync engine makes into the channels/listings apps, in one place.

Statuses change only through the listings state machine, sync fields only through `listing_sync_state_set`,
and payloads are built by the listings selectors.
"""

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from channels.models import Channel
from channels.services import channel_set_credentials
from common.errors import ApplicationError
from listings.models import Listing
from listings.readiness import listing_readiness
from listings.selectors import listing_marketplace_payload, listing_payload_hash, listings_with_payload_inputs
from listings.services import SYNC_FIELDS
from listings.state import ALLOWED_TRANSITIONS, listing_transition
from syncing.connectors.base import ListingPayload

# Listing.channel_payload key: {variant SKU: [price, quantity]} as last sent to a family's children/models.
VARIANT_OFFERS = "variant_offers"


def _status_path(current: str, target: str) -> list[str]:
    """The shortest chain of allowed moves from `current` to `target` (e.g. draft -> queued -> publishing)."""
    paths: dict[str, list[str]] = {current: []}
    frontier = [current]
    while frontier and target not in paths:
        step = []
        for status in frontier:
            for nxt in sorted(ALLOWED_TRANSITIONS.get(status, ())):
                if nxt not in paths:
                    paths[nxt] = [*paths[status], nxt]
                    step.append(nxt)
        frontier = step
    return paths.get(target, [target])


def listing_status_set(*, listing: Listing, status: str, reason: str = "") -> Listing:
    """Move `listing` to `status` through the state machine, by the shortest chain of allowed moves.

    Every step is a `listing_transition`, so the table and its readiness gate (for `queued`) still decide; an
    impossible move raises the state machine's own ApplicationError.
    """

    # Plan from the status in memory (the engine's own last move) and let each locked transition re-read it;
    # only when someone else moved the listing meanwhile is the row read again and the chain planned anew.
    # The chain's moves commit together: one write transaction (on SQLite, one wait for the write lock).
    with transaction.atomic():
        if listing.status == status:  # already there in memory: make sure it still is
            listing.refresh_from_db(fields=["status"])
        try:
            for step in _status_path(listing.status, status) if listing.status != status else []:
                listing_transition(listing=listing, to_status=step, reason=reason[:500])
        except ApplicationError as exc:
            if exc.extra.get("code") != "illegal_transition":
                raise
            listing.refresh_from_db(fields=["status"])
            for step in _status_path(listing.status, status) if listing.status != status else []:
                listing_transition(listing=listing, to_status=step, reason=reason[:500])
    return listing


def listing_sync_fields_set(*, listing: Listing, **fields: Any) -> Listing:
    """Write what the engine learned (ids, hashes, snapshots, errors, drift) in one UPDATE.

    The same fields as `listings.services.listing_sync_state_set`, without its `full_clean()`: validating the
    listing's five unique constraints cost ~80 ms per push (profiled), and none of these fields takes part in
    a `clean()` rule; the database constraints (unique external id per channel) still guard every write.
    """
    listings_sync_fields_set(listings=[listing], **fields)
    return listing


def listings_sync_fields_set(*, listings: Sequence[Listing], **fields: Any) -> None:
    """`listing_sync_fields_set` of the same values on several listings (a failed batch) in one UPDATE."""
    unknown = sorted(set(fields) - set(SYNC_FIELDS))
    if unknown:
        raise ValueError(f"Not listing sync fields: {', '.join(unknown)}.")
    Listing.objects.filter(pk__in=[listing.pk for listing in listings]).update(**fields, updated_at=timezone.now())
    for listing in listings:
        for name, value in fields.items():
            setattr(listing, name, value)


def listings_payload_ready(listings: QuerySet[Listing]) -> QuerySet[Listing]:
    """`listings` in pk order with what their payloads read joined or prefetched (a few queries for a batch)."""
    return listings_with_payload_inputs(listings).order_by("pk")


def listing_payload(listing: Listing) -> ListingPayload:
    """The listing's payload as sent, with image URLs made absolute (listings.selectors builds it)."""
    return listing_marketplace_payload(listing)


def payload_hash(payload: ListingPayload) -> str:
    return listing_payload_hash(payload)


def listing_blocking_issues(listing: Listing) -> list[str]:
    """Human messages of the readiness issues that stop `listing` from going live."""
    return [issue.message for issue in listing_readiness(listing) if issue.is_blocking]


def listing_sku(listing: Listing) -> str:
    return listing.variant.sku if listing.variant_id and listing.variant else listing.product.sku


def channel_credentials_save(*, channel: Channel, values: dict[str, str]) -> None:
    """Store refreshed tokens from a connector, merged over the stored credentials."""
    channel_set_credentials(channel=channel, credentials=values)
