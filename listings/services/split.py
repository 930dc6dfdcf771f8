"""List each variant separately: a variation family the marketplace cannot take (or the seller does not want)
becomes one single-item listing per variant (docs/marketplaces/amazon.md#variation-families)."""

from django.db import transaction

from accounts.roles import channel_access_check
from common.actors import Actor as User
from common.errors import ApplicationError
from listings.models import Listing

from .listing import listing_create


@transaction.atomic
def listing_variants_split(*, listing: Listing, user: User = None) -> list[Listing]:
    """Replace a product-level listing of a product with variants by one listing per variant on its channel.

    The new listings are drafts, each with the family listing's description override; variants already listed on
    the channel keep their listing. The family listing goes, so it cannot be pushed beside its variants (on
    Amazon both would claim the same SKUs); one that is on the marketplace is refused: deactivate it there first.
    Returns the listings created.
    """
    channel_access_check(user, [listing.channel])
    listing = Listing.objects.select_for_update().select_related("product", "channel").get(pk=listing.pk)
    if listing.variant_id is not None:
        raise ApplicationError("This listing already sells one variant.", extra={"code": "not_a_family"})
    variants = list(listing.product.variants.order_by("position", "pk"))
    if not variants:
        raise ApplicationError(
            f"Product {listing.product.sku} has no variants to list separately.", extra={"code": "no_variants"}
        )
    if listing.external_id:
        raise ApplicationError(
            f"This listing is on {listing.channel.name} as a family ({listing.external_id}); deactivate it there "
            "first, then list each variant separately.",
            extra={"code": "on_marketplace"},
        )
    listed = set(
        Listing.objects.filter(channel=listing.channel, product=listing.product, variant__isnull=False).values_list(
            "variant_id", flat=True
        )
    )
    overrides = {"description": listing.description} if listing.description is not None else {}
    created = [
        listing_create(product=listing.product, channel=listing.channel, variant=variant, user=user, **overrides)
        for variant in variants
        if variant.pk not in listed
    ]
    listing.delete()
    return created
