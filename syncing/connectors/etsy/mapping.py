"""Pure mapping between our dataclasses and Etsy v3 listing / inventory payloads.

Facts: docs/marketplaces/etsy.md#endpoints and docs/marketplaces/etsy.md#listing-limits.
"""

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ..base import ListingPayload, RemoteListing, remote_time, status_lookup
from ..market import CompetingOffer, ItemCompetition, ListingMatch

NON_FIELD = "__all__"
CUSTOM_PROPERTY_ID = 513  # Etsy's first custom variation property

# Etsy parameter names -> ours, longest first so "image_ids" wins over "image".
FIELD_BY_PARAM: tuple[tuple[str, str], ...] = (
    ("shipping_profile_id", "shipping_profile_id"),
    ("taxonomy_id", "category_id"),
    ("description", "description"),
    ("image_ids", "images"),
    ("quantity", "quantity"),
    ("materials", "attributes"),
    ("offerings", "price"),
    ("who_made", "attributes"),
    ("when_made", "attributes"),
    ("title", "title"),
    ("price", "price"),
    ("image", "images"),
    ("tags", "attributes"),
    ("sku", "sku"),
)
READ_ONLY_PRODUCT = ("product_id", "is_deleted")
READ_ONLY_OFFERING = ("offering_id", "is_deleted")
# Etsy listing state -> normalised status (docs/marketplaces/etsy.md#remote-status); Etsy has no review and no
# suppression; a deleted listing is a 404.
STATUS_BY_STATE = {
    "active": "live",
    "draft": "inactive",
    "inactive": "inactive",
    "sold_out": "inactive",
    "expired": "inactive",
}


def field_errors_from_message(message: str) -> dict[str, list[str]]:
    """Etsy answers `{"error": "..."}`; the parameter it names tells us which field was refused."""
    lowered = message.lower()
    for param, field in FIELD_BY_PARAM:
        if re.search(rf"\b{re.escape(param)}\b", lowered):
            return {field: [message]}
    return {NON_FIELD: [message or "Refused by Etsy."]}


def money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def listing_form(payload: ListingPayload, *, shipping_profile_id: str) -> dict[str, str]:
    """createDraftListing body (form-encoded). The SKU, price and stock go in through the inventory afterwards."""
    attributes = payload.attributes
    form = {
        "quantity": str(payload.quantity),
        "title": payload.title,
        "description": payload.description,
        "price": money(payload.price),
        "who_made": attributes.get("who_made", "i_did"),
        "when_made": attributes.get("when_made", "made_to_order"),
        "taxonomy_id": payload.category_id,
        "type": attributes.get("type", "physical"),
        "should_auto_renew": "true",
    }
    if shipping_profile_id:
        form["shipping_profile_id"] = shipping_profile_id
    tags = attributes.get("tags") or search_tags(payload.search_terms)
    if tags:
        form["tags"] = tags
    if attributes.get("materials"):
        form["materials"] = attributes["materials"]
    if payload.weight_grams is not None:
        form["item_weight"] = str(payload.weight_grams)
        form["item_weight_unit"] = "g"
    return form


ETSY_TAGS_MAX = 13  # docs/marketplaces/etsy.md#content-fields
ETSY_TAG_LENGTH_MAX = 20
ETSY_TAG = re.compile(r"[\w\s\-'™©®]+")


def search_tags(search_terms: str) -> str:
    """Etsy tags (comma-separated) from our search terms when the product has no `tags` attribute: the
    comma-separated phrases, or else the words, that Etsy accepts as tags, at most 13."""
    parts = search_terms.split(",") if "," in search_terms else search_terms.split()
    tags: list[str] = []
    for part in (" ".join(p.split()) for p in parts):
        if part and len(part) <= ETSY_TAG_LENGTH_MAX and ETSY_TAG.fullmatch(part) and part.lower() not in tags:
            tags.append(part.lower())
    return ",".join(tags[:ETSY_TAGS_MAX])


def update_form(payload: ListingPayload) -> dict[str, str]:
    """updateListing body: the descriptive fields (offers go through the inventory)."""
    form = listing_form(payload, shipping_profile_id="")
    for key in ("quantity", "price", "should_auto_renew", "type"):
        form.pop(key, None)
    return form


def inventory_body(payload: ListingPayload) -> dict[str, Any]:
    """updateListingInventory body. Variants become products on one custom property (their option values)."""
    if not payload.variants:
        products = [
            {
                "sku": payload.sku,
                "property_values": [],
                "offerings": [{"price": float(money(payload.price)), "quantity": payload.quantity, "is_enabled": True}],
            }
        ]
        return {"products": products, "price_on_property": [], "quantity_on_property": [], "sku_on_property": []}
    products = []
    for variant in payload.variants:
        name = " / ".join(variant.options.keys()) or "Option"
        value = " / ".join(variant.options.values()) or variant.sku
        products.append(
            {
                "sku": variant.sku,
                "property_values": [{"property_id": CUSTOM_PROPERTY_ID, "property_name": name, "values": [value]}],
                "offerings": [{"price": float(money(variant.price)), "quantity": variant.quantity, "is_enabled": True}],
            }
        )
    on = [CUSTOM_PROPERTY_ID]
    return {"products": products, "price_on_property": on, "quantity_on_property": on, "sku_on_property": on}


def _offering_price(price: Any) -> float:
    if isinstance(price, Mapping):
        return float(Decimal(str(price.get("amount", 0))) / Decimal(str(price.get("divisor", 1) or 1)))
    return float(price)


def merge_offers(
    inventory: Mapping[str, Any], updates: Mapping[str, tuple[Decimal | None, int | None]]
) -> tuple[dict[str, Any], set[str]]:
    """The inventory as read, stripped of read-only fields, with new prices/quantities for the given SKUs.

    Etsy has no partial inventory update: the whole products array goes back. Returns (body, SKUs not found).
    """
    found: set[str] = set()
    products = []
    live = [p for p in inventory.get("products") or [] if isinstance(p, Mapping) and not p.get("is_deleted")]
    single = len(live) == 1 and len(updates) == 1  # one-product listing: ours even if its SKU was edited on Etsy
    for product in live:
        sku = next(iter(updates)) if single else str(product.get("sku", ""))
        new = {k: v for k, v in product.items() if k not in READ_ONLY_PRODUCT}
        new["property_values"] = [
            {k: v for k, v in pv.items() if k in ("property_id", "property_name", "scale_id", "value_ids", "values")}
            for pv in product.get("property_values") or []
        ]
        offerings = []
        for offering in product.get("offerings") or []:
            if offering.get("is_deleted"):
                continue
            clean = {k: v for k, v in offering.items() if k not in READ_ONLY_OFFERING}
            clean["price"] = _offering_price(offering.get("price", 0))
            if sku in updates:
                price, quantity = updates[sku]
                if price is not None:
                    clean["price"] = float(money(price))
                if quantity is not None:
                    clean["quantity"] = quantity
            offerings.append(clean)
        if sku in updates:
            found.add(sku)
        new["offerings"] = offerings
        products.append(new)
    body = {
        "products": products,
        "price_on_property": list(inventory.get("price_on_property") or []),
        "quantity_on_property": list(inventory.get("quantity_on_property") or []),
        "sku_on_property": list(inventory.get("sku_on_property") or []),
    }
    return body, set(updates) - found


def _listing_price(listing: Mapping[str, Any]) -> Decimal | None:
    price = listing.get("price")
    if not isinstance(price, Mapping) or "amount" not in price:
        return None
    return Decimal(str(price["amount"])) / Decimal(str(price.get("divisor", 1) or 1))


def status_of(listing: Mapping[str, Any]) -> tuple[str, str]:
    raw = str(listing.get("state", ""))
    return status_lookup(STATUS_BY_STATE, raw), raw


def listing_sku(listing: Mapping[str, Any]) -> str:
    skus = listing.get("skus") or []
    if skus:
        return str(skus[0])
    inventory = listing.get("inventory") or {}
    products = inventory.get("products") if isinstance(inventory, Mapping) else None
    return str(products[0].get("sku", "")) if products else ""


def remote_listing(listing: Mapping[str, Any]) -> RemoteListing:
    status, raw = status_of(listing)
    quantity = listing.get("quantity")
    return RemoteListing(
        external_id=str(listing.get("listing_id", "")),
        sku=listing_sku(listing),
        title=str(listing.get("title", "")),
        price=_listing_price(listing),
        quantity=int(quantity) if isinstance(quantity, int) else None,
        status=status,
        raw_status=raw,
        raw=dict(listing),
        updated_at=remote_time(listing.get("updated_timestamp") or listing.get("last_modified_timestamp")),
        marketplace_ids=marketplace_ids(listing),
    )


def marketplace_ids(listing: Mapping[str, Any]) -> dict[str, str]:
    ids = {"listing_id": str(listing.get("listing_id", ""))}
    inventory = listing.get("inventory") or {}
    products = inventory.get("products") if isinstance(inventory, Mapping) else None
    if products:
        ids["product_ids"] = ",".join(str(p.get("product_id", "")) for p in products if isinstance(p, Mapping))
    return ids


# --- competitors: another shop's listing (getListing) and findAllListingsActive (docs/competitors.md#etsy) ---

ACTIVE_SEARCH_MAX = 100  # findAllListingsActive `limit` 1-100


def _money(listing: Mapping[str, Any]) -> tuple[Decimal | None, str]:
    price = _listing_price(listing)
    currency = listing.get("price", {}).get("currency_code", "") if isinstance(listing.get("price"), Mapping) else ""
    return (None if price is None else price.quantize(Decimal("0.01"))), str(currency or "")


def item_competition(listing: Mapping[str, Any]) -> ItemCompetition:
    """Another shop's ShopListing as one offer: Etsy has one seller per listing, no buy box and no sales rank;
    a listing not `active` (sold_out, inactive, expired) or with quantity 0 has no offer."""
    price, currency = _money(listing)
    quantity = listing.get("quantity") if isinstance(listing.get("quantity"), int) else None
    active = listing.get("state") == "active" and (quantity is None or quantity > 0)
    offer = CompetingOffer(
        seller_id=str(listing.get("shop_id") or ""), price=price, landed=price, quantity=quantity, is_featured=False
    )
    return ItemCompetition(
        item_id=str(listing.get("listing_id") or ""),
        currency=currency,
        title=str(listing.get("title") or ""),
        offers=(offer,) if active and price is not None else (),
        offer_count=1 if active and price is not None else 0,
        lowest_price=price if active else None,
        is_active=active,
    )


def active_search_params(keywords: str, *, limit: int = 25, offset: int = 0) -> dict[str, str]:
    words = " ".join(keywords.split())
    if not words:
        raise ValueError("A search of active listings needs keywords.")
    return {"keywords": words, "limit": str(max(1, min(ACTIVE_SEARCH_MAX, limit))), "offset": str(max(0, offset))}


def listing_matches(data: Mapping[str, Any]) -> list[ListingMatch]:
    out = []
    for row in data.get("results") or []:
        if not isinstance(row, Mapping) or not row.get("listing_id"):
            continue
        price, currency = _money(row)
        quantity = row.get("quantity")
        out.append(
            ListingMatch(
                item_id=str(row["listing_id"]),
                title=str(row.get("title") or ""),
                shop_id=str(row.get("shop_id") or ""),
                price=price,
                currency=currency,
                quantity=quantity if isinstance(quantity, int) else None,
                link=str(row.get("url") or ""),
            )
        )
    return out
