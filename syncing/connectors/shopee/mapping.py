"""Pure mapping between our listing dataclasses and Shopee v2 product payloads.

Facts: docs/marketplaces/shopee.md#endpoints and docs/marketplaces/shopee.md#listing-limits.
"""

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from ..base import (
    SUPPRESSED,
    ListingPayload,
    Rejected,
    RemoteListing,
    RemoteVariant,
    VariantPayload,
    remote_issue,
    remote_time,
    status_lookup,
)
from ..variations import option_names

# Shopee item_status -> our status vocabulary.
# (A NORMAL item with `deboost` true is suppressed: docs/marketplaces/shopee.md#remote-status.)
STATUS = {
    "NORMAL": "live",
    "REVIEWING": "in_review",
    "BANNED": "rejected",
    "UNLIST": "inactive",
    "SELLER_DELETE": "deleted",
    "SHOPEE_DELETE": "deleted",
}
LISTED_STATUSES = ("NORMAL", "UNLIST", "REVIEWING", "BANNED")
# A pull also reads deleted items, so a deletion on Shopee reaches the listing.
PULLED_STATUSES = (*LISTED_STATUSES, "SELLER_DELETE", "SHOPEE_DELETE")

# Shopee validation error codes (without the "product." prefix) -> our field names.
ERROR_FIELDS = {
    "error_item_name_is_too_short": "title",
    "error_name_length_limit": "title",
    "error_title_exceeds_max_length": "title",
    "error_title_character_forbidden": "title",
    "error_desc_length_min_limit": "description",
    "error_desc_hash_tag_over_limit": "description",
    "error_image_num_min": "images",
    "error_image_unavailable": "images",
    "error_invalid_category": "category_id",
    "error_forbidden_category": "category_id",
    "error_invalid_attribute": "attributes",
    "error_less_required_attribute": "attributes",
    "error_invalid_brand": "brand",
    "error_brand_forbidden": "brand",
    "error_price_exceed_min_limitt": "price",
    "error_price_exceed_min_limit": "price",
    "error_price_exceed_max_limit": "price",
    "error_repeated_mtsku": "sku",
    "error_reach_shop_item_limit": "sku",
    "error_permission": "variants",
    "error_model_not_found": "variants",
}
# Shopee request field names (in "invalid field <name>: ..." messages) -> our field names.
REQUEST_FIELDS = {
    "item_name": "title",
    "description": "description",
    "original_price": "price",
    "image": "images",
    "image_id_list": "images",
    "category_id": "category_id",
    "weight": "weight_grams",
    "seller_stock": "quantity",
    "seller_stock.stock": "quantity",
    "stock": "quantity",
    "item_sku": "sku",
    "brand": "brand",
    "attribute_list": "attributes",
    "logistic_info": "logistics",
    "tier_variation": "variants",
    "model": "variants",
    "ItemId": "external_id",
    "item_id": "external_id",
}
INVALID_FIELD = re.compile(r"invalid field ([A-Za-z_.]+)")


def field_errors(error: str, message: str) -> dict[str, list[str]]:
    """Our field name -> messages for a Shopee validation error; empty when the error is not about a field."""
    code = error.split(".", 1)[-1]
    if code in ERROR_FIELDS:
        return {ERROR_FIELDS[code]: [message or code]}
    match = INVALID_FIELD.search(message)
    if code == "error_param" and match and error.startswith("product."):
        name = match.group(1)
        ours = REQUEST_FIELDS.get(name) or REQUEST_FIELDS.get(name.split(".")[0]) or name
        return {ours: [message]}
    return {}


def item_body(
    payload: ListingPayload, image_ids: Sequence[str], logistic_ids: Sequence[int], *, creating: bool
) -> dict[str, Any]:
    """add_item / update_item body. Shopee takes weight in kg and the price as a number; a family's item price and
    stock are placeholders (the lowest price, the total stock) until init_tier_variation gives each model its own."""
    if payload.category_id and not payload.category_id.isdigit():
        raise Rejected(
            "Shopee category ids are numbers.",
            field_errors={"category_id": [f"'{payload.category_id}' is not a Shopee category id."]},
            code="invalid_category",
        )
    price, quantity = _offer(payload)
    body: dict[str, Any] = {
        "item_name": payload.title,
        "description": payload.description,
        "original_price": float(price),
        "seller_stock": [{"stock": quantity}],
        "item_sku": payload.sku,
        "image": {"image_id_list": list(image_ids)},
        "brand": {"brand_id": 0, "original_brand_name": payload.brand or "NoBrand"},
        "condition": "NEW",
    }
    if payload.category_id:
        body["category_id"] = int(payload.category_id)
    if payload.weight_grams is not None:
        body["weight"] = round(payload.weight_grams / 1000, 3)
    if creating:
        body["logistic_info"] = [{"logistic_id": lid, "enabled": True} for lid in logistic_ids]
        body["item_status"] = "NORMAL"
    if payload.barcode:
        body["gtin_code"] = payload.barcode
    return body


def _offer(payload: ListingPayload) -> tuple[Decimal, int]:
    if payload.variants:
        return min(v.price for v in payload.variants), sum(v.quantity for v in payload.variants)
    return payload.price, payload.quantity


def tier_variation(variants: Sequence[VariantPayload]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(tier_variation, models) of init_tier_variation: one tier per option name, options in first-seen order,
    and each variant as a model at its options' tier_index with its own price, stock and SKU."""
    names = option_names([v.options for v in variants])
    options: list[list[str]] = [[] for _ in names]
    for variant in variants:
        for n, name in enumerate(names):
            value = str(variant.options.get(name, ""))
            if value not in options[n]:
                options[n].append(value)
    tiers = [
        {"name": name, "option_list": [{"option": o} for o in opts]} for name, opts in zip(names, options, strict=True)
    ]
    models = [
        {
            "tier_index": [options[n].index(str(v.options.get(name, ""))) for n, name in enumerate(names)],
            "original_price": float(v.price),
            "model_sku": v.sku,
            "seller_stock": [{"stock": v.quantity}],
        }
        for v in variants
    ]
    return tiers, models


def tier_options(tiers: Sequence[Mapping[str, Any]]) -> list[tuple[str, list[str]]]:
    return [(str(t.get("name")), [str(o.get("option")) for o in t.get("option_list") or []]) for t in tiers]


def remote_models(data: Mapping[str, Any]) -> tuple[RemoteVariant, ...]:
    """get_model_list's models with their options named from the tiers."""
    tiers = tier_options(data.get("tier_variation") or [])
    out = []
    for model in data.get("model") or []:
        prices = model.get("price_info") or []
        stock = (model.get("stock_info_v2") or {}).get("seller_stock") or []
        index = model.get("tier_index") or []
        options = {name: opts[i] for (name, opts), i in zip(tiers, index, strict=False) if 0 <= i < len(opts)}
        out.append(
            RemoteVariant(
                sku=str(model.get("model_sku") or ""),
                price=Decimal(str(prices[0]["original_price"])) if prices else None,
                quantity=sum(int(s.get("stock") or 0) for s in stock) if stock else None,
                external_id=str(model.get("model_id") or ""),
                options=options,
            )
        )
    return tuple(out)


def to_remote(item: Mapping[str, Any], models: Sequence[RemoteVariant] = ()) -> RemoteListing:
    raw_status = str(item.get("item_status") or "")
    prices = item.get("price_info") or []
    price = Decimal(str(prices[0]["original_price"])) if prices else None
    stock_info = (item.get("stock_info_v2") or {}).get("seller_stock") or []
    quantity = sum(int(entry.get("stock") or 0) for entry in stock_info) if stock_info else None
    return RemoteListing(
        external_id=str(item["item_id"]),
        sku=str(item.get("item_sku") or ""),
        title=str(item.get("item_name") or ""),
        price=price,
        quantity=quantity,
        status=status_of(item),
        raw_status=raw_status,
        raw=dict(item),
        issues=issues_of(item),
        updated_at=remote_time(item.get("update_time")),
        marketplace_ids={"item_id": str(item["item_id"])},
        variants=tuple(models),
    )


def status_of(item: Mapping[str, Any]) -> str:
    raw_status = str(item.get("item_status") or "")
    if raw_status == "NORMAL" and item.get("deboost"):
        return SUPPRESSED
    return status_lookup(STATUS, raw_status)


def issues_of(item: Mapping[str, Any]) -> tuple[dict[str, str], ...]:
    if str(item.get("item_status") or "") == "BANNED":
        code, fix = "BANNED", "Edit the item to follow Shopee's listing rules; Shopee reviews it again."
    elif item.get("deboost"):
        code, fix = "DEBOOST", "Fix the item's violation so Shopee stops reducing its visibility."
    else:
        return ()
    reasons = [str(r) for r in item.get("item_violation_reasons") or []] or [f"Shopee status {code}."]
    return tuple(remote_issue(code, reason, fix=fix) for reason in reasons)


def item_url(shop_id: str, item_id: str) -> str:
    return f"https://shopee.sg/product/{shop_id}/{item_id}"
