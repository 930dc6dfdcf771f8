"""Pure mapping between our dataclasses and SP-API listings items.

Facts: docs/marketplaces/amazon.md#endpoints and docs/marketplaces/amazon.md#listing-limits.
"""

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from ..base import ListingPayload, RemoteListing, remote_issue, remote_time

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


def remote_listing(item: Mapping[str, Any]) -> RemoteListing:
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
    )
