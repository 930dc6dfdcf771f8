"""Undo of bulk changesets (issue 21, docs/catalog.md#undoing-publishes-and-assignments) at 100,000 listings.

assign   = listings_bulk_assign(N products × 1 channel), which now records its changeset's listings
plan     = changeset_undo_plan of that changeset (what the confirmation step shows)
undo     = changeset_revert(confirm=True) of the assign: deletes the N drafts with their audit entries
publish  = changeset_revert(confirm=True) of a bulk publish of N live listings: the plan and the delisting job
           (its chunks queued; the marketplace calls are the sync benchmarks' business)
floor    = the same rows deleted through the DB driver directly, measured on the second assignment's N listings
           in the same run (rolled back after): per chunk of 500, one DELETE ... WHERE fk IN (...) per table holding
           rows of those listings, then the listings; no audit entries. The undo is printed as a ratio of it.

Each database runs in a fresh process on a fresh database: SQLite always, PostgreSQL too when DATABASE_URL
points at one (a database named <name>_bench_changeset_undo is created next to it).
Run: `.venv/bin/python benchmarks/run.py changeset_undo` (BENCH_UNDO_LISTINGS=2000 for a quicker run).
"""

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LISTINGS = int(os.environ.get("BENCH_UNDO_LISTINGS", "100000"))


def _timed(call):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    connection.queries_log.clear()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        value = call()
    return value, time.perf_counter() - started, len(queries)


class _RolledBack(Exception):
    pass


def _floor_delete(ids: list[int]) -> tuple[float, int]:
    """Delete the listings `ids` and the rows pointing at them with plain statements through the driver, in
    chunks of the undo's size, inside a transaction rolled back afterwards; returns (seconds, statements)."""
    from django.db import connection, transaction

    from listings.models import Listing
    from listings.services.bulk_undo import DELETE_CHUNK

    quote = connection.ops.quote_name
    related = [
        (quote(rel.related_model._meta.db_table), quote(rel.field.column))
        for rel in Listing._meta.related_objects
        if not rel.many_to_many and rel.field.concrete
    ]
    statements, elapsed = 0, 0.0
    try:
        with transaction.atomic():
            started = time.perf_counter()
            with connection.cursor() as cursor:
                for start in range(0, len(ids), DELETE_CHUNK):
                    chunk = ids[start : start + DELETE_CHUNK]
                    marks = ", ".join(["%s"] * len(chunk))
                    for table, column in related:
                        cursor.execute(f"DELETE FROM {table} WHERE {column} IN ({marks})", chunk)  # noqa: S608
                    cursor.execute(f"DELETE FROM {quote(Listing._meta.db_table)} WHERE id IN ({marks})", chunk)  # noqa: S608
                    statements += len(related) + 1
            elapsed = time.perf_counter() - started
            raise _RolledBack
    except _RolledBack:
        pass
    return elapsed, statements


def _worker() -> None:
    """Runs inside the child process with DATABASE_URL set to a fresh database; prints one JSON line."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import CharField, Value
    from django.db.models.functions import Cast, Concat

    from listings.models import Changeset, Listing
    from listings.selectors import changeset_undo_plan
    from listings.services import listings_bulk_assign
    from syncing.services import changeset_revert, listings_publish_grouped
    from tests.fixtures.channels import bench_channels, bulk_products

    call_command("migrate", verbosity=0)
    [channel] = bench_channels(("shopify",))
    products = bulk_products(LISTINGS, prefix="UNDO")
    result: dict[str, float | int | str] = {"vendor": connection.vendor, "listings": LISTINGS}

    counts, result["assign_s"], result["assign_queries"] = _timed(
        lambda: listings_bulk_assign(products=products, channels=[channel])
    )
    changeset = Changeset.objects.get(pk=counts["changeset"])
    plan, result["plan_s"], result["plan_queries"] = _timed(lambda: changeset_undo_plan(changeset))
    report, result["undo_s"], result["undo_queries"] = _timed(
        lambda: changeset_revert(changeset=changeset, confirm=True)
    )
    result["deleted"] = report.restored

    counts = listings_bulk_assign(products=products, channels=[channel])
    ids = list(Listing.objects.order_by("pk").values_list("pk", flat=True))
    result["floor_s"], result["floor_queries"] = _floor_delete(ids)
    listings_publish_grouped(listings=list(Listing.objects.select_related("channel")))
    external_id = Concat(Value("gid://shopify/Product/"), Cast("id", CharField()))
    Listing.objects.update(status="live", external_id=external_id)  # as if the publish jobs had run
    published = Changeset.objects.get(kind="bulk_publish")
    report, result["publish_undo_s"], result["publish_undo_queries"] = _timed(
        lambda: changeset_revert(changeset=published, confirm=True)
    )
    result["delisting"] = report.restored
    print(json.dumps(result))


def _report(r: dict) -> None:
    n = r["listings"]
    print(f"[{r['vendor']}] {n:,} listings")
    print(f"  assign (records its changeset)   {r['assign_s']:7.2f} s  {r['assign_queries']:6} queries")
    print(f"  undo plan (confirmation step)    {r['plan_s']:7.2f} s  {r['plan_queries']:6} queries")
    print(
        f"  undo of the assign               {r['undo_s']:7.2f} s  {r['undo_queries']:6} queries, "
        f"{r['deleted']:,} deleted ({r['undo_s'] * 1e6 / max(r['deleted'], 1):.0f} us each)"
    )
    print(
        f"  floor: same deletes, driver only  {r['floor_s']:7.2f} s  {r['floor_queries']:6} queries; "
        f"undo / floor = {r['undo_s'] / max(r['floor_s'], 1e-9):.1f}x"
    )
    print(
        f"  undo of a publish                {r['publish_undo_s']:7.2f} s  {r['publish_undo_queries']:6} queries, "
        f"{r['delisting']:,} sent to be delisted"
    )


def main() -> None:
    from benchmarks.databases import report_each_database

    report_each_database(__file__, "bench_changeset_undo", _report)


if "--worker" in sys.argv and __name__ == "__main__":
    _worker()
elif __name__ == "__main__":
    main()
