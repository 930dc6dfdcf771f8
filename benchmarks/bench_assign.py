"""Bulk assignment of 10,000 products to 6 channels (issue 4), against a baseline measured in the same run.

baseline = one plain DB-API `executemany` INSERT of the same 60,000 complete rows into the listing table (same
           indexes), values prepared in advance: the cheapest way to store them from Python row by row
assign   = listings_bulk_assign(10k products × 6 channels) on an empty listing table   goal: <= 1x baseline
rerun    = the same call again (everything exists, nothing written)                     goal: <= 0.25x baseline
orm      = what bulk_create would cost (1k products × 6, scaled ×10): why the service uses INSERT ... SELECT

Also prints queries per 1,000 products and the peak Python allocation during the assignment (tracemalloc).
Each database runs in a fresh process on a fresh database: SQLite always, PostgreSQL too when DATABASE_URL
points at one (a database named <name>_bench_assign is created next to it).
Run: `.venv/bin/python benchmarks/run.py assign` (BENCH_ASSIGN_PRODUCTS=2000 for a quicker run).
"""

import json
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTS = int(os.environ.get("BENCH_ASSIGN_PRODUCTS", "10000"))
MARKETPLACES = ("shopify", "lazada", "shopee", "tiktok", "etsy", "amazon")


def _worker() -> None:
    """Runs inside the child process with DATABASE_URL set to a fresh database; prints one JSON line."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from catalog.models import Product
    from listings.models import Listing
    from listings.services import listings_bulk_assign
    from tests.fixtures.channels import bench_channels, bulk_products

    call_command("migrate", verbosity=0)
    channels = bench_channels(MARKETPLACES)
    products = bulk_products(PRODUCTS, prefix="BENCH")
    ids = list(products.values_list("pk", flat=True))
    result: dict[str, float | int | str] = {"vendor": connection.vendor}

    # baseline: the same rows, every column, into the same table and indexes, through a plain executemany
    columns = [f for f in Listing._meta.concrete_fields if not f.primary_key]
    template = Listing()
    values = [f.get_db_prep_save(f.pre_save(template, True), connection) for f in columns]
    product_at = [f.name for f in columns].index("product")
    channel_at = [f.name for f in columns].index("channel")
    rows = []
    for p in ids:
        for c in channels:
            row = list(values)
            row[product_at], row[channel_at] = p, c.pk
            rows.append(row)
    names = ", ".join(connection.ops.quote_name(f.column) for f in columns)
    sql = f"INSERT INTO {Listing._meta.db_table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, rows)
    result["base_s"] = time.perf_counter() - started
    Listing.objects.all().delete()
    del rows

    connection.queries_log.clear()  # the log keeps 9,000 queries; once full, a capture would count nothing
    tracemalloc.start()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        counts = listings_bulk_assign(products=products, channels=channels)
    result["assign_s"] = time.perf_counter() - started
    result["assign_peak_kib"] = tracemalloc.get_traced_memory()[1] / 1024
    tracemalloc.stop()
    result["created"] = counts["created"]
    result["queries"] = len(queries)

    started = time.perf_counter()
    again = listings_bulk_assign(products=products, channels=channels)
    result["rerun_s"] = time.perf_counter() - started
    result["rerun_created"] = again["created"]

    sample = ids[: max(PRODUCTS // 10, 1)]
    Listing.objects.filter(product_id__in=Product.objects.filter(pk__in=sample)).delete()
    started = time.perf_counter()
    with transaction.atomic():
        Listing.objects.bulk_create(Listing(product_id=p, channel_id=c.pk) for p in sample for c in channels)
    result["orm_scaled_s"] = (time.perf_counter() - started) * PRODUCTS / len(sample)
    print(json.dumps(result))


def _report(r: dict) -> None:
    n = PRODUCTS * len(MARKETPLACES)
    print(f"[{r['vendor']}] {PRODUCTS:,} products × {len(MARKETPLACES)} channels = {n:,} listings")
    print(f"  baseline (executemany of {n:,} rows) {r['base_s']:7.2f} s")
    print(
        f"  assign                               {r['assign_s']:7.2f} s  = {r['assign_s'] / r['base_s']:.2f}x baseline"
        f"  (goal <= 1x), {r['created']:,} created"
    )
    print(
        f"  rerun (all exist)                    {r['rerun_s']:7.2f} s  = {r['rerun_s'] / r['base_s']:.2f}x baseline"
        f"  (goal <= 0.25x), {r['rerun_created']} created"
    )
    print(
        f"  bulk_create estimate                 {r['orm_scaled_s']:7.2f} s  = "
        f"{r['orm_scaled_s'] / r['assign_s']:.1f}x the service"
    )
    print(
        f"  queries {r['queries']} ({r['queries'] * 1000 / PRODUCTS:.1f} per 1,000 products), "
        f"peak Python allocation {r['assign_peak_kib']:,.0f} KiB"
    )


def main() -> None:
    from benchmarks.databases import postgres_scratch_url, worker_result

    with tempfile.TemporaryDirectory() as tmp:
        _report(worker_result(__file__, f"sqlite:///{tmp}/bench_assign.sqlite3"))
    postgres = postgres_scratch_url("bench_assign")
    if postgres:
        _report(worker_result(__file__, postgres))


if __name__ == "__main__":
    if "--worker" in sys.argv:
        _worker()
    else:
        main()
