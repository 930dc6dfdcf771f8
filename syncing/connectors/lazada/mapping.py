"""Pure mapping between our listing dataclasses and Lazada product payloads.

Facts: docs/marketplaces/lazada.md#endpoints and docs/marketplaces/lazada.md#listing-limits.
"""

import json
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from ..base import ListingPayload, OfferUpdate, Rejected, RemoteListing, remote_issue, remote_time, status_lookup

# Lazada item status -> normalised status (docs/marketplaces/lazada.md#remote-status).
STATUS = {
    "Active": "live",
    "InActive": "inactive",
    "Pending QC": "in_review",
    "Rejected": "rejected",
    "Deleted": "deleted",
    "Suspended": "suppressed",
}
# Lazada payload field names (in `detail[].field`) -> our field names.
DETAIL_FIELDS = {
    "name": "title",
    "description": "description",
    "short_description": "description",
    "brand": "brand",
    "brand_id": "brand",
    "SellerSku": "sku",
    "price": "price",
    "Price": "price",
    "special_price": "price",
    "quantity": "quantity",
    "Quantity": "quantity",
    "package_weight": "weight_grams",
    "package_length": "length_mm",
    "package_width": "width_mm",
    "package_height": "height_mm",
    "Images": "images",
    "PrimaryCategory": "category_id",
    "Skus": "variants",
    "ItemId": "external_id",
}
CODE_FIELDS = {
    "4105": "sku",
    "4110": "attributes",
    "4134": "category_id",
    "4139": "images",
    "4169": "images",
    "209": "variants",
}
MISSING_PARAM = re.compile(r'parameter "([A-Za-z_]+)"')
LAZADA_IMAGE_HOSTS = ("slatic.net", "lazada")


def field_errors(code: str, message: str, detail: Any) -> dict[str, list[str]]:
    """Our field name -> messages for a Lazada validation error ({} when it is not about fields)."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, list):
        for entry in detail:
            if isinstance(entry, dict) and entry.get("field"):
                ours = DETAIL_FIELDS.get(str(entry["field"]), str(entry["field"]))
                out.setdefault(ours, []).append(str(entry.get("message") or message))
    if not out and code in CODE_FIELDS:
        out[CODE_FIELDS[code]] = [message]
    match = MISSING_PARAM.search(message)
    if not out and code == "E001" and match and match.group(1) in DETAIL_FIELDS:
        out[DETAIL_FIELDS[match.group(1)]] = [message]
    return out


def is_lazada_image(url: str) -> bool:
    return any(host in url.split("/")[2] for host in LAZADA_IMAGE_HOSTS) if url.count("/") >= 2 else False


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def _kg(grams: int) -> str:
    return str((Decimal(grams) / 1000).quantize(Decimal("0.001")))


def _cm(mm: int) -> str:
    return str((Decimal(mm) / 10).quantize(Decimal("0.1")))


def product_payload(payload: ListingPayload, images: Sequence[str], item_id: str = "") -> str:
    """The `payload` parameter (JSON form of `<Request><Product>`) for /product/create or /product/update."""
    if payload.category_id and not payload.category_id.isdigit():
        raise Rejected(
            "Lazada category ids are numbers.",
            field_errors={"category_id": [f"'{payload.category_id}' is not a Lazada category id."]},
            code="invalid_category",
        )
    attributes: dict[str, Any] = {"name": payload.title, "description": payload.description}
    attributes["brand"] = payload.brand or "No Brand"
    short = short_description(payload)
    if short:
        attributes["short_description"] = short
    attributes.update({k: v for k, v in payload.attributes.items() if k not in attributes})
    product: dict[str, Any] = {"Attributes": attributes, "Skus": {"Sku": _skus(payload)}}
    if images:
        product["Images"] = {"Image": list(images)}
    if item_id:
        product["ItemId"] = item_id
    if payload.category_id:
        product["PrimaryCategory"] = payload.category_id
    return json.dumps({"Request": {"Product": product}})


def short_description(payload: ListingPayload) -> str:
    """Lazada's `short_description` (text or a `<ul><li>` list, docs/marketplaces/lazada.md#content-fields): the
    short description when there is one, else the bullet points as a list (Lazada shows it as the highlights)."""
    if payload.short_description:
        return payload.short_description
    bullets = [b for b in payload.bullet_points if b]
    if not bullets:
        return ""
    return "<ul>" + "".join(f"<li>{escape(b)}</li>" for b in bullets) + "</ul>"


def _skus(payload: ListingPayload) -> list[dict[str, Any]]:
    package: dict[str, str] = {}
    if payload.weight_grams is not None:
        package["package_weight"] = _kg(payload.weight_grams)
    for ours, theirs in (
        ("length_mm", "package_length"),
        ("width_mm", "package_width"),
        ("height_mm", "package_height"),
    ):
        value = getattr(payload, ours)
        if value is not None:
            package[theirs] = _cm(value)
    rows = payload.variants or ()
    if not rows:
        return [
            {
                "SellerSku": payload.sku,
                "quantity": payload.quantity,
                **_prices(payload.price, payload.compare_at_price),
                **package,
            }
        ]
    return [
        {
            "SellerSku": v.sku,
            "quantity": v.quantity,
            **_prices(v.price, v.compare_at_price),
            "saleProp": dict(v.options),
            **package,
        }
        for v in rows
    ]


def _prices(price: Decimal, compare_at: Decimal | None) -> dict[str, str]:
    """Lazada's `price` is the regular price and `special_price` the lower selling price."""
    if compare_at is not None and compare_at > price:
        return {"price": _money(compare_at), "special_price": _money(price)}
    return {"price": _money(price)}


def offers_payload(offers: Sequence[OfferUpdate]) -> str:
    skus = []
    for offer in offers:
        sku: dict[str, Any] = {"ItemId": offer.external_id, "SellerSku": offer.sku}
        if offer.price is not None:
            sku["Price"] = _money(offer.price)
        if offer.quantity is not None:
            sku["Quantity"] = offer.quantity
        skus.append(sku)
    return json.dumps({"Request": {"Product": {"Skus": {"Sku": skus}}}})


def deactivate_body(item_id: str) -> str:
    """/product/deactivate takes XML in `apiRequestBody` (docs/marketplaces/lazada.md#endpoints)."""
    return f"<Request><Product><ItemId>{escape(item_id)}</ItemId></Product></Request>"


def to_remote(product: Mapping[str, Any]) -> RemoteListing:
    raw_status = str(product.get("status") or "")
    skus = product.get("skus") or []
    first = skus[0] if skus else {}
    price = Decimal(str(first["price"])) if "price" in first else None
    special = first.get("special_price")
    if special:
        price = Decimal(str(special))
    quantity = sum(int(s.get("quantity") or 0) for s in skus) if skus else None
    return RemoteListing(
        external_id=str(product["item_id"]),
        sku=str(first.get("SellerSku") or ""),
        title=str((product.get("attributes") or {}).get("name") or ""),
        price=price,
        quantity=quantity,
        status=status_lookup(STATUS, raw_status),
        raw_status=raw_status,
        raw=dict(product),
        issues=issues_of(product),
        updated_at=remote_time(product.get("updated_time"), millis=True),
        marketplace_ids=marketplace_ids(product),
    )


def issues_of(product: Mapping[str, Any]) -> tuple[dict[str, str], ...]:
    """QC's `rejectReason` ("; "-separated reasons) of a rejected or suspended item."""
    if str(product.get("status") or "") not in ("Rejected", "Suspended"):
        return ()
    reasons = [r.strip() for r in str(product.get("rejectReason") or "").split(";") if r.strip()]
    code = "QC_REJECTED" if product.get("status") == "Rejected" else "SUSPENDED"
    fix = "Correct the listing and publish again; Lazada reviews it again."
    return tuple(remote_issue(code, reason, fix=fix) for reason in reasons)


def marketplace_ids(product: Mapping[str, Any]) -> dict[str, str]:
    skus = [s for s in product.get("skus") or [] if isinstance(s, Mapping)]
    ids = {"item_id": str(product.get("item_id") or "")}
    if skus:
        ids["sku_ids"] = ",".join(str(s.get("SkuId") or "") for s in skus)
        ids["shop_skus"] = ",".join(str(s.get("ShopSku") or "") for s in skus)
    return ids
