"""Incremental pull: 10,000 remote items of which 50 changed since the cursor (issue 18, docs/sync.md#pull-and-drift).

For each marketplace the sandbox holds 10,000 items (one created through the connector, then copied inside the
sandbox with new ids), all last updated two days ago except 50 updated now. An incremental pull from a cursor one
hour ago pages `pull_listings(cursor, updated_since=...)` exactly as the pull job does; we count the marketplace's
list calls (detail reads such as Shopee's get_item_base_info are counted apart) and compare them with the target
ceil(50 / page size) + 2. Etsy has no "updated since" filter: an incremental pull reads its three live listing
states (active, inactive, sold out) newest first and stops at the cursor, one call per state.
"""

import copy
import math
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from syncing.connectors import CONNECTORS
from syncing.connectors.base import ChannelConfig, ListingPayload
from syncing.sandbox.demo import DEMO_ACCOUNTS
from syncing.sandbox.server import SandboxServer

TOTAL = 10_000
CHANGED = 50
OLD = 2 * 86400  # seconds before now the unchanged items were last updated

# (ListingPayload overrides, ChannelConfig overrides, path part of the marketplace's list call)
MARKETS: dict[str, tuple[dict[str, Any], dict[str, str], str]] = {
    "shopify": ({}, {}, "graphql.json"),
    "lazada": ({}, {}, "/products/get"),
    "shopee": ({}, {}, "get_item_list"),
    "tiktok": ({"currency": "USD", "category_id": "600123"}, {"currency": "USD"}, "/products/search"),
    "etsy": ({"currency": "USD", "category_id": "1062"}, {"currency": "USD"}, "/listings"),
    "amazon": (
        {"currency": "USD", "category_id": "DRINKING_CUP"},
        {"currency": "USD", "language": "en", "country": "US"},
        "/listings/2021-08-01/items/",
    ),
}


def _iso(moment: float, millis: bool = False) -> str:
    text = datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return text + (".000Z" if millis else "Z")


def _fill(code: str, module: Any, now: float) -> None:
    """Copy the one stored item to TOTAL items; the first CHANGED updated now, the others two days ago."""
    old = now - OLD
    stamps = [now if n < CHANGED else old for n in range(TOTAL)]
    fillers: dict[str, Callable[[], None]] = {
        "shopify": lambda: _copies(module.products, "id", lambda i: i, "updatedAt", [_iso(s) for s in stamps]),
        "lazada": lambda: _copies(
            module.products, "item_id", lambda i: i, "updated_time", [int(s * 1000) for s in stamps]
        ),
        "shopee": lambda: _copies(module.item_store, "item_id", lambda i: i, "update_time", [int(s) for s in stamps]),
        "tiktok": lambda: _copies(module.products, "id", str, "update_time", [int(s) for s in stamps]),
        "etsy": lambda: _copies(module.listings, "listing_id", str, "updated_timestamp", [int(s) for s in stamps]),
        "amazon": lambda: _amazon_copies(module, [_iso(s, millis=True) for s in stamps]),
    }
    fillers[code]()


def _copies(store: dict, id_key: str, key_of: Callable[[int], Any], time_key: str, stamps: list[Any]) -> None:
    (template,) = list(store.values())
    store.clear()
    base = int(str(template[id_key])) + 1_000_000
    for n, stamp in enumerate(stamps):
        item = copy.deepcopy(template)
        item[id_key] = key_of(base + n) if id_key == "id" and isinstance(template[id_key], str) else base + n
        item[time_key] = stamp
        store[key_of(base + n)] = item


def _amazon_copies(module: Any, stamps: list[str]) -> None:
    ((seller, _), template) = next(iter(module.listings.items()))
    module.listings.clear()
    for n, stamp in enumerate(stamps):
        item = copy.deepcopy(template)
        item["sku"] = f"BENCH-{n:05d}"
        item["live"]["lastUpdatedDate"] = stamp
        module.listings[(seller, item["sku"])] = item


def bench(server: SandboxServer, code: str) -> tuple[int, int, int, int, float]:
    payload_fields, config_fields, list_path = MARKETS[code]
    account: dict[str, Any] = DEMO_ACCOUNTS[code]  # type: ignore[assignment]
    config = ChannelConfig(
        base_url=server.url(code),
        shop_id=str(account["shop_id"]),
        credentials=dict(account["credentials"]),
        timeout=30.0,
        **config_fields,
    )
    conn = CONNECTORS[code](config, on_tokens=lambda tokens: None)
    values: dict[str, Any] = {
        "sku": "BENCH-TEMPLATE",
        "title": "Ceramic coffee mug",
        "description": "Stoneware mug, 350 ml, dishwasher safe.",
        "price": Decimal("12.50"),
        "currency": "SGD",
        "quantity": 5,
        "brand": "Acme",
        "category_id": "100644",
        "image_urls": (f"{server.base_url}/_static/mug.png",),
        "weight_grams": 400,
        "length_mm": 120,
        "width_mm": 90,
        "height_mm": 100,
        **payload_fields,
    }
    conn.push_listing(ListingPayload(**values))
    module = server.sandbox.module(code)
    with server.sandbox.lock:
        _fill(code, module, server.sandbox.clock.now())
    since = datetime.fromtimestamp(server.sandbox.clock.now(), UTC) - timedelta(hours=1)
    before = len(server.sandbox.log(code))
    started = time.perf_counter()
    seen, cursor = 0, None
    while True:
        page = conn.pull_listings(cursor, updated_since=since)
        seen += len(page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    elapsed = time.perf_counter() - started
    entries = server.sandbox.log(code)[before:]
    lists = sum(1 for e in entries if list_path in e["path"] and not e["path"].endswith("BENCH-TEMPLATE"))
    return seen, lists, len(entries), conn.page_size if hasattr(conn, "page_size") else 0, elapsed


def main() -> None:
    server = SandboxServer(port=0).start()
    try:
        for code in MARKETS:
            server.sandbox.reset()
            server.sandbox.set_rate(code, 100_000, 100_000)  # measure the calls, not the throttle
            seen, lists, calls, page_size, elapsed = bench(server, code)
            bound = math.ceil(CHANGED / page_size) + 2 if page_size else 0
            verdict = "ok" if lists <= bound else "ABOVE BOUND"
            full = math.ceil(TOTAL / page_size) if page_size else 0  # list calls a full read needs at least
            print(
                f"{code:7s} {TOTAL} items, {CHANGED} changed: read {seen}, {lists} list calls "
                f"(bound {bound}, page {page_size}; {calls} requests in all) in {elapsed * 1000:.0f} ms - {verdict}; "
                f"full read >= {full} list calls, ratio {lists / full:.4f}"
            )
    finally:
        server.sandbox.reset()
        server.stop()


if __name__ == "__main__":
    main()
