"""The one way catalog writes tell listings that a readiness input changed (products and images share it), and
the event that tells them a payload input changed (docs/sync.md, "Push on change")."""

from collections.abc import Collection, Iterable
from typing import Any

from common import events
from listings.services import content_versions_record, listings_readiness_refresh

from ..events import LISTING_INPUTS_CHANGED, PRICES_CHANGED
from ..fields import PRODUCT_CONTENT_TEXT_FIELDS

# Product and variant fields by the part of a listing's payload they feed ("offers": price and stock).
PRODUCT_OFFER_FIELDS = frozenset({"price", "compare_at_price", "quantity"})
PRODUCT_CONTENT_FIELDS = frozenset(
    {"sku", "title", "description", "brand", "barcode", "category", "category_id", "attributes"}
    | {"weight_grams", "length_mm", "width_mm", "height_mm"}
    | {"short_description", "metafields", *PRODUCT_CONTENT_TEXT_FIELDS}
)
VARIANT_CONTENT_FIELDS = frozenset({"sku", "options", "barcode", "position", "metafields"})
OFFERS, CONTENT = "offers", "content"


def payload_parts(fields: Iterable[str], *, variant: bool = False) -> frozenset[str]:
    """The parts of the listings' payload that a change of these product (or variant) fields touches."""
    names = set(fields)
    parts = set()
    if names & PRODUCT_OFFER_FIELDS:
        parts.add(OFFERS)
    if names & (VARIANT_CONTENT_FIELDS if variant else PRODUCT_CONTENT_FIELDS):
        parts.add(CONTENT)
    return frozenset(parts)


def product_readiness_refresh(product_id: int) -> None:
    """Re-check the stored readiness verdict of the product's listings after one of its readiness inputs changed."""
    listings_readiness_refresh(product_ids=[product_id])


def products_payload_changed(product_ids: Collection[int], parts: Collection[str]) -> None:
    """Tell listings (event `catalog.listing_inputs_changed`) that these products' payloads changed."""
    if product_ids and parts:
        events.publish(LISTING_INPUTS_CHANGED, product_ids=list(product_ids), category=None, parts=frozenset(parts))


MARGIN_INPUT_FIELDS = frozenset({"price", "cost_price", "category", "category_id"})


def products_prices_changed(
    product_ids: Collection[int], fields: Iterable[str], *, source: str = "", user: Any = None
) -> None:
    """Tell pricing (event `catalog.prices_changed`) when `fields` include a price, the cost price or the category
    (a category can pick another fee row or a category's price rule): the price history records moved prices and
    the stored margins follow all three (docs/pricing.md#stored-margins)."""
    if product_ids and MARGIN_INPUT_FIELDS & set(fields):
        events.publish(PRICES_CHANGED, product_ids=list(product_ids), source=source, user=user)


def product_versions_record(product_ids: Collection[int], user: object = None) -> None:
    """Version the content of these products (and their listings) after a catalog write (docs/catalog.md#versions)."""
    content_versions_record(product_ids=product_ids, user=user)  # type: ignore[arg-type]
