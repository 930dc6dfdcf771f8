"""Connector round trips against the in-process sandbox: latency per operation and HTTP calls per operation.

Run: `.venv/bin/python benchmarks/run.py connectors`. Figures are medians of 3 runs; the machine is shared, so
read the ratios (operation time / one bare sandbox round trip, calls per operation) rather than milliseconds.
"""

import statistics
import time
from decimal import Decimal

import requests

from syncing.connectors.base import ChannelConfig, ListingPayload, OfferUpdate
from syncing.connectors.lazada.connector import LazadaConnector
from syncing.connectors.shopee.connector import ShopeeConnector
from syncing.connectors.shopify.connector import ShopifyConnector
from syncing.sandbox.demo import DEMO_ACCOUNTS
from syncing.sandbox.server import SandboxServer

ITEMS = 40
RUNS = 3
CONNECTORS = {"shopify": ShopifyConnector, "lazada": LazadaConnector, "shopee": ShopeeConnector}


def _payload(base_url: str, n: int) -> ListingPayload:
    return ListingPayload(
        sku=f"BENCH-{n}",
        title=f"Benchmark mug number {n}",
        description="A sturdy stoneware mug for benchmarks.",
        price=Decimal("12.50"),
        currency="SGD",
        quantity=5,
        brand="Acme",
        category_id="100644",
        image_urls=(f"{base_url}/_static/bench.png",),
        weight_grams=400,
        length_mm=100,
        width_mm=100,
        height_mm=100,
    )


def _bare_round_trip(server: SandboxServer) -> float:
    session = requests.Session()
    started = time.perf_counter()
    for _ in range(200):
        session.get(f"{server.base_url}/_control/health", timeout=5)
    return (time.perf_counter() - started) / 200 * 1000


def _run(server: SandboxServer, code: str) -> dict[str, float]:
    server.sandbox.reset()
    server.sandbox.set_rate(code, 1e6, 1e6)  # measure the round trips, not the documented throttles
    account = DEMO_ACCOUNTS[code]
    config = ChannelConfig(
        base_url=server.url(code),
        shop_id=str(account["shop_id"]),
        credentials=dict(account["credentials"]),  # type: ignore[call-overload]
    )
    connector = CONNECTORS[code](config)
    started = time.perf_counter()
    ids = [connector.push_listing(_payload(server.base_url, n)).external_id for n in range(ITEMS)]
    push = (time.perf_counter() - started) / ITEMS * 1000
    calls_push = len(server.sandbox.log(code)) / ITEMS
    before = len(server.sandbox.log(code))
    started = time.perf_counter()
    offers = [
        OfferUpdate(sku=f"BENCH-{n}", external_id=ids[n], price=Decimal("9.99"), quantity=3) for n in range(ITEMS)
    ]
    connector.update_offers(offers)
    offer = (time.perf_counter() - started) / ITEMS * 1000
    calls_offer = (len(server.sandbox.log(code)) - before) / ITEMS
    started = time.perf_counter()
    cursor, pulled = None, 0
    while True:
        page = connector.pull_listings(cursor)
        pulled += len(page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    pull = (time.perf_counter() - started) / pulled * 1000
    return {"push": push, "calls_push": calls_push, "offer": offer, "calls_offer": calls_offer, "pull": pull}


def main() -> None:
    server = SandboxServer(port=0).start()
    try:
        bare = statistics.median(_bare_round_trip(server) for _ in range(RUNS))
        print(f"bare sandbox round trip: {bare:.2f} ms")
        for code in CONNECTORS:
            runs = [_run(server, code) for _ in range(RUNS)]
            med = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
            print(
                f"{code:8s} push {med['push']:6.1f} ms/listing ({med['calls_push']:.1f} calls,"
                f" {med['push'] / bare:.0f}x bare)"
                f" | offers {med['offer']:5.1f} ms/item ({med['calls_offer']:.2f} calls)"
                f" | pull {med['pull']:5.2f} ms/listing"
            )
    finally:
        server.stop()
