"""Exposure of one SKU: what each channel's listing advertises against what is available (docs/orders.md#exposure).

The advertised figure is what the listing itself records, never a fresh marketplace call:

- `pending`: a quantity sent and not yet confirmed by the marketplace (`Listing.pending`);
- `confirmed`: the listing is on the marketplace with nothing unsent, so the marketplace shows what we would send now;
- `last read`: a change is waiting to be pushed; the marketplace still shows what the last pull read from it
  (`Listing.remote_snapshot`), or nothing is known;
- `not listed`: the listing is not on the marketplace (draft, paused, delisted...): it advertises nothing.
"""

from dataclasses import dataclass

from django.db.models import Q

from catalog.models import Variant

from .choices import ListingStatus
from .effective import effective_quantity, variant_offer
from .models import Listing

ON_MARKETPLACE = (ListingStatus.LIVE, ListingStatus.IN_REVIEW, ListingStatus.SUPPRESSED, ListingStatus.OUT_OF_SYNC)
PENDING, CONFIRMED, LAST_READ, NOT_LISTED = "pending", "confirmed", "last_read", "not_listed"
STATE_LABELS = {
    PENDING: "sent, not yet confirmed",
    CONFIRMED: "confirmed",
    LAST_READ: "change not pushed yet; last read from the marketplace",
    NOT_LISTED: "not on the marketplace",
}


@dataclass(frozen=True)
class Exposure:
    """One listing of the SKU: the quantity it advertises (None: unknown or nothing) and what it would send now."""

    listing: Listing
    advertised: int | None
    state: str
    would_send: int
    over_exposed: bool

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


def _as_int(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def _advertised(listing: Listing, would_send: int, per_listing: bool) -> tuple[int | None, str]:
    if listing.status not in ON_MARKETPLACE or not listing.external_id:
        return None, NOT_LISTED
    pending = _as_int((listing.pending or {}).get("quantity")) if per_listing else None
    if pending is not None:
        return pending, PENDING
    if not listing.changed_since_push and listing.last_pushed_hash:
        return would_send, CONFIRMED
    snapshot = _as_int((listing.remote_snapshot or {}).get("quantity")) if per_listing else None
    return snapshot, LAST_READ


def stock_exposure(*, product_id: int, variant: Variant | None, available: int) -> list[Exposure]:
    """Every channel's listing of the SKU (a variant, or a product without variants), by channel name.

    A product-level listing of a product with variants sells each variant as an offer inside the listing; its
    stored pending and snapshot values are the listing's total, so only `confirmed` is known per variant."""
    listings = (
        Listing.objects.filter(product_id=product_id)
        .select_related("channel", "product", "variant")
        .prefetch_related("product__variants")
        .order_by("channel__name", "pk")
    )
    if variant is not None:
        listings = listings.filter(Q(variant__isnull=True) | Q(variant=variant))
    rows = []
    for listing in listings:
        per_listing = variant is None or listing.variant_id == variant.pk
        if per_listing or variant is None:
            would_send = effective_quantity(listing).value
        else:
            would_send = variant_offer(listing, variant)[2]
        advertised, state = _advertised(listing, would_send, per_listing)
        over = advertised is not None and advertised > max(available, 0)
        rows.append(Exposure(listing, advertised, state, would_send, over))
    return rows
