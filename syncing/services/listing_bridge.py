"""The few calls the sync engine makes into the channels/listings apps, in one place.

Statuses change only through the listings state machine; payloads are built by the listings selectors.
"""

import hashlib
import json
from dataclasses import asdict
from typing import Any

from channels.models import Channel
from listings.choices import ListingStatus
from listings.models import Listing
from syncing.connectors.base import ListingPayload


def listing_status_set(*, listing: Listing, status: str, reason: str = "") -> Listing:
    """Move `listing` to `status` through the state machine; a no-op when it is already there."""
    if listing.status == status:
        return listing
    from listings.services import listing_transition

    return listing_transition(listing=listing, to_status=status, reason=reason[:500])


def listing_payload(listing: Listing) -> ListingPayload:
    from listings.selectors import listing_payload_build

    return listing_payload_build(listing)


def payload_hash(payload: ListingPayload) -> str:
    try:
        from listings.selectors import listing_payload_hash

        return listing_payload_hash(payload)
    except ImportError:  # pragma: no cover - only before the listings selectors exist
        data: dict[str, Any] = asdict(payload)
        data.pop("external_id", None)
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def listing_blocking_issues(listing: Listing) -> list[str]:
    """Human messages of the readiness issues that stop `listing` from going live."""
    from listings.services import listing_readiness

    return [issue.message for issue in listing_readiness(listing) if issue.severity == "blocking"]


def listing_sku(listing: Listing) -> str:
    return listing.variant.sku if listing.variant_id and listing.variant else listing.product.sku


def channel_credentials_save(*, channel: Channel, values: dict[str, str]) -> None:
    """Store refreshed tokens from a connector (merged into the existing credentials)."""
    from channels.services import channel_set_credentials

    merged = {**channel.get_credentials(), **values}
    channel_set_credentials(channel=channel, credentials=merged)


PUSHABLE_STATUSES = (
    ListingStatus.READY,
    ListingStatus.QUEUED,
    ListingStatus.PUBLISHING,
    ListingStatus.IN_REVIEW,
    ListingStatus.LIVE,
    ListingStatus.ERROR,
    ListingStatus.OUT_OF_SYNC,
)
