"""Push on change (docs/sync.md): how fast a price edit reaches the marketplace, and how well an import's price
changes use each channel's rate and the marketplaces' batch endpoints.

1. Latency: one price edit (through `product_update`, the service the staff form calls) of a product listed on
   Lazada, Shopee and Shopify channels; the time until the sandbox shows the new price, over BENCH_PUSH_EDITS
   edits (default 20), with the default worker settings (2 workers, 2 s debounce). Goal: p95 <= 5 s.
2. Import: BENCH_PUSH_PRODUCTS products (default 1000) listed on the three channels, an import changing every
   price; the sandbox's log gives, per channel, the calls made, their rate against the channel's allowed rate
   (goal >= 0.9) and their number against the minimum the marketplace's batch endpoints allow (goal <= 1.2x).
   The import runs twice on the same data, seconds apart: with the default worker settings, then with the
   cluster restarted with SYNC_OFFER_THREADS=1 (one price/stock batch at a time per worker, as before).

Everything runs on loopback: a fresh SQLite file, the marketplace sandbox in this process, `manage.py qcluster` as a
subprocess (ORM broker). Set-up data is written by this module run as a subprocess on that database; the set-up
publish runs at BENCH_PUSH_SETUP_RATE (channels and sandbox alike, default 200 requests/s) and the measured
rates are set afterwards, so that the 3,000 creates do not take most of the run.
Environment: BENCH_PUSH_PRODUCTS, BENCH_PUSH_EDITS, BENCH_PUSH_RATE (requests/s per channel, default 40),
BENCH_PUSH_SETUP_RATE.
"""

import functools
import http.server
import json
import math
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MARKETS = ("lazada", "shopee", "shopify")
CATEGORY = {"lazada": "10000123", "shopee": "100644", "shopify": "cat-1"}
SKU_KEYS = ("sku", "SellerSku", "item_sku", "seller_sku")
SHOPIFY_RATE = 10.0  # requests/s: a mutation costs 10 of the 100 points/s Shopify restores (our channel default)
PRICE_KEYS = ("price", "original_price")


# --- set-up, run as a subprocess on the benchmark database ---


def _setup(args: dict[str, Any]) -> dict[str, Any]:
    from decimal import Decimal

    from django.db import transaction

    from catalog.choices import ProductStatus
    from catalog.demo import demo_image
    from catalog.models import Product, ProductImage
    from catalog.services import category_create, image_add, product_create
    from channels.services import category_mapping_set, channel_create
    from listings.models import Listing
    from syncing.services import listings_publish

    category = category_create(name="Bench push")
    channels = []
    for code in MARKETS:
        channel = channel_create(
            name=f"Bench push {code}",
            marketplace=code,
            country="US",
            currency="USD",
            base_url=args["urls"][code],
            shop_id=args["accounts"][code]["shop_id"],
            credentials=args["accounts"][code]["credentials"],
            rate_limit_per_second=args["rates"][code],
            rate_limit_burst=10,
        )
        category_mapping_set(channel=channel, category=category, external_category_id=CATEGORY[code])
        channels.append(channel)
    fields = {
        "description": "<p>Benchmark product.</p>",
        "brand": "Acme",
        "price": Decimal("20.00"),
        "currency": "USD",
        "quantity": 10,
        "status": ProductStatus.ACTIVE,
        "category": category,
        "weight_grams": 500,
        "length_mm": 200,
        "width_mm": 100,
        "height_mm": 50,
    }
    first = product_create(sku="PUSH-00000", title="Push product 0", **fields)
    image = image_add(product=first, upload=demo_image((40, 110, 200), 7, size=1000), filename="main.png")
    with transaction.atomic():
        products = [first] + Product.objects.bulk_create(
            [Product(sku=f"PUSH-{n:05d}", title=f"Push product {n}", **fields) for n in range(1, args["count"])],
            batch_size=500,
        )
        ProductImage.objects.bulk_create(
            [
                ProductImage(
                    product=product,
                    image=image.image.name,
                    original_filename=image.original_filename,
                    sha256=image.sha256,
                    width=image.width,
                    height=image.height,
                    file_size=image.file_size,
                    is_primary=True,
                    metadata=image.metadata,
                )
                for product in products[1:]
            ],
            batch_size=500,
        )
        Listing.objects.bulk_create([Listing(product=p, channel=c) for c in channels for p in products], batch_size=500)
    jobs = [
        listings_publish(channel=c, listing_ids=list(Listing.objects.filter(channel=c).values_list("pk", flat=True))).pk
        for c in channels
    ]
    return {"jobs": jobs}


def _rates(args: dict[str, Any]) -> dict[str, Any]:
    """After the set-up: the channels' measured rates, and fresh rate buckets (the set-up's are for its rate)."""
    from channels.models import Channel
    from syncing.models import RateBucket

    for code, rate in args["rates"].items():
        Channel.objects.filter(marketplace=code, name=f"Bench push {code}").update(rate_limit_per_second=rate)
    RateBucket.objects.all().delete()
    return {}


def _edit(args: dict[str, Any]) -> dict[str, Any]:
    from decimal import Decimal

    from catalog.models import Product
    from catalog.services import product_update

    product_update(product=Product.objects.get(sku=args["sku"]), price=Decimal(args["price"]))
    return {"committed": time.time()}


def _import(args: dict[str, Any]) -> dict[str, Any]:
    import openpyxl

    from catalog.importing.services import import_file

    path = Path(args["path"])
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Products"
    sheet.append(["sku", "price"])
    for n in range(args["count"]):
        sheet.append([f"PUSH-{n:05d}", args["price"]])
    book.save(path)
    started = time.time()
    batch = import_file(path=path)
    return {"started": started, "committed": time.time(), "updated": batch.updated_count}


COMMANDS = {"setup": _setup, "rates": _rates, "edit": _edit, "import": _import}


# --- the benchmark ---


def _price_of(item: Any, sku: str) -> float | None:
    """The price of `sku` anywhere in a sandbox item (each marketplace nests it its own way)."""
    if isinstance(item, dict):
        if any(item.get(key) == sku for key in SKU_KEYS):
            for key in PRICE_KEYS:
                if item.get(key) is not None:
                    return float(item[key])
        for value in item.values():
            found = _price_of(value, sku)
            if found is not None:
                return found
    elif isinstance(item, list):
        for value in item:
            found = _price_of(value, sku)
            if found is not None:
                return found
    return None


def _sub(command: str, args: dict[str, Any], env: dict[str, str], wait: bool = True) -> Any:
    argv = [sys.executable, "-m", "benchmarks.bench_push", command, json.dumps(args)]
    if not wait:
        return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    out = subprocess.run(argv, cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=1800)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _jobs_done(db: Path, ids: list[int]) -> bool:
    conn = sqlite3.connect(db, timeout=30)
    try:
        marks = ",".join("?" * len(ids))
        rows = conn.execute(f"SELECT status FROM syncing_syncjob WHERE id IN ({marks})", ids).fetchall()
    finally:
        conn.close()
    return all(status not in ("queued", "running") for (status,) in rows)


def _marked(db: Path) -> int:
    conn = sqlite3.connect(db, timeout=30)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM listings_listing WHERE changed_since_push").fetchone()[0])
    finally:
        conn.close()


def _offer_jobs_busy(db: Path) -> int:
    conn = sqlite3.connect(db, timeout=30)
    try:
        sql = (
            "SELECT COUNT(*) FROM syncing_syncjob "
            "WHERE kind IN ('reprice', 'restock') AND status IN ('queued', 'running')"
        )
        return int(conn.execute(sql).fetchone()[0])
    finally:
        conn.close()


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def _latency(server: Any, env: dict[str, str], edits: int) -> None:
    seen: dict[str, dict[float, float]] = {code: {} for code in MARKETS}
    for n in range(edits):
        price = 21 + n / 100 + 0.001  # a new price every edit
        price_text = f"{price:.2f}"
        proc = _sub("edit", {"sku": "PUSH-00000", "price": price_text}, env, wait=False)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len([c for c in MARKETS if float(price_text) in seen[c]]) < 3:
            now = time.time()
            for code in MARKETS:
                if float(price_text) in seen[code]:
                    continue
                items = server.sandbox.items(code)
                if any(_price_of(item, "PUSH-00000") == float(price_text) for item in items):
                    seen[code][float(price_text)] = now
            time.sleep(0.05)
        committed = json.loads(proc.communicate(timeout=60)[0].strip().splitlines()[-1])["committed"]
        for code in MARKETS:
            if float(price_text) in seen[code]:
                seen[code][float(price_text)] -= committed
    for code in MARKETS:
        values = list(seen[code].values())
        if not values:
            print(f"latency {code}: no edit arrived")
            continue
        print(
            f"latency {code}: {len(values)}/{edits} edits arrived; median {statistics.median(values):.2f} s, "
            f"p95 {_p95(values):.2f} s, max {max(values):.2f} s (goal p95 <= 5 s)"
        )


def _minimum_calls(code: str, count: int) -> int:
    """Calls the marketplaces' batch endpoints need at best for `count` price/stock updates of plain items."""
    if code == "lazada":
        return math.ceil(count / 50)  # price_quantity/update takes 50 SKUs
    if code == "shopee":
        return 2 * count  # update_price and update_stock take one item each
    return count + 2 * math.ceil(count / 250)  # one variants bulk update per product; nodes and inventory by 250


def _import_run(
    server: Any, env: dict[str, str], db: Path, tmp: Path, count: int, rates: dict[str, float], price: str, label: str
) -> None:
    result = _sub("import", {"path": str(tmp / "prices.xlsx"), "count": count, "price": price}, env)
    deadline = time.monotonic() + 1800
    # Poll the database, not the sandbox: walking 3,000 sandbox items takes the sandbox's own interpreter time.
    time.sleep(1.0)
    while time.monotonic() < deadline and (_marked(db) or _offer_jobs_busy(db)):
        time.sleep(0.5)
    print(
        f"import ({label}): {result['updated']} products updated, committed in "
        f"{result['committed'] - result['started']:.1f} s",
        flush=True,
    )
    for code in MARKETS:
        # By time, not by position: the sandbox log drops its oldest entries past its limit.
        entries = [entry for entry in server.sandbox.log(code) if entry["time"] >= result["started"]]
        items = server.sandbox.items(code)
        there = sum(
            1 for item in items for sku in _skus(item) if abs((_price_of(item, sku) or 0) - float(price)) < 0.001
        )
        if not entries:
            print(f"import {code}: no calls")
            continue
        span = max(entries[-1]["time"] - entries[0]["time"], 1e-9)
        arrived = entries[-1]["time"] - result["committed"]
        minimum = _minimum_calls(code, count)
        calls_rate, rate, unit = len(entries) / span, rates[code], "req/s"
        if code == "shopify":  # Shopify limits by calculated query cost: points per second (sandbox log "cost")
            calls_rate = sum(entry.get("cost", 0) for entry in entries) / span
            rate, unit = server.sandbox.module("shopify").default_rate.rate, "points/s"
        throttled = sum(1 for entry in entries if entry.get("status") == 429 or entry.get("throttled"))
        print(
            f"import {code}: {len(entries)} calls in {span:.1f} s -> {calls_rate:.1f} {unit} of {rate:g} allowed, "
            f"ratio {calls_rate / rate:.2f} (goal >= 0.9); calls / minimum {len(entries)}/{minimum} = "
            f"{len(entries) / minimum:.2f} (goal <= 1.2); {throttled} throttled; {there}/{count} prices there, "
            f"the last {arrived:.1f} s after the commit"
        )


def _skus(item: Any) -> list[str]:
    found: list[str] = []
    if isinstance(item, dict):
        for key in SKU_KEYS:
            if isinstance(item.get(key), str) and item[key].startswith("PUSH-"):
                found.append(item[key])
        for value in item.values():
            if isinstance(value, dict | list):
                found += _skus(value)
    elif isinstance(item, list):
        for value in item:
            found += _skus(value)
    return found


def _media_server(root: Path) -> http.server.ThreadingHTTPServer:
    """Serve `root` (MEDIA_ROOT is root/media, so /media/... URLs resolve) on a free loopback port."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass


def main() -> None:
    from benchmarks.databases import cluster_start, cluster_stop
    from syncing.sandbox import core as sandbox_core
    from syncing.sandbox.demo import DEMO_ACCOUNTS
    from syncing.sandbox.server import SandboxServer

    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # figures as they come
    count = int(os.environ.get("BENCH_PUSH_PRODUCTS", "1000"))
    edits = int(os.environ.get("BENCH_PUSH_EDITS", "20"))
    rate = float(os.environ.get("BENCH_PUSH_RATE", "40"))
    rates = {"lazada": rate, "shopee": rate, "shopify": SHOPIFY_RATE}
    setup_rate = float(os.environ.get("BENCH_PUSH_SETUP_RATE", "200"))
    tmp = Path(tempfile.mkdtemp(prefix="bench_push_"))
    db = tmp / "bench.sqlite3"
    media = _media_server(tmp)  # marketplaces (Shopee) download the images from this site
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "MEDIA_ROOT": str(tmp / "media"),
        "Q_WORKERS": "2",
        "LOG_LEVEL": "WARNING",
        "DEBUG": "False",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{media.server_address[1]}",
    }
    sandbox_core.LOG_LIMIT = 100_000  # an import's 3,500 calls, with the set-up's and the edits' before them
    server = SandboxServer(port=0).start()
    cluster: subprocess.Popen | None = None
    try:
        for code in MARKETS:  # the set-up's rate; Shopify's is in cost points (a mutation costs 10)
            server.sandbox.set_rate(code, setup_rate * (10 if code == "shopify" else 1), 10_000)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=600
        )
        accounts = {
            code: {"shop_id": str(DEMO_ACCOUNTS[code]["shop_id"]), "credentials": DEMO_ACCOUNTS[code]["credentials"]}
            for code in MARKETS
        }
        setup = _sub(
            "setup",
            {
                "urls": {c: server.url(c) for c in MARKETS},
                "accounts": accounts,
                "count": count,
                "rates": dict.fromkeys(MARKETS, setup_rate),
            },
            env,
        )
        cluster = cluster_start(env, tmp / "qcluster.log")
        started = time.monotonic()
        while not _jobs_done(db, setup["jobs"]) and time.monotonic() - started < 1800:
            time.sleep(1.0)
        print(
            f"set-up: {count} products on {len(MARKETS)} channels published in {time.monotonic() - started:.0f} s",
            flush=True,
        )
        cluster_stop(cluster)
        cluster = None
        _sub("rates", {"rates": rates}, env)
        for code in ("lazada", "shopee"):
            server.sandbox.set_rate(code, rate, 10)
        shopify = server.sandbox.module("shopify").default_rate  # its cost bucket: 100 points/s, 1,000
        server.sandbox.set_rate("shopify", shopify.rate, shopify.burst)
        cluster = cluster_start(env, tmp / "qcluster.log")
        _latency(server, env, edits)
        _import_run(server, env, db, tmp, count, rates, "23.45", "default settings")
        cluster_stop(cluster)
        cluster = cluster_start({**env, "SYNC_OFFER_THREADS": "1"}, tmp / "qcluster.log")
        _import_run(server, env, db, tmp, count, rates, "24.56", "SYNC_OFFER_THREADS=1")
    finally:
        if cluster is not None:
            cluster_stop(cluster)
        server.stop()
        media.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    print(json.dumps(COMMANDS[sys.argv[1]](json.loads(sys.argv[2]))))
