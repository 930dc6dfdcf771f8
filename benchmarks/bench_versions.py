"""Content versions (docs/catalog.md#versions): their cost on the import commit, and the history page.

import  = a file of BENCH_VERSIONS_ROWS products (default 100k) is imported, then committed again with 10 % of
          the titles changed: once with versions switched off (the chunk's record call replaced by a no-op), once
          with versions (another 10 % change of the same rows, so both commits write the same amount).
          Goal: with versions <= 1.25x without. Prints the storage the versions added (rows and JSON bytes).
history = a listing with 500 versions: every page of its History tab and a compare, timed REPEAT times.
          Goal: constant queries whatever the page, p95 < 300 ms.
A throw-away SQLite file. Run: `.venv/bin/python benchmarks/run.py versions` (BENCH_VERSIONS_ROWS=20000 for a
quicker run).
"""

import os
import statistics
import tempfile
import time
from pathlib import Path

ROWS = int(os.environ.get("BENCH_VERSIONS_ROWS", "100000"))
HISTORY_VERSIONS = 500
REPEAT = int(os.environ.get("BENCH_VERSIONS_REPEAT", "5"))
RATIO_GOAL = 1.25
P95_GOAL_MS = 300


def _rows(n: int, changed: str = "") -> list[list]:
    rows: list[list] = [["sku", "title", "price", "currency", "quantity", "brand"]]
    for i in range(n):
        title = f"Product {i}" + (f" {changed}" if changed and i % 10 == 0 else "")
        rows.append([f"V-{i:07d}", title, "10.50", "USD", i % 7, "Acme"])
    return rows


def _commit(tmp: Path, rows: list[list], name: str) -> float:
    from catalog.importing.services import import_file
    from tests.catalog.importing.conftest import write_csv

    path = write_csv(tmp / name, rows)
    started = time.perf_counter()
    batch = import_file(path=path)
    elapsed = time.perf_counter() - started
    assert batch.error_count == 0, batch.message
    return elapsed


def _import_part(tmp: Path) -> None:
    from django.db import connection

    from catalog.importing import writes
    from listings.models import ProductVersion

    _commit(tmp, _rows(ROWS), "create.csv")
    before = ProductVersion.objects.count()
    recorder = writes.content_versions_record
    writes.content_versions_record = lambda **kwargs: None  # type: ignore[assignment,misc]
    try:
        without = _commit(tmp, _rows(ROWS, "red"), "without.csv")
    finally:
        writes.content_versions_record = recorder
    with_versions = _commit(tmp, _rows(ROWS, "blue"), "with.csv")
    added = ProductVersion.objects.count() - before
    with connection.cursor() as cursor:
        table = ProductVersion._meta.db_table
        cursor.execute(f"SELECT COALESCE(SUM(LENGTH(snapshot)), 0) FROM {table} WHERE id > %s", [before])  # noqa: S608
        json_bytes = cursor.fetchone()[0]
    ratio = with_versions / without
    print(f"import commit of {ROWS:,} rows, 10 % titles changed: without versions {without:.2f} s, ", end="")
    print(f"with {with_versions:.2f} s, ratio {ratio:.2f} (goal <= {RATIO_GOAL})")
    print(f"storage added: {added:,} product versions, {json_bytes / 1024:.0f} KiB of snapshots")


def _history_part() -> None:
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from catalog.models import Product
    from listings.services import listing_create, listing_update
    from tests.fixtures.channels import bench_channels

    channel = bench_channels(("shopify",))[0]
    product = Product.objects.order_by("pk")[0]
    listing = listing_create(product=product, channel=channel)
    for n in range(HISTORY_VERSIONS):
        listing_update(listing=listing, title=f"Title number {n} with some words", description=f"<p>Text {n}</p>")
    User.objects.create_superuser("bench", "bench@example.com", "bench-pw-123")
    client = Client()
    client.login(username="bench", password="bench-pw-123")
    urls = [f"/listings/{listing.pk}/history/?page={p}" for p in range(1, 12)]
    urls.append(f"/listings/{listing.pk}/history/compare/?a=1&b={HISTORY_VERSIONS}")
    client.get(urls[0])
    timings: list[float] = []
    counts: dict[str, int] = {}
    for url in urls:
        for _ in range(REPEAT):
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, url
        counts[url] = len(ctx.captured_queries)
    p95 = statistics.quantiles(timings, n=20)[18]
    pages = {v for u, v in counts.items() if "compare" not in u}
    print(
        f"history of a listing with {HISTORY_VERSIONS} versions: p95 {p95:.1f} ms over {len(timings)} requests ", end=""
    )
    print(f"(goal < {P95_GOAL_MS} ms); queries per history page {sorted(pages)} (constant: {len(pages) == 1})")


def main() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    tmp = Path(tempfile.mkdtemp(prefix="bench_versions_"))
    connection.settings_dict["TEST"]["NAME"] = str(tmp / "bench.sqlite3")
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.DEBUG = False
    old_name = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        _import_part(tmp)
        _history_part()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
