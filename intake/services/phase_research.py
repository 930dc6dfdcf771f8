"""Phase 2, market research (docs/intake.md#phase-2). Runs only once the item is identified (after the review
gate). Sources: our own catalog (the product the GTIN matched, the most similar titles of the category), what those
products actually sold for in our order history (median unit price of paid lines, docs/intake.md#phase-2) and, through
the first active Amazon channel, Amazon's catalog (Catalog Items searchCatalogItems by GTIN, else by keywords) and
the competition on the best matches (Product Pricing getItemOffers). Without an Amazon channel: our catalog only,
and the output says so.

Output schema (version 3): {"matches": [{"source", "title", "link", "price", "currency", "similarity", "units_sold"
(order history; else null),
"matched_by": "gtin"|"keywords"|"title", "product_id", "sku" (catalog; else null / ""), "asin", "brand",
"category", "list_price", "offer_count" (Amazon; else "" / null), + Amazon: "category_id", "lowest_price",
"buy_box_price"}], "price": {"min", "typical", "max",
"currency", "basis"} | None, "list_price": {"amount", "currency"} | None, "marketplace": {"brand", "category"} | None,
"channel": {"id", "name"} | None, "searched_by": "gtin"|"keywords"|None, "sources": [...], "notes": [...]}.
"""

import statistics
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.urls import reverse

from catalog.models import Product
from channels.models import Channel
from common.errors import ApplicationError
from orders.selectors import product_sold_prices
from syncing.connectors.market import CatalogMatch, MarketOffers, MarketResearch
from syncing.services.connection import connector_for

from ..analysis.similar import most_similar
from ..models import IntakeItem
from ..selectors import product_visible_to, research_channel

OUTPUT_VERSION = 3
CANDIDATES = 2000  # titles compared per item (newest first); a category rarely holds more
OFFERS_LOOKED_UP = 3  # getItemOffers calls per item: the best Amazon matches only (0.5 req/s on Amazon)
KEYWORD_MATCHES = 5
SOURCE_CATALOG = "our catalog"
SOURCE_ORDERS = "our order history"
SOURCE_AMAZON_SEARCH = "Amazon Catalog Items (searchCatalogItems)"
SOURCE_AMAZON_OFFERS = "Amazon Product Pricing (getItemOffers)"
NO_AMAZON = "No active Amazon channel: researched in our own catalog only."


def _value(item: IntakeItem, name: str) -> Any:
    return (item.fields.get(name) or {}).get("value")


def input_for(item: IntakeItem) -> dict[str, Any]:
    payload = {name: _value(item, name) for name in ("name", "brand", "model", "category", "barcode", "condition")}
    channel = research_channel(item.owner)
    payload["channel"] = channel.pk if channel is not None else None
    return payload


def _query(payload: dict[str, Any]) -> str:
    return " ".join(str(payload[k]) for k in ("brand", "name", "model") if payload[k])


def _catalog_match(product: Product, similarity: float, matched_by: str) -> dict[str, Any]:
    return {
        "source": SOURCE_CATALOG,
        "product_id": product.pk,
        "sku": product.sku,
        "title": product.title,
        "price": str(product.price),
        "currency": product.currency,
        "similarity": similarity,
        "matched_by": matched_by,
        "link": reverse("catalog:product_detail", args=[product.pk]),
        "asin": "",
        "brand": product.brand,
        "category": "",
        "list_price": None,
        "offer_count": None,
        "units_sold": None,
    }


def _sold(catalog: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A match per catalog match that sold in the last year: its median sold unit price, not its list price."""
    sold = product_sold_prices(m["product_id"] for m in catalog)
    matches = []
    for match in catalog:
        found = sold.get(match["product_id"])
        if found is not None:
            matches.append(
                {
                    **match,
                    "source": SOURCE_ORDERS,
                    "title": f"{match['title']} (sold {found.units} in {found.orders} orders)",
                    "price": str(found.median_unit_price),
                    "currency": found.currency,
                    "units_sold": found.units,
                }
            )
    return matches


def _catalog(item: IntakeItem, payload: dict[str, Any]) -> list[dict[str, Any]]:
    candidates = Product.objects.exclude(intake_items=item).exclude(status="archived")
    if payload["category"]:
        candidates = candidates.filter(category_id=payload["category"])
    rows = [p for p in candidates.order_by("-id")[:CANDIDATES] if product_visible_to(p, item.owner)]
    matches = []
    if payload["barcode"]:
        matches += [_catalog_match(p, 1.0, "gtin") for p in rows if p.barcode == payload["barcode"]]
    seen = {m["product_id"] for m in matches}
    for index, similarity in most_similar(_query(payload), [f"{p.brand} {p.title} {p.mpn}" for p in rows]):
        if rows[index].pk not in seen:
            matches.append(_catalog_match(rows[index], similarity, "title"))
    return matches


def _money(amount: Decimal | None) -> str | None:
    return None if amount is None else str(amount)


def _amazon_match(match: CatalogMatch, offers: MarketOffers | None, similarity: float, by: str) -> dict[str, Any]:
    competitive = (offers.buy_box_price or offers.lowest_price) if offers else None
    return {
        "source": "Amazon",
        "product_id": None,
        "sku": "",
        "asin": match.item_id,
        "title": match.title,
        "link": match.link,
        "brand": match.brand,
        "category": match.category,
        "category_id": match.category_id,
        "price": _money(competitive),
        "currency": offers.currency if offers else "",
        "list_price": _money(offers.list_price) if offers else None,
        "lowest_price": _money(offers.lowest_price) if offers else None,
        "buy_box_price": _money(offers.buy_box_price) if offers else None,
        "offer_count": offers.offer_count if offers else None,
        "units_sold": None,
        "similarity": similarity,
        "matched_by": by,
    }


def _amazon(
    channel: Channel, payload: dict[str, Any], checkpoint: Callable[[str], None]
) -> tuple[list[dict[str, Any]], str | None]:
    """Amazon matches with their offers, and how they were found. Connector errors (throttled, 5xx, refused
    credentials) propagate: the phase fails with the marketplace's message and can be retried."""
    connector = connector_for(channel)
    if not isinstance(connector, MarketResearch):
        raise ApplicationError(f"{channel.name}: this marketplace's connector offers no market research.")
    scored: list[tuple[CatalogMatch, float]] = []
    searched_by = None
    if payload["barcode"]:
        checkpoint("amazon search by GTIN")
        scored = [(m, 1.0) for m in connector.search_catalog_items(gtin=str(payload["barcode"]))]
        searched_by = "gtin"
    if not scored and _query(payload):
        checkpoint("amazon search by keywords")
        found = connector.search_catalog_items(keywords=_query(payload), page_size=KEYWORD_MATCHES)
        searched_by = "keywords"
        titles = [f"{m.brand} {m.title} {m.model}" for m in found]
        # best first; a title too unlike the item's is not a match
        scored = [(found[i], s) for i, s in most_similar(_query(payload), titles, top=len(found))]
    matches = []
    condition = str(payload["condition"] or "new")
    for match, similarity in scored[:OFFERS_LOOKED_UP]:
        checkpoint("amazon offers")
        offers = connector.get_item_offers(match.item_id, condition)
        matches.append(_amazon_match(match, offers, similarity, searched_by or ""))
    return matches, searched_by


def compute(item: IntakeItem, payload: dict[str, Any], checkpoint: Callable[[str], None]) -> dict[str, Any]:
    checkpoint("catalog")
    matches = _catalog(item, payload)
    sources, notes = [SOURCE_CATALOG], []
    checkpoint("order history")
    sold = _sold(matches)
    if sold:
        sources.append(SOURCE_ORDERS)
        matches = sold + matches
    channel = Channel.objects.filter(pk=payload["channel"]).first() if payload["channel"] else None
    amazon: list[dict[str, Any]] = []
    searched_by = None
    if channel is None:
        notes.append(NO_AMAZON)
    else:
        amazon, searched_by = _amazon(channel, payload, checkpoint)
        sources.append(f"{SOURCE_AMAZON_SEARCH} via {channel.name}")
        if amazon:
            sources.append(f"{SOURCE_AMAZON_OFFERS} via {channel.name}")
        else:
            notes.append(f"Amazon ({channel.name}) found no match by {searched_by or 'GTIN or keywords'}.")
    best = amazon[0] if amazon and amazon[0]["matched_by"] == "gtin" else None
    list_prices = [m for m in amazon if m["list_price"] and m["matched_by"] == "gtin"]
    return {
        "matches": amazon + matches,
        "price": _range(amazon + matches),
        "list_price": {"amount": list_prices[0]["list_price"], "currency": list_prices[0]["currency"]}
        if list_prices
        else None,
        "marketplace": {"brand": best["brand"], "category": best["category"]} if best else None,
        "channel": {"id": channel.pk, "name": channel.name} if channel else None,
        "searched_by": searched_by,
        "sources": sources,
        "notes": notes,
    }


def _range(matches: list[dict[str, Any]]) -> dict[str, str] | None:
    """min / typical (median) / max of the matches' prices in their most common currency; when some match by GTIN
    (the very item), only those count, else every similar one ("basis")."""
    priced = [m for m in matches if m["price"] and Decimal(m["price"]) > 0]
    exact = [m for m in priced if m["matched_by"] == "gtin"]
    basis = "same GTIN" if exact else "similar items"
    priced = exact or priced
    if not priced:
        return None
    currency = statistics.mode(m["currency"] for m in priced)
    prices = sorted(Decimal(m["price"]) for m in priced if m["currency"] == currency)
    return {
        "min": str(prices[0]),
        "typical": str(statistics.median(prices).quantize(Decimal("0.01"))),
        "max": str(prices[-1]),
        "currency": currency,
        "basis": basis,
    }


def apply(item: IntakeItem, output: dict[str, Any]) -> None:
    """Nothing to write besides the phase output: the SEO and listing phases read it."""


def summary(output: dict[str, Any]) -> dict[str, Any]:
    return {
        "matches": len(output["matches"]),
        "price": output["price"],
        "sources": output["sources"],
        "notes": output.get("notes", []),
    }
