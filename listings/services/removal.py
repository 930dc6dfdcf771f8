"""What happens to a product's listings when the product is deleted (catalog.PRODUCT_DELETING)."""

from typing import Any

from common.actors import Actor as User
from common.errors import ApplicationError
from listings.choices import ListingStatus as S
from listings.models import Listing
from listings.state import ON_MARKETPLACE_STATUSES

# A listing in one of these, with an external id, is something a marketplace holds (paused there included); one
# queued or publishing is on its way there. Either keeps its product from being deleted.
DELETE_BLOCKING_STATUSES = ON_MARKETPLACE_STATUSES | {S.PAUSED}
IN_FLIGHT_STATUSES = frozenset({S.QUEUED, S.PUBLISHING})


def listings_blocking_delete(product_id: int) -> list[Listing]:
    """The product's listings that a marketplace holds or is about to receive, with their channels."""
    listings = Listing.objects.filter(product_id=product_id).select_related("channel", "variant")
    return [
        listing
        for listing in listings.order_by("channel__name", "pk")
        if listing.status in IN_FLIGHT_STATUSES or (listing.external_id and listing.status in DELETE_BLOCKING_STATUSES)
    ]


def product_deleting_listings_release(*, product: Any, user: User = None, **_: Any) -> None:
    """The PRODUCT_DELETING handler: refuse while a marketplace holds a listing of the product (naming each, so the
    seller knows what to delist first); otherwise delete its listings (drafts, delisted, never-published errors)."""
    held = listings_blocking_delete(product.pk)
    if held:
        names = "; ".join(
            f"{listing.channel.name}{f' ({listing.variant.sku})' if listing.variant else ''}: "
            f"{listing.get_status_display()}"
            for listing in held
        )
        raise ApplicationError(
            f"{product.sku} cannot be deleted while it is listed on a marketplace ({names}). "
            "Delist it everywhere first, or archive it instead.",
            extra={
                "code": "listed",
                "listings": [
                    {"id": x.pk, "channel": x.channel.name, "status": x.status, "external_id": x.external_id}
                    for x in held
                ],
            },
        )
    Listing.objects.filter(product_id=product.pk).delete()
