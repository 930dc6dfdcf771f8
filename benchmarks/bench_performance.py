"""The listing page with 90 days of performance metrics (docs/analytics.md#performance-metrics): p95 latency and
queries, against a floor measured in the same run (the same page of a listing without metrics).

Goal (issue 23): the listing page with 90 days of metrics p95 < 300 ms. The database is a throw-away SQLite
file, 2,000 listings with 90 days each (180,000 rows), so the index on (listing, day) is what is measured.
Run: `.venv/bin/python benchmarks/run.py performance`.
"""

import datetime as dt
import os
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path

LISTINGS = int(os.environ.get("BENCH_PERF_LISTINGS", "2000"))
DAYS = 90
REPEAT = int(os.environ.get("BENCH_PERF_REPEAT", "40"))
P95_GOAL_MS = 300


def _fill() -> tuple[int, int]:
    """`LISTINGS` listings on one channel with 90 days of metrics each (one gap in ten days), and one listing without
    any. Returns (a listing with metrics, the listing without)."""
    from django.contrib.auth.models import User
    from django.utils import timezone

    from analytics.models import MetricSource, PerformanceMetric
    from listings.models import Listing
    from listings.services import listing_create
    from tests.fixtures.channels import bench_channels, bulk_products

    [channel] = bench_channels(("amazon",), prefix="Perf")
    products = list(bulk_products(LISTINGS + 1, prefix="PERF").order_by("pk"))
    Listing.objects.bulk_create([Listing(product=p, channel=channel, external_id=p.sku) for p in products[:-1]])
    bare = listing_create(product=products[-1], channel=channel)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    now = timezone.now()
    for listing_id in Listing.objects.filter(channel=channel).exclude(pk=bare.pk).values_list("pk", flat=True):
        PerformanceMetric.objects.bulk_create(
            [
                PerformanceMetric(
                    listing_id=listing_id,
                    report_date=yesterday - dt.timedelta(days=back),
                    sessions=40 + back,
                    page_views=60 + back,
                    page_views_pct=Decimal("0.0100"),
                    units_ordered=back % 5,
                    unit_session_pct=Decimal("0.0500"),
                    ordered_product_sales=Decimal(back % 5) * 12,
                    currency="USD",
                    buy_box_pct=Decimal("95.00"),
                    source=MetricSource.AMAZON_REPORT,
                    fetched_at=now,
                )  # fmt: skip
                for back in range(DAYS)
                if back % 10 != 3
            ]
        )
    User.objects.create_superuser("bench", "bench@example.com", "bench-pw-123")
    first = Listing.objects.filter(channel=channel).exclude(pk=bare.pk).order_by("pk").values_list("pk", flat=True)
    return first[LISTINGS // 2], bare.pk


def _measure(client, url: str, marker: bytes) -> tuple[list[float], int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings = []
    queries = 0
    for _ in range(REPEAT):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        assert marker in response.content, (url, marker)
        queries = len(ctx.captured_queries)
    return timings, queries


def main() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    tmp = Path(tempfile.mkdtemp(prefix="bench_perf_"))
    connection.settings_dict["TEST"]["NAME"] = str(tmp / "bench.sqlite3")  # a file, as in production
    settings.ALLOWED_HOSTS = ["testserver"]
    old_name = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        started = time.perf_counter()
        with_metrics, bare = _fill()
        print(f"filled {LISTINGS:,} listings x {DAYS} days of metrics in {time.perf_counter() - started:.1f} s")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        client = Client()
        client.login(username="bench", password="bench-pw-123")
        for pk in (with_metrics, bare):
            client.get(f"/listings/{pk}/")  # warm templates and caches
        floor, floor_queries = _measure(client, f"/listings/{bare}/", b"No performance data yet.")
        page, page_queries = _measure(client, f"/listings/{with_metrics}/", b"data-segment")
        p95_floor = statistics.quantiles(floor, n=20)[18]
        p95 = statistics.quantiles(page, n=20)[18]
        print(f"floor (listing page, no metrics): p95 {p95_floor:.1f} ms, median {statistics.median(floor):.1f} ms, "
              f"{floor_queries} queries")  # fmt: skip
        print(f"listing page with 90 days of metrics: p95 {p95:.1f} ms, median {statistics.median(page):.1f} ms, "
              f"{page_queries} queries (goal p95 < {P95_GOAL_MS} ms, ratio {p95 / P95_GOAL_MS:.2f}; "
              f"the section adds {p95 - p95_floor:.1f} ms)")  # fmt: skip
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
