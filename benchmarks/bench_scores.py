"""Listing scores recomputed for N listings (issue 23: 100,000 listings in <= 60 s, constant queries per chunk).

Data: N products with a description, five bullet points, search terms and one 1200 px image row each, listed on
one Amazon channel with a stored readiness verdict. `scores_recompute` scores them all (chunks of SCORE_CHUNK) and
writes the time-series rows and the latest per listing. The floor, measured in the same run, is the plain DB-API
cursor reading the same rows (listing, product, channel joined; the images) without any scoring or writing.
Each database runs in a fresh process on a fresh database: SQLite always, PostgreSQL too when DATABASE_URL
points at one (a database named <name>_bench_scores is created next to it).
Run: `.venv/bin/python benchmarks/run.py scores` (BENCH_SCORES_LISTINGS=100000 for the issue's size; the default
is small so `make bench` stays quick).
"""

import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.databases import postgres_scratch_url, worker_result  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LISTINGS = int(os.environ.get("BENCH_SCORES_LISTINGS", "5000"))
FLOOR_SQL = """
SELECT l.id, l.title, l.description, l.bullet_points, l.search_terms, l.price, l.readiness_issues,
       l.remote_snapshot, p.title, p.description, p.bullet_point_1, p.bullet_point_2, p.bullet_point_3,
       p.bullet_point_4, p.bullet_point_5, p.search_terms, p.price, p.attributes,
       c.title_max_length, c.min_images, c.max_images, c.main_image_min_px
FROM listings_listing l JOIN catalog_product p ON p.id = l.product_id JOIN channels_channel c ON c.id = l.channel_id
ORDER BY l.id
"""
FLOOR_IMAGES_SQL = "SELECT product_id, width, height, metadata FROM catalog_productimage ORDER BY product_id, id"


def _worker() -> None:
    """Runs inside the child process with DATABASE_URL set to a fresh database; prints one JSON line."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from analytics.models import ListingScore
    from analytics.services.scores import SCORE_CHUNK, scores_recompute
    from catalog.models import ProductImage
    from listings.models import Listing
    from tests.fixtures.channels import bench_channels, bulk_products

    call_command("migrate", verbosity=0)
    products = bulk_products(LISTINGS, prefix="SCORE")
    products.update(
        description="A sturdy stainless steel travel mug that keeps drinks hot. " * 6,
        **{f"bullet_point_{n}": f"Bullet point number {n} says something useful about the mug." for n in range(1, 6)},
        search_terms="thermos tumbler coffee",
        attributes={"material": "steel"},
    )
    (channel,) = bench_channels(["amazon"], prefix="Scores")
    ids = list(products.values_list("pk", flat=True))
    meta = {"width": 1200, "height": 1200, "white_background": True}
    with transaction.atomic():
        ProductImage.objects.bulk_create(
            (
                ProductImage(
                    product_id=pk,
                    image=f"bench/{pk}.png",
                    sha256=f"{pk:064d}",
                    width=1200,
                    height=1200,
                    metadata=meta,
                    is_primary=True,
                )  # fmt: skip
                for pk in ids
            ),
            batch_size=2000,
        )
        now = timezone.now()
        Listing.objects.bulk_create(
            (Listing(product_id=pk, channel=channel, readiness_blocking=0, readiness_checked_at=now) for pk in ids),
            batch_size=2000,
        )
    result: dict[str, float | int | str] = {"vendor": connection.vendor, "listings": Listing.objects.count()}

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL)
        rows = cursor.fetchall()
        cursor.execute(FLOOR_IMAGES_SQL)
        images = cursor.fetchall()
    result["floor"] = time.perf_counter() - started
    result["floor_rows"] = len(rows) + len(images)
    del rows, images

    profile = None
    if os.environ.get("BENCH_SCORES_PROFILE"):
        import cProfile

        profile = cProfile.Profile()
        profile.enable()
    started, cpu = time.perf_counter(), time.process_time()
    connection.queries_log.clear()  # the log keeps 9,000 entries: the setup's must not crowd out the count
    with CaptureQueriesContext(connection) as queries:
        done = scores_recompute(None)
    result["seconds"] = time.perf_counter() - started
    result["cpu_s"] = time.process_time() - cpu
    if profile is not None:
        import pstats

        profile.disable()
        order = os.environ.get("BENCH_SCORES_PROFILE_SORT", "tottime")  # or "cumulative"
        pstats.Stats(profile, stream=sys.stderr).sort_stats(order).print_stats(40)
    result["scored"] = done
    result["stored"] = ListingScore.objects.count()
    result["queries"] = len(queries)
    result["chunks"] = -(-done // SCORE_CHUNK)
    print(json.dumps(result))


def _report(r: dict) -> None:
    per_chunk = r["queries"] / max(r["chunks"], 1)
    print(
        f"[{r['vendor']}] scores of {r['listings']:,} listings: {r['seconds']:.1f} s wall, {r['cpu_s']:.1f} s CPU "
        f"(goal <= 60 s at 100,000); floor (plain cursor reading the rows) {r['floor']:.2f} s = "
        f"{r['seconds'] / max(r['floor'], 1e-9):.0f}x the floor; {r['stored']:,} rows stored"
    )
    print(f"  {r['queries']} queries in {r['chunks']} chunks: {per_chunk:.1f} per chunk (goal: constant)")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        _report(worker_result(__file__, f"sqlite:///{tmp}/bench_scores.sqlite3"))
    postgres = postgres_scratch_url("bench_scores")
    if postgres:
        _report(worker_result(__file__, postgres))


if __name__ == "__main__":
    if "--worker" in sys.argv:
        _worker()
    else:
        main()
