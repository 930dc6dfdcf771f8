"""Best-seller ranks of the seller's own Amazon items in the sandbox (docs/marketplaces/amazon.md#best-seller-rank).

The catalog of other sellers' items (amazon_catalog.py) ranks each item in one classification and moves it every
sandbox hour. Our own listings are served by the same `getCatalogItem` and `searchCatalogItems` (identifiers of type
ASIN) once processed, with `salesRanks` in the documented shape: `classificationRanks` (a leaf browse node named
after the product type and its parent node, listed broad node first, so a reader has to pick the lowest number)
and `displayGroupRanks` (the website display group, a much larger number). The ranks are hashed from (seed, ASIN,
sandbox day): the same all day, moving from one day to the next. `POST /amazon/_control/catalog`
`{"sales_ranks": [{"asin", "classification_ranks": [{"title", "rank", "classificationId"?}],
"display_group_ranks"?: [...]}]}` pins an ASIN's ranks (an empty `classification_ranks` list: not ranked, as a
new listing is); `{"sales_ranks": [{"asin", "clear": true}]}` unpins it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from typing import Any

DAY_SECONDS = 86400
BASE_RANK_SPAN = 20000  # leaf ranks start between 50 and 20,049
DAILY_MOVES = (-0.25, -0.1, -0.05, 0.0, 0.05, 0.15, 0.3)  # rank factors - 1, one per (ASIN, day)
BROAD_FACTOR = 9  # the parent node ranks the item about 9 times lower (a larger number)
DISPLAY_GROUP_FACTOR = 40
DISPLAY_GROUP = ("home_display_on_website", "Home & Kitchen")


def _hash(*parts: Any) -> int:
    return int(hashlib.sha256(":".join(str(p) for p in parts).encode()).hexdigest()[:8], 16)


def sandbox_day(now: float) -> dt.date:
    return dt.datetime.fromtimestamp(now, dt.UTC).date()


def leaf_rank(seed: int, asin: str, day: dt.date) -> int:
    """The item's rank in its leaf node on `day`: a base per ASIN times a factor per (ASIN, day)."""
    base = _hash(seed, "bsr", asin) % BASE_RANK_SPAN + 50
    move = DAILY_MOVES[_hash(seed, "bsr-move", asin, day.isoformat()) % len(DAILY_MOVES)]
    return max(1, int(base * (1 + move)))


def _node(name: str) -> str:
    return str(_hash("node", name) % 90_000_000 + 10_000_000)


def hashed_ranks(seed: int, asin: str, product_type: str, day: dt.date, host: str) -> dict[str, Any]:
    rank = leaf_rank(seed, asin, day)
    leaf = product_type.replace("_", " ").title() or "Products"
    broad = f"{leaf} & Accessories"
    spread = _hash(seed, "spread", asin) % 50
    return {
        "classificationRanks": [
            {"classificationId": _node(broad), "title": broad, "rank": rank * BROAD_FACTOR + spread,
             "link": f"https://{host}/gp/bestsellers/{_node(broad)}"},
            {"classificationId": _node(leaf), "title": leaf, "rank": rank,
             "link": f"https://{host}/gp/bestsellers/{_node(leaf)}"},
        ],
        "displayGroupRanks": [
            {"websiteDisplayGroup": DISPLAY_GROUP[0], "title": DISPLAY_GROUP[1], "rank": rank * DISPLAY_GROUP_FACTOR,
             "link": f"https://{host}/gp/bestsellers/home-garden"},
        ],
    }  # fmt: skip


class OwnSalesRanks:
    """Pinned ranks of our own ASINs (test control); everything else is hashed per day."""

    def __init__(self) -> None:
        self.pinned: dict[str, dict[str, Any]] = {}

    def control(self, entries: Any) -> list[str]:
        if not isinstance(entries, list):
            raise ValueError("'sales_ranks' must be a list of {asin, classification_ranks, display_group_ranks?}.")
        done = []
        for entry in entries:
            asin = str((entry or {}).get("asin") or "")
            if not asin:
                raise ValueError("Each 'sales_ranks' entry needs 'asin'.")
            if entry.get("clear"):
                self.pinned.pop(asin, None)
            else:
                self.pinned[asin] = {
                    "classificationRanks": [_rank_entry(r, "classificationId") for r in entry["classification_ranks"]],
                    "displayGroupRanks": [_rank_entry(r, "websiteDisplayGroup") for r in
                                          entry.get("display_group_ranks") or []],
                }  # fmt: skip
            done.append(asin)
        return done


def _rank_entry(data: Mapping[str, Any], id_key: str) -> dict[str, Any]:
    rank = data.get("rank")
    if isinstance(rank, bool) or not isinstance(rank, int) or rank < 1:
        raise ValueError("Each rank needs 'rank', a whole number of at least 1.")
    title = str(data.get("title") or "")
    ident = str(data.get(id_key) or data.get("classificationId") or _node(title))
    return {id_key: ident, "title": title, "rank": rank, "link": f"https://www.amazon.com/gp/bestsellers/{ident}"}


def own_items(module: Any, seller: str, marketplace_id: str, host: str) -> dict[str, dict[str, Any]]:
    """The seller's processed listings as catalog items (by ASIN), each with its `sales_ranks` for today."""
    ranks: OwnSalesRanks = module.catalog.own_ranks
    day = sandbox_day(module.now())
    out: dict[str, dict[str, Any]] = {}
    for (owner, _sku), item in module.listings.items():
        live = item.get("live")
        if owner != seller or not live:
            continue
        attributes = live.get("attributes") or {}
        names = attributes.get("item_name") or [{}]
        brands = attributes.get("brand") or [{}]
        asin = str(item["asin"])
        product_type = str(item.get("productType") or "")
        pinned = ranks.pinned.get(asin)
        if pinned is None:
            pinned = hashed_ranks(module.sandbox.seed, asin, product_type, day, host)
        out[asin] = {
            "asin": asin, "gtin": "", "title": str(names[0].get("value") or ""),
            "brand": str(brands[0].get("value") or ""), "model": "",
            "category": product_type.replace("_", " ").title(), "category_id": _node(product_type),
            "list_price": None, "currency": "USD", "rank": None, "rank_pinned": False, "sales_ranks": pinned,
        }  # fmt: skip
    return out
