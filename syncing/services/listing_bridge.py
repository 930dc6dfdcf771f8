"""The few calls the sync engine makes into the channels/listings apps, in one place.

Statuses change only through the listings state machine, sync fields only through `listing_sync_state_set`,
and payloads are built by the listings selectors.
"""

from typing import Any

from channels.models import Channel
from listings.choices import ListingStatus
from listings.models import Listing
from syncing.connectors.base import ListingPayload


def listing_status_set(*, listing: Listing, status: str, reason: str = "") -> Listing:
    """Move `listing` to `status` through the state machine, via `queued` when the table asks for it."""
    from listings.state import listing_transition, transition_allowed

    listing.refresh_from_db(fields=["status"])
    if listing.status == status:
        return listing
    if not transition_allowed(listing.status, status) and transition_allowed(listing.status, ListingStatus.QUEUED):
        listing_transition(listing=listing, to_status=ListingStatus.QUEUED, reason=reason[:500])
    return listing_transition(listing=listing, to_status=status, reason=reason[:500])


def listing_sync_fields_set(*, listing: Listing, **fields: Any) -> Listing:
    from listings.services import listing_sync_state_set

    return listing_sync_state_set(listing=listing, **fields)


def listing_payload(listing: Listing) -> ListingPayload:
    from listings.selectors import listing_payload_build

    return listing_payload_build(listing)


def payload_hash(payload: ListingPayload) -> str:
    from listings.selectors import listing_payload_hash

    return listing_payload_hash(payload)


def listing_blocking_issues(listing: Listing) -> list[str]:
    """Human messages of the readiness issues that stop `listing` from going live."""
    from listings.readiness import listing_readiness

    return [issue.message for issue in listing_readiness(listing) if issue.is_blocking]


def listing_sku(listing: Listing) -> str:
    return listing.variant.sku if listing.variant_id and listing.variant else listing.product.sku


def channel_credentials_save(*, channel: Channel, values: dict[str, str]) -> None:
    """Store refreshed tokens from a connector, merged over the stored credentials."""
    from channels.services import channel_set_credentials

    channel_set_credentials(channel=channel, credentials=values)
