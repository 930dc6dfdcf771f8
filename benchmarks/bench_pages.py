"""Product list page over 100k products on SQLite: filter + sort + page, p95 latency and query count.

Goal (issue 9): p95 < 300 ms per page and a query count that does not depend on the page or the filters.
The database is a throw-away SQLite file (WAL, like production settings), filled with bulk_create: the
benchmark measures the page, not the services. Run: `.venv/bin/python benchmarks/run.py pages`.
"""

import os
import statistics
import tempfile
import time
from pathlib import Path

PRODUCTS = int(os.environ.get("BENCH_PAGES_PRODUCTS", "100000"))
REPEAT = int(os.environ.get("BENCH_PAGES_REPEAT", "5"))
P95_GOAL_MS = 300

# (label, query string): typical staff requests, from the first page to deep pages and free-text search.
REQUESTS = [
    ("first page", ""),
    ("sort title", "sort=title"),
    ("sort -price page 50", "sort=-price&page=50"),
    ("status=active sort sku", "status=active&sort=sku"),
    ("brand filter", "brand=Brand%207&sort=-updated"),
    ("category subtree", "category={category}&sort=price"),
    ("search title", "q=kettle&sort=title"),
    ("search sku prefix", "q=SKU-0004"),
    ("search barcode", "q={barcode}"),
    ("filters+sort+page 3", "status=active&brand=Brand%203&sort=-price&page=3&per_page=100"),
    ("last capped page", "page=200"),
    ("readiness blocked", "readiness=blocked"),
    ("readiness ready sort title", "readiness=ready&sort=title"),
    ("ready on channel page 5", "readiness=ready&channel={channel}&page=5"),
    ("blocked on channel+brand", "readiness=blocked&channel={channel}&brand=Brand%2014&sort=-price"),
]


def _fill(n: int) -> dict[str, str]:
    """Insert `n` products with plain executemany (the ORM's per-object overhead would dominate the run)."""
    from django.contrib.auth.models import User
    from django.db import connection, transaction
    from django.utils import timezone

    from catalog.demo import ean13
    from catalog.models import Product
    from catalog.services import category_create

    roots = [category_create(name=f"Root {i}") for i in range(5)]
    leaves = [category_create(name=f"Leaf {i}", parent=roots[i % 5]) for i in range(40)]
    words = ["kettle", "mug", "lamp", "chair", "towel", "pan", "plate", "vase", "brush", "clock"]
    statuses = ["draft", "active", "active", "archived"]
    now = timezone.now().isoformat(sep=" ")
    columns = "sku,title,description,brand,manufacturer,mpn,barcode,category_id,price,currency,quantity,status,"
    columns += "attributes,version,created_at,updated_at"
    sql = f"INSERT INTO {Product._meta.db_table} ({columns}) VALUES ({','.join(['%s'] * 16)})"
    rows = (
        (
            f"SKU-{i:07d}",
            f"{words[i % 10].title()} {i} {words[(i * 7) % 10]}",
            "",
            f"Brand {i % 50}",
            "",
            "",
            ean13(i) if i % 3 == 0 else "",
            leaves[i % 40].pk,
            f"{(i * 37) % 10000}.{i % 100:02d}",
            "USD",
            i % 500,
            statuses[i % 4],
            "{}",
            1,
            now,
            now,
        )
        for i in range(n)
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, list(rows))
    User.objects.create_superuser("bench", "bench@example.com", "bench-pw-123")
    channel = _listings()
    return {"category": str(roots[2].pk), "barcode": ean13(3 * 1234), "channel": str(channel)}


def _listings() -> int:
    """Two channels; every non-archived product listed on both (150k listings) with a stored verdict: blocked on
    the first channel for one product in five, on the second for one in seven. Returns the first channel's id."""
    from django.db import connection
    from django.utils import timezone

    from catalog.models import Product
    from listings.models import Listing
    from listings.services import listings_bulk_assign
    from tests.fixtures.channels import bench_channels

    channels = bench_channels(("shopify", "etsy"))
    # 2,000 new listings per chunk: the service leaves their verdicts to a queued task; they are set below instead
    listings_bulk_assign(products=Product.objects.exclude(status="archived"), channels=channels)
    first, second = channels[0].pk, channels[1].pk
    table = Listing._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET readiness_checked_at = %s, readiness_blocking = CASE "  # noqa: S608
            "WHEN channel_id = %s AND product_id %% 5 = 0 THEN 1 WHEN channel_id = %s AND product_id %% 7 = 0 THEN 2 "
            "ELSE 0 END",
            [timezone.now(), first, second],
        )
    return first


def _measure(client, url: str) -> tuple[list[float], int, int]:
    """Time `url` REPEAT times. No test-environment instrumentation: it copies every template context."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings = []
    queries = 0
    rows = 0
    for _ in range(REPEAT):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(ctx.captured_queries)
        rows = response.content.count(b'name="ids"')
    return timings, queries, rows


def main() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    tmp = Path(tempfile.mkdtemp(prefix="bench_pages_"))
    connection.settings_dict["TEST"]["NAME"] = str(tmp / "bench.sqlite3")  # a file, as in production
    settings.ALLOWED_HOSTS = ["testserver"]
    old_name = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        started = time.perf_counter()
        params = _fill(PRODUCTS)
        print(
            f"filled {PRODUCTS:,} products (and their listings on 2 channels) in {time.perf_counter() - started:.1f} s"
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        client = Client()
        client.login(username="bench", password="bench-pw-123")
        client.get("/catalog/products/")  # warm caches, templates and the SQLite page cache
        all_ms: list[float] = []
        query_counts = set()
        print(f"{'request':<28} {'median ms':>9} {'max ms':>7} {'queries':>7} {'rows':>5}")
        for label, query in REQUESTS:
            timings, queries, rows = _measure(client, "/catalog/products/?" + query.format(**params))
            all_ms += timings
            query_counts.add(queries)
            print(f"{label:<28} {statistics.median(timings):>9.1f} {max(timings):>7.1f} {queries:>7} {rows:>5}")
        p95 = statistics.quantiles(all_ms, n=20)[18]
        print(f"p95 over {len(all_ms)} requests: {p95:.1f} ms (goal < {P95_GOAL_MS} ms, ratio {p95 / P95_GOAL_MS:.2f})")
        print(f"queries per page: {sorted(query_counts)} (constant: {len(query_counts) == 1})")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
