"""TikTok Shop, Etsy and Amazon connectors against an in-process sandbox: time and HTTP calls per operation.

Prints, per marketplace, the median milliseconds and the number of HTTP requests the sandbox saw for: one create,
one update, a 20-item offer batch, and pulling 40 listings. Calls per operation matter more than milliseconds
here: they are what the marketplace's rate limit is charged with.
"""

import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from syncing.connectors.amazon.connector import AmazonConnector
from syncing.connectors.base import ChannelConfig, Connector, ListingPayload, OfferUpdate
from syncing.connectors.etsy.connector import EtsyConnector
from syncing.connectors.tiktok.connector import TiktokConnector
from syncing.sandbox.demo import DEMO_ACCOUNTS
from syncing.sandbox.server import SandboxServer

LISTINGS = 40
BATCH = 20
CONNECTORS: dict[str, tuple[type[Connector], str]] = {
    "tiktok": (TiktokConnector, "600123"),
    "etsy": (EtsyConnector, "1062"),
    "amazon": (AmazonConnector, "DRINKING_CUP"),
}


def _payload(server: SandboxServer, code: str, n: int, category: str, external_id: str = "") -> ListingPayload:
    return ListingPayload(
        sku=f"BENCH-{n:04d}",
        title=f"Ceramic coffee mug {n:04d}",
        description="Stoneware mug, 350 ml, dishwasher safe.",
        price=Decimal("12.50"),
        currency="USD",
        quantity=5,
        brand="Acme",
        category_id=category,
        image_urls=(f"{server.base_url}/_static/mug-{n}.png",),
        weight_grams=400,
        external_id=external_id,
    )


def _measure(server: SandboxServer, code: str, fn: Callable[[], Any]) -> tuple[float, int]:
    before = len(server.sandbox.log(code))
    started = time.perf_counter()
    fn()
    elapsed = (time.perf_counter() - started) * 1000
    return elapsed, len(server.sandbox.log(code)) - before


def bench(server: SandboxServer, code: str) -> dict[str, tuple[float, float]]:
    cls, category = CONNECTORS[code]
    account: dict[str, Any] = DEMO_ACCOUNTS[code]  # type: ignore[assignment]
    config = ChannelConfig(
        base_url=server.url(code),
        shop_id=str(account["shop_id"]),
        credentials=dict(account["credentials"]),
        currency="USD",
        timeout=10.0,
    )
    conn = cls(config, on_tokens=lambda tokens: None)
    conn.check_credentials()  # Amazon: first LWA exchange outside the figures
    creates, updates, ids = [], [], []
    for n in range(LISTINGS):
        holder: list[str] = []
        creates.append(
            _measure(
                server,
                code,
                lambda n=n, holder=holder: holder.append(
                    conn.push_listing(_payload(server, code, n, category)).external_id
                ),
            )
        )
        ids.append(holder[0])
    for n in range(5):
        updates.append(
            _measure(server, code, lambda n=n: conn.push_listing(_payload(server, code, n, category, ids[n])))
        )
    items = [
        OfferUpdate(sku=f"BENCH-{n:04d}", external_id=ids[n], price=Decimal("11.00"), quantity=3) for n in range(BATCH)
    ]
    batch = _measure(server, code, lambda: conn.update_offers(items))

    def pull_all() -> None:
        cursor = None
        while True:
            page = conn.pull_listings(cursor)
            cursor = page.next_cursor
            if cursor is None:
                return

    pull = _measure(server, code, pull_all)
    return {
        "create": (statistics.median(t for t, _ in creates), statistics.median(c for _, c in creates)),
        "update": (statistics.median(t for t, _ in updates), statistics.median(c for _, c in updates)),
        f"offers x{BATCH}": batch,
        f"pull {LISTINGS}": pull,
    }


def main() -> None:
    server = SandboxServer(port=0).start()
    try:
        for code in CONNECTORS:
            server.sandbox.reset()
            server.sandbox.set_rate(code, 100_000, 100_000)  # measure the connector, not the throttle
            figures = bench(server, code)
            parts = [f"{op} {ms:.1f} ms / {calls:g} calls" for op, (ms, calls) in figures.items()]
            print(f"{code:7s} " + "; ".join(parts))
            create_ms, create_calls = figures["create"]
            batch_ms, batch_calls = figures[f"offers x{BATCH}"]
            print(f"{code:7s} ratio: offer batch per item / create = {batch_ms / BATCH / create_ms:.2f} (time), "
                  f"{batch_calls / BATCH / create_calls:.2f} (calls)")  # fmt: skip
    finally:
        server.sandbox.reset()
        server.stop()
