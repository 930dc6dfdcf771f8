"""Orders (issue 19, docs/orders.md): ingest speed, webhook-to-other-marketplaces latency, and the storm.

1. Ingest: BENCH_ORDERS_COUNT orders (default 10,000, three lines each) placed on the sandbox's Lazada shop, then
   pulled by the order pull job (`order_pull_run`, run inline) into an empty database. The floor, measured in the
   same run: the same pages fetched through the connector plus the driver's `executemany` of one row per order and
   per line into a scratch table. Goal: pull <= 3x the floor. Queries per page are printed for the first pull (new
   orders) and a second pull over the same orders (unchanged: one lookup per page).
2. Latency: a product listed on Lazada, Shopee and Shopify channels (published through our own publish), each shop's
   order webhooks pointed at our server (`manage.py runserver` on loopback, `manage.py qcluster` with the default
   settings); BENCH_ORDERS_LATENCY orders (default 50) of one unit, one at a time, round robin over the channels;
   time from the order until both *other* marketplaces advertise the new available quantity. Goal: p95 <= 5 s.
3. Storm: the same set-up with 50 available; BENCH_ORDERS_BUYERS buyers (default 200) each order one unit, spread
   over the three marketplaces, within 10 s. Afterwards: duplicate orders, ledger sums, oversold flags, what each
   marketplace advertises, and the longest time any marketplace advertised more than the true available quantity.

BENCH_ORDERS_PROFILE=<file>: the first ingest pull runs under cProfile, its stats written to <file>.
Databases: BENCH_ORDERS_DBS (default "sqlite,postgres"); PostgreSQL is BENCH_ORDERS_PG (default
postgres://postgres@127.0.0.1:5432/lm_orderpull), dropped and created again. Parts: BENCH_ORDERS_PARTS (default
"ingest,latency,storm").
"""

import json
import math
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MARKETS = ("lazada", "shopee", "shopify")
CATEGORY = {"lazada": "10000123", "shopee": "100644", "shopify": "cat-1"}
SKUS = ("ORD-A", "ORD-B", "ORD-C")
ORDERS_PER_SECOND = 50  # of sandbox time, when the ingest part places its orders


# --- Django side: commands run as a subprocess on the benchmark database ---


def _cmd_ingest(args: dict[str, Any]) -> dict[str, Any]:
    from django.db import connection

    from channels.services import channel_create
    from orders.models import OrderPull
    from orders.services.pull import channel_orders_pull, order_pull_run
    from syncing.services.connection import connector_for

    channel = channel_create(
        name="Bench orders lazada", marketplace="lazada", country="MY", currency="MYR", base_url=args["url"],
        shop_id=args["shop_id"], credentials=args["credentials"], rate_limit_per_second=1000, rate_limit_burst=100,
    )  # fmt: skip
    for sku in SKUS:
        from catalog.services import product_create

        product_create(sku=sku, title=f"Bench {sku}", price=Decimal("10.00"), currency="MYR", quantity=10**6)
    # Floor: the same pages through the connector, then one executemany of the order and line rows.
    connector = connector_for(channel)
    started = time.perf_counter()
    orders, lines, cursor, pages = [], [], None, 0
    while True:
        page = connector.pull_orders(cursor, updated_since=None)
        pages += 1
        for o in page.items:
            orders.append((o.external_id, o.status, o.raw_status, str(o.total), o.currency))
            lines += [(o.external_id, ln.external_line_id, ln.sku, ln.quantity, str(ln.unit_price)) for ln in o.lines]
        cursor = page.next_cursor
        if not cursor:
            break
    fetched = time.perf_counter() - started
    with connection.cursor() as cur:
        cur.execute(
            "CREATE TABLE bench_floor_order (a varchar(128), b varchar(32), c varchar(64), d varchar(32), e varchar(8))"
        )
        cur.execute(
            "CREATE TABLE bench_floor_line (a varchar(128), b varchar(128), c varchar(128), d integer, e varchar(32))"
        )
    write_started = time.perf_counter()
    with connection.cursor() as cur:
        cur.executemany("INSERT INTO bench_floor_order VALUES (%s, %s, %s, %s, %s)", orders)
        cur.executemany("INSERT INTO bench_floor_line VALUES (%s, %s, %s, %s, %s)", lines)
    floor = fetched + (time.perf_counter() - write_started)
    result: dict[str, Any] = {"orders": len(orders), "lines": len(lines), "pages": pages, "fetch": fetched}
    result["floor"] = floor
    for label in ("first", "again"):
        run = channel_orders_pull(channel=channel)
        OrderPull.objects.filter(pk=run.pk).update(since=None)  # both read every order
        queries = [0]

        def counted(execute: Any, sql: str, params: Any, many: bool, context: Any, queries: list = queries) -> Any:
            queries[0] += 1
            return execute(sql, params, many, context)

        profile = os.environ.get("BENCH_ORDERS_PROFILE") if label == "first" else None
        with connection.execute_wrapper(counted):
            started = time.perf_counter()
            if profile:  # a cProfile of the first pull, for finding where its time goes
                import cProfile

                cProfile.runctx("order_pull_run(run_id=run.pk)", globals(), {**locals()}, profile)
            else:
                order_pull_run(run_id=run.pk)
            elapsed = time.perf_counter() - started
        run.refresh_from_db()
        result[label] = {
            "seconds": elapsed, "queries": queries[0], "pages": run.pages, "created": run.created,
            "unchanged": run.unchanged, "failed": run.failed, "status": run.status,
        }  # fmt: skip
    return result


def _cmd_setup(args: dict[str, Any]) -> dict[str, Any]:

    from catalog.choices import ProductStatus
    from catalog.demo import demo_image
    from catalog.services import category_create, image_add, product_create
    from channels.services import category_mapping_set, channel_create
    from listings.services import listing_create
    from syncing.services import listings_publish

    category = category_create(name="Bench orders")
    product = product_create(
        sku=args["sku"], title="Bench order mug", description="<p>Benchmark product.</p>", brand="Acme",
        price=Decimal("20.00"), currency="USD", quantity=args["quantity"], status=ProductStatus.ACTIVE,
        category=category, weight_grams=500, length_mm=200, width_mm=100, height_mm=50,
    )  # fmt: skip
    image_add(product=product, upload=demo_image((40, 110, 200), 7, size=1000), filename="main.png")
    jobs, channels = [], {}
    for code in MARKETS:
        channel = channel_create(
            name=f"Bench orders {code}", marketplace=code, country="US", currency="USD", base_url=args["urls"][code],
            shop_id=args["accounts"][code]["shop_id"], credentials=args["accounts"][code]["credentials"],
            rate_limit_per_second=50, rate_limit_burst=10,
        )  # fmt: skip
        category_mapping_set(channel=channel, category=category, external_category_id=CATEGORY[code])
        listing = listing_create(product=product, channel=channel)
        jobs.append(listings_publish(channel=channel, listing_ids=[listing.pk]).pk)
        channels[code] = channel.pk
    return {"jobs": jobs, "channels": channels}


def _cmd_hooks(args: dict[str, Any]) -> dict[str, Any]:
    from channels.models import Channel
    from orders.services.webhooks import sandbox_webhooks_point

    for code, pk in args["channels"].items():
        channel = Channel.objects.get(pk=pk)
        sandbox_webhooks_point(channel=channel, url=f"{args['site']}/webhooks/{pk}/{code}/")
    return {}


def _cmd_check(args: dict[str, Any]) -> dict[str, Any]:
    """The storm's invariants, read from the database."""
    from django.db.models import Count, Sum

    from inventory.models import Stock, StockMovement
    from orders.models import Order, OrderLine

    stock = Stock.objects.get(product__sku=args["sku"])
    sums = dict(StockMovement.objects.filter(stock=stock).values_list("bucket").annotate(s=Sum("delta")))
    duplicates = Order.objects.values("channel_id", "external_id").annotate(n=Count("id")).filter(n__gt=1).count()
    return {
        "orders": Order.objects.count(),
        "duplicates": duplicates,
        "on_hand": stock.on_hand, "committed": stock.committed, "available": stock.available,
        "ledger_on_hand": sums.get("on_hand", 0), "ledger_committed": sums.get("committed", 0),
        "oversold_lines": OrderLine.objects.filter(oversold=True).count(),
        "oversold_units": sum(OrderLine.objects.filter(oversold=True).values_list("quantity", flat=True)),
        "stock_oversold": stock.oversold,
        "jobs_active": _active_jobs(),
    }  # fmt: skip


def _active_jobs() -> int:
    from django_q.models import OrmQ

    from orders.models import OrderPull
    from syncing.models import SyncJob

    return (
        OrmQ.objects.count()
        + OrderPull.objects.filter(status__in=["queued", "running"]).count()
        + SyncJob.objects.filter(status__in=["queued", "running"]).count()
    )


def _cmd_jobs(args: dict[str, Any]) -> dict[str, Any]:
    from syncing.models import SyncJob

    done = not SyncJob.objects.filter(pk__in=args["jobs"], status__in=["queued", "running"]).exists()
    return {"done": done}


COMMANDS = {"ingest": _cmd_ingest, "setup": _cmd_setup, "hooks": _cmd_hooks, "check": _cmd_check, "jobs": _cmd_jobs}


# --- the benchmark process: the sandbox, the buyers, the clock ---


def _sub(command: str, args: dict[str, Any], env: dict[str, str], timeout: float = 3600) -> Any:
    argv = [sys.executable, "-m", "benchmarks.bench_orders", command, json.dumps(args)]
    out = subprocess.run(argv, cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=timeout)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _connector(server: Any, code: str) -> Any:
    from syncing.connectors import CONNECTORS
    from syncing.connectors.base import ChannelConfig
    from syncing.sandbox.demo import DEMO_ACCOUNTS

    account = DEMO_ACCOUNTS[code]
    config = ChannelConfig(
        base_url=server.url(code), shop_id=str(account["shop_id"]), credentials=dict(account["credentials"]),  # type: ignore[call-overload]
        currency="USD", country="US", timeout=10,
    )  # fmt: skip
    return CONNECTORS[code](config)


def _database(kind: str, tmp: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp / 'bench.sqlite3'}"
    url = os.environ.get("BENCH_ORDERS_PG", "postgres://postgres@127.0.0.1:5432/lm_orderpull")
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url


def _env(db_url: str, tmp: Path, media_port: int) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": db_url,
        "MEDIA_ROOT": str(tmp / "media"),
        "Q_WORKERS": "2",
        "LOG_LEVEL": "WARNING",
        "DEBUG": "False",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{media_port}",
    }


def _ingest(server: Any, env: dict[str, str], count: int) -> None:
    from syncing.connectors.base import ListingPayload
    from syncing.sandbox.demo import DEMO_ACCOUNTS

    connector = _connector(server, "lazada")
    for sku in SKUS:
        connector.push_listing(
            ListingPayload(
                sku=sku,
                title=f"Bench {sku} mug",
                description="A benchmark mug.",
                price=Decimal("10.00"),
                currency="MYR",
                quantity=10 * count,
                brand="Acme",
                category_id="10000123",
                image_urls=(f"{server.base_url}/_static/mug.png",),
                weight_grams=400,
                length_mm=120,
                width_mm=90,
                height_mm=100,
            )  # fmt: skip
        )
    book = server.sandbox.module("lazada").order_book
    shop = str(DEMO_ACCOUNTS["lazada"]["shop_id"])
    started = time.perf_counter()
    with server.sandbox.lock:
        for n in range(count):
            # A real shop's orders are spread over time; Lazada pages at most 5,000 orders updated within one
            # second (docs/marketplaces/lazada.md#orders).
            if n and n % ORDERS_PER_SECOND == 0:
                server.sandbox.clock.advance(1)
            book.place(shop, [{"sku": sku, "quantity": 1} for sku in SKUS], True)
    placed = time.perf_counter() - started
    account = DEMO_ACCOUNTS["lazada"]
    result = _sub(
        "ingest",
        {"url": server.url("lazada"), "shop_id": str(account["shop_id"]), "credentials": account["credentials"]},
        env,
    )
    first, again = result["first"], result["again"]
    print(
        f"ingest: {result['orders']} orders / {result['lines']} lines on {result['pages']} pages "
        f"(placed in the sandbox in {placed:.1f} s)"
    )
    print(
        f"ingest floor: {result['floor']:.1f} s (fetch {result['fetch']:.1f} s + executemany "
        f"{result['floor'] - result['fetch']:.1f} s)"
    )
    print(
        f"ingest pull: {first['seconds']:.1f} s = {first['seconds'] / result['floor']:.2f}x the floor (goal <= 3x); "
        f"{first['created']} created, {first['failed']} refused; {first['queries'] / max(1, first['pages']):.0f} "
        f"queries per page of new orders"
    )
    print(
        f"ingest again (unchanged): {again['seconds']:.1f} s = {again['seconds'] / result['floor']:.2f}x the floor; "
        f"{again['unchanged']} unchanged; {again['queries'] / max(1, again['pages']):.1f} queries per page"
    )


class _Cluster:
    """`manage.py qcluster` and `manage.py runserver` on the benchmark database."""

    def __init__(self, env: dict[str, str], tmp: Path) -> None:
        self.port = _free_port()
        self.site = f"http://127.0.0.1:{self.port}"
        self.procs = [
            subprocess.Popen(
                [sys.executable, "manage.py", "worker"],
                cwd=ROOT,
                env=env,
                start_new_session=True,
                stdout=(tmp / "qcluster.log").open("wb"),
                stderr=subprocess.STDOUT,
            ),  # fmt: skip
            subprocess.Popen(
                [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{self.port}"],
                cwd=ROOT,
                env=env,
                start_new_session=True,
                stdout=(tmp / "web.log").open("wb"),
                stderr=subprocess.STDOUT,
            ),  # fmt: skip
        ]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)

    def stop(self) -> None:
        for proc in self.procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def _listed(server: Any, env: dict[str, str], tmp: Path, sku: str, quantity: int) -> tuple[_Cluster, dict]:
    from syncing.sandbox.demo import DEMO_ACCOUNTS

    accounts = {
        code: {"shop_id": str(DEMO_ACCOUNTS[code]["shop_id"]), "credentials": DEMO_ACCOUNTS[code]["credentials"]}
        for code in MARKETS
    }
    setup = _sub("setup", {"urls": {c: server.url(c) for c in MARKETS}, "accounts": accounts, "sku": sku,
                           "quantity": quantity}, env)  # fmt: skip
    cluster = _Cluster(env, tmp)
    deadline = time.monotonic() + 300
    while not _sub("jobs", {"jobs": setup["jobs"]}, env)["done"] and time.monotonic() < deadline:
        time.sleep(1.0)
    _sub("hooks", {"channels": setup["channels"], "site": cluster.site}, env)
    return cluster, setup


def _advertised(connectors: dict[str, Any], sku: str) -> dict[str, int]:
    return {code: int(conn.find_by_sku(sku).quantity) for code, conn in connectors.items()}


def _buy(server: Any, code: str, sku: str) -> bool:
    from syncing.sandbox.orders import OrderRefused

    book = server.sandbox.module(code).order_book
    try:
        with server.sandbox.lock:
            book.place(None, [{"sku": sku, "quantity": 1}], True)
        return True
    except OrderRefused:
        return False


def _latency(server: Any, env: dict[str, str], tmp: Path, orders: int) -> None:
    sku, quantity = "LAT-1", 1000
    cluster, _ = _listed(server, env, tmp, sku, quantity)
    connectors = {code: _connector(server, code) for code in MARKETS}
    try:
        times: list[float] = []
        available = quantity
        for n in range(orders):
            code = MARKETS[n % 3]
            started = time.monotonic()
            if not _buy(server, code, sku):
                print(f"latency: order {n} refused on {code}")
                continue
            available -= 1
            others = [c for c in MARKETS if c != code]
            deadline = started + 60
            while time.monotonic() < deadline:
                seen = _advertised({c: connectors[c] for c in others}, sku)
                if all(v == available for v in seen.values()):
                    times.append(time.monotonic() - started)
                    break
                time.sleep(0.05)
        print(
            f"latency (webhook path): {len(times)}/{orders} orders reached the other two marketplaces; median "
            f"{statistics.median(times):.2f} s, p95 {_p95(times):.2f} s, max {max(times):.2f} s (goal p95 <= 5 s)"
        )
    finally:
        cluster.stop()


def _storm(server: Any, env: dict[str, str], tmp: Path, buyers: int) -> None:
    sku, quantity = "STORM-1", 50
    cluster, _ = _listed(server, env, tmp, sku, quantity)
    connectors = {code: _connector(server, code) for code in MARKETS}
    accepted: list[float] = []
    refused = 0
    samples: list[tuple[float, dict[str, int]]] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            samples.append((time.monotonic(), _advertised(connectors, sku)))
            time.sleep(0.1)

    watcher = threading.Thread(target=watch, daemon=True)
    try:
        watcher.start()
        started = time.monotonic()
        for n in range(buyers):
            wait = started + n * (10.0 / buyers) - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            if _buy(server, MARKETS[n % 3], sku):
                accepted.append(time.monotonic())
            else:
                refused += 1
        spread = time.monotonic() - started
        deadline = time.monotonic() + 120
        check: dict[str, Any] = {}
        while time.monotonic() < deadline:
            time.sleep(2.0)
            check = _sub("check", {"sku": sku}, env)
            if not check["jobs_active"] and check["orders"] == len(accepted):
                break
        time.sleep(1.0)
        stop.set()
        watcher.join()
        final = _advertised(connectors, sku)
    finally:
        stop.set()
        cluster.stop()
    # The longest stretch any marketplace advertised more than the true available quantity (50 - orders so far).
    worst = 0.0
    over_since: dict[str, float | None] = dict.fromkeys(MARKETS)
    for moment, seen in samples:
        true_available = max(0, quantity - sum(1 for t in accepted if t <= moment))
        for code in MARKETS:
            if seen[code] > true_available:
                over_since[code] = over_since[code] or moment
                worst = max(worst, moment - (over_since[code] or moment))
            else:
                over_since[code] = None
    oversold_orders = max(0, len(accepted) - quantity)
    print(
        f"storm: {buyers} buyers in {spread:.1f} s: {len(accepted)} orders accepted by the marketplaces, {refused} "
        f"refused (out of stock); oversold orders: {oversold_orders}"
    )
    print(
        f"storm invariants: {check.get('orders')} orders ingested, {check.get('duplicates')} duplicates; on hand "
        f"{check.get('on_hand')} = ledger {check.get('ledger_on_hand')}, committed {check.get('committed')} = ledger "
        f"{check.get('ledger_committed')}; available {check.get('available')}; oversold lines "
        f"{check.get('oversold_lines')} (units {check.get('oversold_units')}, expected {oversold_orders}); stock "
        f"flagged oversold: {check.get('stock_oversold')}; advertised at the end {final} (goal all 0); longest over-"
        f"advertising {worst:.1f} s (goal <= 5 s)"
    )


def main() -> None:
    from benchmarks.bench_push import _media_server
    from syncing.sandbox.server import SandboxServer

    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    parts = os.environ.get("BENCH_ORDERS_PARTS", "ingest,latency,storm").split(",")
    count = int(os.environ.get("BENCH_ORDERS_COUNT", "10000"))
    latency_orders = int(os.environ.get("BENCH_ORDERS_LATENCY", "50"))
    buyers = int(os.environ.get("BENCH_ORDERS_BUYERS", "200"))
    for kind in os.environ.get("BENCH_ORDERS_DBS", "sqlite,postgres").split(","):
        for part in parts:
            tmp = Path(tempfile.mkdtemp(prefix="bench_orders_"))
            media = _media_server(tmp)
            server = SandboxServer(port=0).start()
            try:
                for code in MARKETS:
                    server.sandbox.set_rate(code, 1000, 1000)
                env = _env(_database(kind, tmp), tmp, media.server_address[1])
                subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env,
                               check=True, timeout=900)  # fmt: skip
                print(f"-- {kind}: {part} --")
                if part == "ingest":
                    _ingest(server, env, count)
                elif part == "latency":
                    _latency(server, env, tmp, latency_orders)
                elif part == "storm":
                    _storm(server, env, tmp, buyers)
            finally:
                server.stop()
                media.shutdown()
                shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    print(json.dumps(COMMANDS[sys.argv[1]](json.loads(sys.argv[2])), default=str))
