"""Pure mapping between our dataclasses and TikTok Shop product payloads.

Facts: docs/marketplaces/tiktok.md#endpoints and docs/marketplaces/tiktok.md#listing-limits.
"""

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from ..base import ListingPayload, RemoteListing, VariantPayload, remote_issue, remote_time, status_lookup

NON_FIELD = "__all__"

# TikTok product/validation codes (docs/marketplaces/tiktok.md#errors) -> our field names.
FIELD_BY_CODE: dict[int, str] = {
    12052051: "title",
    12052028: "images",
    12052306: "images",
    12019011: "weight_grams",
    12052054: "sku",
    12052050: "variants",
}
# Fallback for codes TikTok's docs do not list (docs/marketplaces/tiktok.md#errors): the parameter the message names.
FIELD_BY_WORD: tuple[tuple[str, str], ...] = (
    ("title", "title"),
    ("description", "description"),
    ("main_image", "images"),
    ("image", "images"),
    ("category", "category_id"),
    ("package_weight", "weight_grams"),
    ("weight", "weight_grams"),
    ("seller_sku", "sku"),
    ("price", "price"),
    ("currency", "currency"),
    ("inventory", "quantity"),
    ("quantity", "quantity"),
    ("warehouse", "quantity"),
)

# Currencies without minor units in TikTok's markets.
ZERO_DECIMAL = frozenset({"IDR", "JPY", "VND"})


def field_for_code(code: int, message: str = "") -> str:
    if code in FIELD_BY_CODE:
        return FIELD_BY_CODE[code]
    lowered = message.lower()
    for word, field in FIELD_BY_WORD:
        if word in lowered:
            return field
    return NON_FIELD


def amount(value: Decimal, currency: str) -> str:
    """TikTok wants prices as strings; whole units for zero-decimal currencies."""
    step = Decimal("1") if currency.upper() in ZERO_DECIMAL else Decimal("0.01")
    return str(value.quantize(step))


def _sku(variant: VariantPayload, currency: str, warehouse_id: str) -> dict[str, Any]:
    sku: dict[str, Any] = {
        "seller_sku": variant.sku,
        "price": {"amount": amount(variant.price, currency), "currency": currency},
        "inventory": [{"warehouse_id": warehouse_id, "quantity": variant.quantity}],
    }
    if variant.options:
        sku["sales_attributes"] = [{"name": name, "value_name": value} for name, value in variant.options.items()]
    if variant.barcode:
        sku["identifier_code"] = {"code": variant.barcode, "type": _barcode_type(variant.barcode)}
    return sku


def _barcode_type(code: str) -> str:
    return {8: "EAN", 12: "UPC", 13: "EAN", 14: "GTIN"}.get(len(code), "GTIN")


def product_body(payload: ListingPayload, *, warehouse_id: str, image_uris: Sequence[str]) -> dict[str, Any]:
    """Create / full-edit body. Variants become SKUs; a product without variants is one SKU."""
    currency = payload.currency.upper()
    variants = list(payload.variants) or [
        VariantPayload(sku=payload.sku, price=payload.price, quantity=payload.quantity, barcode=payload.barcode)
    ]
    body: dict[str, Any] = {
        "title": payload.title,
        "description": payload.description,
        "category_id": payload.category_id,
        "main_images": [{"uri": uri} for uri in image_uris],
        "skus": [_sku(v, currency, warehouse_id) for v in variants],
        "external_product_id": payload.sku,
    }
    if payload.weight_grams is not None:
        kilograms = (Decimal(payload.weight_grams) / Decimal(1000)).quantize(Decimal("0.001"))
        body["package_weight"] = {"value": str(kilograms), "unit": "KILOGRAM"}
    dimensions = (payload.length_mm, payload.width_mm, payload.height_mm)
    if all(d is not None for d in dimensions):
        length, width, height = (str((Decimal(d or 0) / Decimal(10)).quantize(Decimal("0.1"))) for d in dimensions)
        # weight and dimensions in the same unit system, KILOGRAM <-> CENTIMETER
        # (docs/marketplaces/tiktok.md#listing-limits)
        body["package_dimensions"] = {"length": length, "width": width, "height": height, "unit": "CENTIMETER"}
    return body


def price_body(sku_id: str, price: Decimal, currency: str) -> dict[str, Any]:
    return {"skus": [{"id": sku_id, "price": {"amount": amount(price, currency), "currency": currency.upper()}}]}


def inventory_body(sku_ids_and_quantities: Sequence[tuple[str, int]], warehouse_id: str) -> dict[str, Any]:
    return {
        "skus": [
            {"id": sku_id, "inventory": [{"warehouse_id": warehouse_id, "quantity": quantity}]}
            for sku_id, quantity in sku_ids_and_quantities
        ]
    }


# TikTok product status -> normalised status (docs/marketplaces/tiktok.md#remote-status).
STATUS = {
    "ACTIVATE": "live",
    "PENDING": "in_review",
    "FAILED": "rejected",
    "DRAFT": "inactive",
    "SELLER_DEACTIVATED": "inactive",
    "PLATFORM_DEACTIVATED": "suppressed",
    "FREEZE": "suppressed",
    "DELETED": "deleted",
}


def status_of(product: Mapping[str, Any]) -> tuple[str, str]:
    """(normalised status, TikTok's raw status). Audit in progress wins over the product status."""
    raw = str(product.get("status", ""))
    audit = product.get("audit") or {}
    audit_status = str(audit.get("status", "")) if isinstance(audit, Mapping) else ""
    if audit_status == "AUDITING" or raw == "PENDING":
        return "in_review", raw or audit_status
    return status_lookup(STATUS, raw), raw


def issues_of(product: Mapping[str, Any]) -> tuple[dict[str, str], ...]:
    """`audit_failed_reasons[]{position, reasons[], suggestions[]}` as issues (the suggestion is the fix)."""
    issues = []
    for entry in product.get("audit_failed_reasons") or []:
        if not isinstance(entry, Mapping):
            continue
        fix = " ".join(str(s) for s in entry.get("suggestions") or [])
        for reason in entry.get("reasons") or []:
            issues.append(remote_issue(str(entry.get("position") or "product"), str(reason), fix=fix))
    return tuple(issues)


def marketplace_ids(product: Mapping[str, Any]) -> dict[str, str]:
    skus = [s for s in product.get("skus") or [] if isinstance(s, Mapping)]
    ids = {"product_id": str(product.get("id") or product.get("product_id") or "")}
    if skus:
        ids["sku_ids"] = ",".join(str(s.get("id") or "") for s in skus)
    return ids


def _price(sku: Mapping[str, Any]) -> Decimal | None:
    price = sku.get("price") or {}
    for key in ("tax_exclusive_price", "amount", "sale_price"):
        value = price.get(key) if isinstance(price, Mapping) else None
        if value not in (None, ""):
            try:
                return Decimal(str(value))
            except InvalidOperation:
                return None
    return None


def _quantity(sku: Mapping[str, Any]) -> int | None:
    inventory = sku.get("inventory")
    if not isinstance(inventory, list):
        return None
    return sum(int(row.get("quantity", 0)) for row in inventory if isinstance(row, Mapping))


def remote_listing(product: Mapping[str, Any]) -> RemoteListing:
    skus = [s for s in product.get("skus") or [] if isinstance(s, Mapping)]
    first = skus[0] if skus else {}
    status, raw = status_of(product)
    quantities = [q for q in (_quantity(s) for s in skus) if q is not None]
    return RemoteListing(
        external_id=str(product.get("id", "")),
        sku=str(product.get("external_product_id") or first.get("seller_sku", "")),
        title=str(product.get("title", "")),
        price=_price(first),
        quantity=sum(quantities) if quantities else None,
        status=status,
        raw_status=raw,
        raw=dict(product),
        issues=issues_of(product),
        updated_at=remote_time(product.get("update_time")),
        marketplace_ids=marketplace_ids(product),
    )


def review_notes(product: Mapping[str, Any]) -> list[str]:
    """Reasons TikTok gives for a failed audit, plus create/edit warnings."""
    notes: list[str] = []
    audit = product.get("audit_failed_reasons") or []
    for reason in audit if isinstance(audit, list) else []:
        if isinstance(reason, Mapping):
            notes.extend(str(r) for r in reason.get("reasons", []) or [])
    for warning in product.get("warnings") or []:
        if isinstance(warning, Mapping) and warning.get("message"):
            notes.append(str(warning["message"]))
    return notes


def sku_ids(product: Mapping[str, Any]) -> dict[str, str]:
    """seller_sku -> TikTok SKU id."""
    return {
        str(s.get("seller_sku", "")): str(s.get("id", ""))
        for s in product.get("skus") or []
        if isinstance(s, Mapping) and s.get("id")
    }
