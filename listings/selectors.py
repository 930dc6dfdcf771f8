"""Reads about listings: lists with the joins every caller needs, and the payload the sync engine sends."""

import dataclasses
import hashlib
import json
import os
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import urljoin

from django.conf import settings
from django.db.models import QuerySet

from catalog.models import ProductImage
from channels.selectors import AttributeValueMap, attribute_value_map, category_mapping_resolve
from syncing.connectors.base import ListingPayload, VariantPayload

from .effective import listing_effective_values, variant_offer
from .models import Listing

ImageUrl = Callable[[ProductImage], str]


def _default_image_url(image: ProductImage) -> str:
    return image.image.url


def listing_list(
    *, channel_id: int | None = None, status: str | None = None, product_id: int | None = None
) -> QuerySet[Listing]:
    listings = Listing.objects.select_related("product", "variant", "channel")
    if channel_id is not None:
        listings = listings.filter(channel_id=channel_id)
    if status:
        listings = listings.filter(status=status)
    if product_id is not None:
        listings = listings.filter(product_id=product_id)
    return listings


def listing_get_for_sync(pk: int) -> Listing:
    """One listing with everything payload building and readiness read, in a few queries."""
    return (
        Listing.objects.select_related("product", "product__category", "variant", "channel")
        .prefetch_related("product__images", "product__variants")
        .get(pk=pk)
    )


def _map_values(values: Mapping[str, Any], mapping: AttributeValueMap) -> dict[str, str]:
    """Our attribute/option values in the marketplace's spelling (unmapped values pass through unchanged)."""
    mapped: dict[str, str] = {}
    for name, value in values.items():
        if value is None or value == "":
            continue
        text = str(value).lower() if isinstance(value, bool) else str(value)
        mapped[str(name)] = mapping.get((str(name).strip().lower(), text), text)
    return mapped


def listing_payload_build(listing: Listing, *, image_url: ImageUrl = _default_image_url) -> ListingPayload:
    """The connector payload of a listing: effective values, mapped category and attribute values, variants.

    `image_url` turns an image into the absolute URL the marketplace downloads (the sync engine passes one
    built from the site's public address). At most the channel's `max_images` images are sent, main first.
    """
    product, channel = listing.product, listing.channel
    values = listing_effective_values(listing)
    mapping = attribute_value_map(channel)
    category = category_mapping_resolve(channel, product.category)
    images = list(product.images.all())[: channel.max_images]
    variant = listing.variant if listing.variant_id else None
    attributes = _map_values(product.attributes or {}, mapping)
    if variant is not None:
        attributes |= _map_values(variant.options or {}, mapping)
    variants: list[VariantPayload] = []
    if variant is None:
        for item in product.variants.all():
            price, compare, quantity = variant_offer(listing, item)
            variants.append(
                VariantPayload(
                    sku=item.sku,
                    price=price,
                    quantity=quantity,
                    options=_map_values(item.options or {}, mapping),
                    barcode=item.barcode,
                    compare_at_price=compare,
                )
            )
    return ListingPayload(
        sku=variant.sku if variant is not None else product.sku,
        title=values.title.value,
        description=values.description.value or "",
        price=values.price.value,
        currency=channel.currency,
        quantity=values.quantity.value,
        external_id=listing.external_id,
        brand=product.brand,
        barcode=(variant.barcode if variant is not None and variant.barcode else product.barcode),
        category_id=category.external_category_id if category else "",
        image_urls=tuple(image_url(image) for image in images),
        image_alts=tuple(image.alt_text for image in images),
        attributes=attributes,
        variants=tuple(variants),
        compare_at_price=values.compare_at_price.value,
        weight_grams=product.weight_grams,
        length_mm=product.length_mm,
        width_mm=product.width_mm,
        height_mm=product.height_mm,
    )


def _json_default(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    raise TypeError(f"cannot hash {type(value).__name__}")


def listing_payload_hash(payload: ListingPayload) -> str:
    """Stable sha256 of a payload's content, for 'did anything change since the last push?'.

    `external_id` is left out: it is set by the first push and is not content, so a created listing does not
    look changed afterwards. Keys are sorted and decimals written canonically (19.9 and 19.90 hash the same).
    """
    data = dataclasses.asdict(payload)
    data.pop("external_id", None)
    if not any(data.get("image_alts") or ()):
        data.pop("image_alts", None)  # no alt text: the same hash as before alt texts were sent
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=_json_default, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


DEFAULT_PUBLIC_BASE_URL = "http://127.0.0.1:8000"
PACKAGE_FIELDS = ("weight_grams", "length_mm", "width_mm", "height_mm")


def public_base_url() -> str:
    """Where marketplaces download our images from (setting PUBLIC_BASE_URL, env of the same name)."""
    return str(getattr(settings, "PUBLIC_BASE_URL", "") or os.environ.get("PUBLIC_BASE_URL", DEFAULT_PUBLIC_BASE_URL))


def listing_marketplace_payload(listing: Listing) -> ListingPayload:
    """The payload the sync engine sends: image URLs made absolute (marketplaces fetch them from outside)."""
    base = public_base_url()

    def image_url(image: ProductImage) -> str:
        return urljoin(base, image.image.url)

    payload = listing_payload_build(listing, image_url=image_url)
    # Package dimensions joined ListingPayload after the payload builder was written; fill the ones it left
    # empty from the product so marketplaces that require them (Lazada) get them.
    missing = {
        name: getattr(listing.product, name)
        for name in PACKAGE_FIELDS
        if hasattr(payload, name) and getattr(payload, name) is None and getattr(listing.product, name, None)
    }
    return dataclasses.replace(payload, **missing) if missing else payload


def listing_marketplace_payload_hash(listing: Listing) -> str:
    """The hash `last_pushed_hash` is compared with: has anything the marketplace sees changed?"""
    return listing_payload_hash(listing_marketplace_payload(listing))


def listings_with_payload_inputs(listings: QuerySet[Listing]) -> QuerySet[Listing]:
    """`listings` with everything a payload reads joined or prefetched (a few queries however many)."""
    return listings.select_related("product", "product__category", "variant", "channel").prefetch_related(
        "product__images", "product__variants"
    )
