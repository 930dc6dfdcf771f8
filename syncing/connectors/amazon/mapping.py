"""Pure mapping between our dataclasses and SP-API listings items.

Facts: docs/marketplaces/amazon.md#endpoints and docs/marketplaces/amazon.md#listing-limits.
"""

import dataclasses
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from ..base import ListingPayload, RemoteListing, RemoteVariant, VariantPayload, remote_issue, remote_time
from ..market import CompetingOffer, ItemCompetition
from ..variations import THEME_ATTRIBUTES

NON_FIELD = "__all__"
AMAZON_ATTRIBUTE = re.compile(r"[a-z][a-z0-9_]*")
DEFAULT_PRODUCT_TYPE = "PRODUCT"
MAX_OTHER_IMAGES = 8

# Amazon attribute names -> our field names (issues carry `attributeNames`).
FIELD_BY_ATTRIBUTE = {
    "item_name": "title",
    "product_description": "description",
    "brand": "brand",
    "purchasable_offer": "price",
    "fulfillment_availability": "quantity",
    "main_product_image_locator": "images",
    "externally_assigned_product_identifier": "barcode",
    "item_package_weight": "weight_grams",
    "condition_type": "attributes",
    "variation_theme": "variants",
    "parentage_level": "variants",
    "child_parent_sku_relationship": "variants",
    **dict.fromkeys(THEME_ATTRIBUTES.values(), "variants"),
    "bullet_point": "bullet_points",
    "generic_keyword": "search_terms",
    "manufacturer": "manufacturer",
    "model_number": "model_number",
    "part_number": "part_number",
}

# Variation themes each product type allows (the product type definitions' `variation_theme` enum, for the
# types this project maps; the demo's category ids among them): docs/marketplaces/amazon.md#variation-families.
APPAREL_THEMES = ("SIZE", "COLOR", "SIZE/COLOR")
VARIATION_THEMES: dict[str, tuple[str, ...]] = {
    "SHIRT": APPAREL_THEMES,
    "DRESS": APPAREL_THEMES,
    "PANTS": APPAREL_THEMES,
    "SHOES": APPAREL_THEMES,
    "SWEATSHIRT": APPAREL_THEMES,
    "T_SHIRTS": APPAREL_THEMES,
    "DRESSES": APPAREL_THEMES,
    "TOPS": APPAREL_THEMES,
    "DRINKING_CUP": ("COLOR", "SIZE", "SIZE/COLOR"),
    "BACKPACK": ("COLOR", "STYLE", "COLOR/STYLE"),
}


def language_tag(language: str, country: str) -> str:
    lang = (language or "en").split("-")[0].split("_")[0].lower()
    return f"{lang}_{(country or 'US').upper()}"


def _text(value: str, marketplace_id: str, tag: str) -> list[dict[str, Any]]:
    return [{"value": value, "language_tag": tag, "marketplace_id": marketplace_id}]


def price_attribute(price: Decimal, currency: str, marketplace_id: str) -> list[dict[str, Any]]:
    return [
        {
            "marketplace_id": marketplace_id,
            "currency": currency.upper(),
            "our_price": [{"schedule": [{"value_with_tax": float(price.quantize(Decimal("0.01")))}]}],
        }
    ]


def stock_attribute(quantity: int) -> list[dict[str, Any]]:
    return [{"fulfillment_channel_code": "DEFAULT", "quantity": quantity}]


def listing_body(payload: ListingPayload, *, marketplace_id: str, tag: str) -> dict[str, Any]:
    """putListingsItem body: full replace of the listing (product facts + offer)."""
    attributes: dict[str, Any] = {
        "item_name": _text(payload.title, marketplace_id, tag),
        "product_description": _text(payload.description, marketplace_id, tag),
        "condition_type": [
            {"value": payload.attributes.get("condition_type", "new_new"), "marketplace_id": marketplace_id}
        ],
        "purchasable_offer": price_attribute(payload.price, payload.currency or "USD", marketplace_id),
        "fulfillment_availability": stock_attribute(payload.quantity),
    }
    if payload.brand:
        attributes["brand"] = _text(payload.brand, marketplace_id, tag)
    attributes |= content_attributes(payload, marketplace_id=marketplace_id, tag=tag)
    if payload.barcode:
        kind = "upc" if len(payload.barcode) == 12 else "ean"
        attributes["externally_assigned_product_identifier"] = [
            {"type": kind, "value": payload.barcode, "marketplace_id": marketplace_id}
        ]
    images = list(payload.image_urls)
    if images:
        attributes["main_product_image_locator"] = [{"media_location": images[0], "marketplace_id": marketplace_id}]
        for n, url in enumerate(images[1 : MAX_OTHER_IMAGES + 1], start=1):
            attributes[f"other_product_image_locator_{n}"] = [{"media_location": url, "marketplace_id": marketplace_id}]
    if payload.weight_grams is not None:
        attributes["item_package_weight"] = [
            {"value": payload.weight_grams, "unit": "grams", "marketplace_id": marketplace_id}
        ]
    for name, value in payload.attributes.items():
        # Only names in Amazon's attribute style (snake_case, as in the product type definitions) are sent:
        # our free-form catalog attributes ("Material", "Colour") would be unknown attributes there.
        if AMAZON_ATTRIBUTE.fullmatch(name) and name not in ("condition_type", "product_type"):
            attributes.setdefault(name, [{"value": value, "marketplace_id": marketplace_id}])
    return {
        "productType": payload.category_id or payload.attributes.get("product_type") or DEFAULT_PRODUCT_TYPE,
        "requirements": "LISTING",
        "attributes": attributes,
    }


def product_type_of(payload: ListingPayload) -> str:
    return payload.category_id or payload.attributes.get("product_type") or DEFAULT_PRODUCT_TYPE


def parent_body(payload: ListingPayload, *, theme: str, marketplace_id: str, tag: str) -> dict[str, Any]:
    """The family's parent: product facts only (a parent is not buyable, so no offer), its theme and level."""
    body = listing_body(payload, marketplace_id=marketplace_id, tag=tag)
    attributes = body["attributes"]
    for name in ("purchasable_offer", "fulfillment_availability", "externally_assigned_product_identifier"):
        attributes.pop(name, None)
    attributes["parentage_level"] = [{"marketplace_id": marketplace_id, "value": "parent"}]
    attributes["variation_theme"] = [{"name": theme}]
    return {**body, "requirements": "LISTING_PRODUCT_ONLY"}


def child_body(
    payload: ListingPayload, variant: VariantPayload, *, theme: str, marketplace_id: str, tag: str
) -> dict[str, Any]:
    """One child: its own SKU, offer and theme values, tied to the parent by `child_parent_sku_relationship`."""
    values = {str(name).strip().lower(): str(value) for name, value in variant.options.items()}
    title = f"{payload.title} ({', '.join(str(v) for v in variant.options.values())})" if variant.options else ""
    single = dataclasses.replace(
        payload,
        sku=variant.sku,
        title=title or payload.title,
        price=variant.price,
        quantity=variant.quantity,
        barcode=variant.barcode,
        variants=(),
    )
    body = listing_body(single, marketplace_id=marketplace_id, tag=tag)
    attributes = body["attributes"]
    attributes["parentage_level"] = [{"marketplace_id": marketplace_id, "value": "child"}]
    attributes["child_parent_sku_relationship"] = [
        {"marketplace_id": marketplace_id, "child_relationship_type": "variation", "parent_sku": payload.sku}
    ]
    attributes["variation_theme"] = [{"name": theme}]
    for part in theme.lower().split("/"):
        value = next((v for name, v in values.items() if THEME_ATTRIBUTES.get(name) == part), "")
        attributes[part] = [{"value": value, "language_tag": tag, "marketplace_id": marketplace_id}]
    return body


def content_attributes(payload: ListingPayload, *, marketplace_id: str, tag: str) -> dict[str, Any]:
    """bullet_point (one entry per bullet), generic_keyword, manufacturer, model_number and part_number
    (docs/marketplaces/amazon.md#content-fields); empty values are not sent."""
    attributes: dict[str, Any] = {}
    bullets = [b for b in payload.bullet_points if b]
    if bullets:
        attributes["bullet_point"] = [_text(b, marketplace_id, tag)[0] for b in bullets]
    for name, value in (("generic_keyword", payload.search_terms), ("manufacturer", payload.manufacturer)):
        if value:
            attributes[name] = _text(value, marketplace_id, tag)
    for name, value in (("model_number", payload.model_number), ("part_number", payload.part_number)):
        if value:
            attributes[name] = [{"value": value, "marketplace_id": marketplace_id}]
    return attributes


def offer_patches(
    *, price: Decimal | None, quantity: int | None, currency: str, marketplace_id: str
) -> list[dict[str, Any]]:
    patches = []
    if price is not None:
        patches.append(
            {
                "op": "replace",
                "path": "/attributes/purchasable_offer",
                "value": price_attribute(price, currency, marketplace_id),
            }
        )
    if quantity is not None:
        patches.append(
            {"op": "replace", "path": "/attributes/fulfillment_availability", "value": stock_attribute(quantity)}
        )
    return patches


def field_errors(issues: Sequence[Mapping[str, Any]]) -> dict[str, list[str]]:
    """ERROR issues -> our field names (by their `attributeNames`)."""
    errors: dict[str, list[str]] = {}
    for issue in issues:
        if issue.get("severity") != "ERROR":
            continue
        message = str(issue.get("message", "")) or str(issue.get("code", ""))
        names = issue.get("attributeNames") or []
        fields = {FIELD_BY_ATTRIBUTE.get(str(n), _image_field(str(n))) for n in names} or {NON_FIELD}
        for field in sorted(fields):
            errors.setdefault(field, []).append(message)
    return errors


def _image_field(name: str) -> str:
    return "images" if name.startswith("other_product_image_locator") else NON_FIELD


def issue_notes(issues: Sequence[Mapping[str, Any]]) -> list[str]:
    return [f"{i.get('severity', '')} {i.get('code', '')}: {i.get('message', '')}".strip() for i in issues]


# Enforcement actions that take a listing (or its visibility) away (docs/marketplaces/amazon.md#remote-status).
SUPPRESSING_ACTIONS = frozenset({"LISTING_SUPPRESSED", "SEARCH_SUPPRESSED", "CATALOG_ITEM_REMOVED"})


def _enforcement(issue: Mapping[str, Any]) -> str:
    enforcements = issue.get("enforcements") or {}
    actions = enforcements.get("actions") if isinstance(enforcements, Mapping) else None
    return ",".join(str(a.get("action", "")) for a in actions or [] if isinstance(a, Mapping))


def issues_of(item: Mapping[str, Any]) -> tuple[dict[str, str], ...]:
    """Listing issues with their enforcement actions; the fix names the attributes to correct."""
    out = []
    for issue in item.get("issues") or []:
        if not isinstance(issue, Mapping):
            continue
        names = ", ".join(str(n) for n in issue.get("attributeNames") or [])
        fix = f"Correct {names} and submit again." if names else "Correct the listing in Seller Central or here."
        out.append(
            remote_issue(
                str(issue.get("code", "")),
                str(issue.get("message", "")),
                severity=str(issue.get("severity", "ERROR")),
                fix=fix,
                enforcement=_enforcement(issue),
            )
        )
    return tuple(out)


def status_of(item: Mapping[str, Any]) -> tuple[str, str]:
    """(normalised status, raw). An issue with a suppressing enforcement = suppressed; ERROR issues = rejected;
    no summary yet = still being processed; BUYABLE = live; otherwise inactive."""
    issues = [i for i in item.get("issues") or [] if isinstance(i, Mapping)]
    summaries = [s for s in item.get("summaries") or [] if isinstance(s, Mapping)]
    actions = {a for i in issues for a in _enforcement(i).split(",") if a}
    if actions & SUPPRESSING_ACTIONS:
        return "suppressed", ",".join(sorted(actions & SUPPRESSING_ACTIONS))
    if any(i.get("severity") == "ERROR" for i in issues):
        return "rejected", "ERROR_ISSUES"
    if not summaries:
        return "in_review", "PROCESSING"
    flags = [str(f) for f in summaries[0].get("status") or []]
    raw = ",".join(flags) or "NONE"
    return ("live" if "BUYABLE" in flags else "inactive"), raw


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def marketplace_ids(item: Mapping[str, Any]) -> dict[str, str]:
    """The SKU and, once Amazon matched or created the catalog item, its ASIN (from the summary or identifiers)."""
    summaries = [s for s in item.get("summaries") or [] if isinstance(s, Mapping)]
    asin = str(summaries[0].get("asin") or "") if summaries else ""
    for entry in item.get("identifiers") or []:
        if not asin and isinstance(entry, Mapping):
            asin = str(entry.get("asin") or "")
    ids = {"sku": str(item.get("sku", ""))}
    if asin:
        ids["asin"] = asin
    return ids


def parentage(item: Mapping[str, Any]) -> str:
    """ "parent", "child" or "" (a single item), from the attributes or the relationships read."""
    level = (item.get("attributes") or {}).get("parentage_level") or []
    if level and isinstance(level[0], Mapping):
        return str(level[0].get("value") or "")
    for entry in item.get("relationships") or []:
        for relation in entry.get("relationships") or [] if isinstance(entry, Mapping) else []:
            if relation.get("childSkus"):
                return "parent"
            if relation.get("parentSkus"):
                return "child"
    return ""


def child_skus(item: Mapping[str, Any]) -> list[str]:
    skus: list[str] = []
    for entry in item.get("relationships") or []:
        for relation in entry.get("relationships") or [] if isinstance(entry, Mapping) else []:
            skus += [str(sku) for sku in relation.get("childSkus") or []]
    return skus


def remote_variant(item: Mapping[str, Any]) -> RemoteVariant:
    """A child item read back: its SKU, offer, stock and theme values."""
    single = remote_listing(item)
    attributes = item.get("attributes") or {}
    options = {
        part: str(attributes[part][0].get("value", ""))
        for part in sorted(set(THEME_ATTRIBUTES.values()))
        if isinstance(attributes.get(part), list) and attributes[part] and isinstance(attributes[part][0], Mapping)
    }
    return RemoteVariant(
        sku=single.sku, price=single.price, quantity=single.quantity, external_id=single.sku, options=options
    )


def remote_listing(item: Mapping[str, Any], variants: Sequence[RemoteVariant] = ()) -> RemoteListing:
    summaries = [s for s in item.get("summaries") or [] if isinstance(s, Mapping)]
    summary = summaries[0] if summaries else {}
    offers = [o for o in item.get("offers") or [] if isinstance(o, Mapping)]
    price = None
    if offers:
        offer_price = offers[0].get("price") or {}
        price = _decimal(offer_price.get("amount")) if isinstance(offer_price, Mapping) else None
    availability = [a for a in item.get("fulfillmentAvailability") or [] if isinstance(a, Mapping)]
    quantity = availability[0].get("quantity") if availability else None
    status, raw = status_of(item)
    if parentage(item) == "parent" and status == "inactive":
        # A parent is never buyable itself (its children are): processed without errors means the family is up.
        status, raw = "live", f"PARENT,{raw}"
    return RemoteListing(
        external_id=str(item.get("sku", "")),
        sku=str(item.get("sku", "")),
        title=str(summary.get("itemName", "")),
        price=price,
        quantity=int(quantity) if isinstance(quantity, int) else None,
        status=status,
        raw_status=raw,
        raw=dict(item),
        issues=issues_of(item),
        updated_at=remote_time(summary.get("lastUpdatedDate")),
        marketplace_ids=marketplace_ids(item),
        variants=tuple(variants),
    )


# --- competitors: getItemOffers + getCatalogItem -> ItemCompetition (docs/competitors.md#amazon) ---


def _amount(value: Any) -> Decimal | None:
    """A Pricing v0 money object's `Amount` (numeric there), to the cent; None when absent or not a number."""
    if not isinstance(value, Mapping) or value.get("Amount") is None:
        return None
    try:
        return Decimal(str(value["Amount"])).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


def competing_offer(offer: Mapping[str, Any]) -> CompetingOffer:
    price, shipping = _amount(offer.get("ListingPrice")), _amount(offer.get("Shipping"))
    return CompetingOffer(
        seller_id=str(offer.get("SellerId") or ""),
        price=price,
        shipping=shipping,
        landed=None if price is None else price + (shipping or Decimal("0")),
        has_buy_box=offer.get("IsBuyBoxWinner") is True,
        is_featured=offer.get("IsFeaturedMerchant") is True,
        is_fulfilled_by_marketplace=offer.get("IsFulfilledByAmazon") is True,
    )


def item_competition(
    offers: Mapping[str, Any], item: Mapping[str, Any], asin: str, marketplace_id: str
) -> ItemCompetition:
    """getItemOffers' `{"payload": GetOffersResult}` and getCatalogItem's Item (summaries, salesRanks) as one
    ItemCompetition. The lowest price is the lowest landed price of the summary (else of the offers)."""
    result = offers.get("payload") or {}
    summary = result.get("Summary") or {}
    rows = tuple(competing_offer(o) for o in result.get("Offers") or [] if isinstance(o, Mapping))
    currency = next(
        (str(o.get("ListingPrice", {}).get("CurrencyCode") or "") for o in result.get("Offers") or []
         if isinstance(o, Mapping) and isinstance(o.get("ListingPrice"), Mapping)), "")  # fmt: skip
    lowest = [p for p in (_amount(r.get("LandedPrice")) for r in summary.get("LowestPrices") or []) if p is not None]
    lowest += [o.landed for o in rows if o.landed is not None] if not lowest else []
    box = [r for r in summary.get("BuyBoxPrices") or [] if isinstance(r, Mapping)]
    winner = next((o for o in rows if o.has_buy_box), None)
    summaries = _for_marketplace(item.get("summaries"), marketplace_id)
    ranks = _for_marketplace(item.get("salesRanks"), marketplace_id)
    rank_rows = (ranks.get("classificationRanks") or []) + (ranks.get("displayGroupRanks") or [])
    rank = next(
        (int(r["rank"]) for r in rank_rows if isinstance(r, Mapping) and str(r.get("rank", "")).isdigit()), None
    )
    return ItemCompetition(
        item_id=asin,
        currency=currency,
        title=str(summaries.get("itemName") or ""),
        brand=str(summaries.get("brand") or ""),
        offers=rows,
        offer_count=int(summary.get("TotalOfferCount") or 0),
        buy_box_price=_amount(box[0].get("LandedPrice")) if box else None,
        buy_box_seller=str((box[0].get("sellerId") if box else "") or (winner.seller_id if winner else "")),
        lowest_price=min(lowest) if lowest else None,
        sales_rank=rank,
    )


def _for_marketplace(entries: Any, marketplace_id: str) -> Mapping[str, Any]:
    """The entry of a Catalog Items per-marketplace array for ours (else the first; {} when none)."""
    rows = [e for e in entries or [] if isinstance(e, Mapping)]
    return next((e for e in rows if e.get("marketplaceId") == marketplace_id), rows[0] if rows else {})
