"""Phase 2, market research (first slice: our own catalog). The item, identified first, is compared with the
catalog: the product its GTIN matched, and the most similar titles of its category; their prices give a suggested
range. Marketplace sources (Amazon Catalog Items and Product Pricing through the connectors) are a later slice.

Output schema (version 1): {"matches": [{"source", "product_id", "sku", "title", "price", "currency", "similarity",
"link"}], "price": {"min", "typical", "max", "currency"} | None, "sources": [...]}.
"""

import statistics
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.urls import reverse

from catalog.models import Product

from ..analysis.similar import most_similar
from ..models import IntakeItem
from ..selectors import product_visible_to

OUTPUT_VERSION = 1
CANDIDATES = 2000  # titles compared per item (newest first); a category rarely holds more
SOURCE_CATALOG = "our catalog"


def _value(item: IntakeItem, name: str) -> Any:
    return (item.fields.get(name) or {}).get("value")


def input_for(item: IntakeItem) -> dict[str, Any]:
    return {name: _value(item, name) for name in ("name", "brand", "model", "category", "barcode")}


def _match(product: Product, similarity: float) -> dict[str, Any]:
    return {
        "source": SOURCE_CATALOG,
        "product_id": product.pk,
        "sku": product.sku,
        "title": product.title,
        "price": str(product.price),
        "currency": product.currency,
        "similarity": similarity,
        "link": reverse("catalog:product_detail", args=[product.pk]),
    }


def compute(item: IntakeItem, payload: dict[str, Any], checkpoint: Callable[[str], None]) -> dict[str, Any]:
    checkpoint("catalog")
    candidates = Product.objects.exclude(intake_items=item).exclude(status="archived")
    if payload["category"]:
        candidates = candidates.filter(category_id=payload["category"])
    rows = [p for p in candidates.order_by("-id")[:CANDIDATES] if product_visible_to(p, item.owner)]
    matches = []
    if payload["barcode"]:
        matches += [_match(p, 1.0) for p in rows if p.barcode == payload["barcode"]]
    query = " ".join(str(payload[k]) for k in ("brand", "name", "model") if payload[k])
    seen = {m["product_id"] for m in matches}
    for index, similarity in most_similar(query, [f"{p.brand} {p.title} {p.mpn}" for p in rows]):
        if rows[index].pk not in seen:
            matches.append(_match(rows[index], similarity))
    return {"matches": matches, "price": _range(matches), "sources": [SOURCE_CATALOG]}


def _range(matches: list[dict[str, Any]]) -> dict[str, str] | None:
    priced = [m for m in matches if Decimal(m["price"]) > 0]
    if not priced:
        return None
    currency = statistics.mode(m["currency"] for m in priced)
    prices = sorted(Decimal(m["price"]) for m in priced if m["currency"] == currency)
    return {
        "min": str(prices[0]),
        "typical": str(statistics.median(prices).quantize(Decimal("0.01"))),
        "max": str(prices[-1]),
        "currency": currency,
    }


def apply(item: IntakeItem, output: dict[str, Any]) -> None:
    """Nothing to write besides the phase output: the listing phase reads the suggested price from it."""


def summary(output: dict[str, Any]) -> dict[str, Any]:
    return {"matches": len(output["matches"]), "price": output["price"], "sources": output["sources"]}
