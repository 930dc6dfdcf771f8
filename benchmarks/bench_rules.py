"""Automation rules: one threshold sweep over N listings (docs/automation.md#triggers).

Data: N products listed on one Shopify channel, priced 10.00; a threshold rule "price > 5" with a condition on
the marketplace and the tag_listing action, and a second rule "price > 1000" that matches nothing (the cost of
looking only). `rules_threshold_sweep` evaluates both on every listing, writes the log and tags N listings. The
floor, in the same run: a plain DB-API cursor reading the listings with their product and channel. Queries are
counted per chunk of 500 listings (goal: constant).
Run: `.venv/bin/python benchmarks/run.py rules` (BENCH_RULES_LISTINGS, default 5,000).
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
LISTINGS = int(os.environ.get("BENCH_RULES_LISTINGS", "5000"))
FLOOR_SQL = """
SELECT l.id, l.status, l.price, l.external_id, p.sku, p.title, p.brand, p.status, p.price, c.name, c.marketplace
FROM listings_listing l JOIN catalog_product p ON p.id = l.product_id JOIN channels_channel c ON c.id = l.channel_id
ORDER BY l.id
"""


def _worker() -> None:
    """Runs inside the child process with DATABASE_URL set to a fresh database; prints one JSON line."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from listings.models import Listing
    from tests.fixtures.channels import bench_channels, bulk_products
    from workflow.models import ListingTag, RuleEvaluation
    from workflow.rule_selectors import CHUNK
    from workflow.rule_services import automation_rule_create, rules_threshold_sweep

    call_command("migrate", verbosity=0)
    products = bulk_products(LISTINGS, prefix="RULE")
    (channel,) = bench_channels(["shopify"], prefix="Rules")
    with transaction.atomic():
        Listing.objects.bulk_create(
            (Listing(product_id=pk, channel=channel) for pk in products.values_list("pk", flat=True)), batch_size=2000
        )
    common = {"trigger_type": "threshold", "action_type": "tag_listing", "cooldown_minutes": 0}
    automation_rule_create(
        name="Dear on Shopify", trigger_config={"metric": "price", "operator": "gt", "value": 5},
        conditions=[{"field": "channel.marketplace", "operator": "eq", "value": "shopify"}],
        action_config={"tag": "dear"}, **common,
    )  # fmt: skip
    automation_rule_create(
        name="Never", trigger_config={"metric": "price", "operator": "gt", "value": 1000},
        action_config={"tag": "never"}, **common,
    )  # fmt: skip
    result: dict[str, float | int | str] = {"vendor": connection.vendor, "listings": Listing.objects.count()}

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL)
        rows = cursor.fetchall()
    result["floor"] = time.perf_counter() - started
    del rows

    started, cpu = time.perf_counter(), time.process_time()
    connection.queries_log.clear()  # the log keeps 9,000 entries: the setup's must not crowd out the count
    with CaptureQueriesContext(connection) as queries:
        rules_threshold_sweep()
    result["seconds"] = time.perf_counter() - started
    result["cpu_s"] = time.process_time() - cpu
    result["queries"] = len(queries)
    result["chunks"] = 2 * -(-LISTINGS // CHUNK)
    result["tagged"] = ListingTag.objects.count()
    result["log_rows"] = RuleEvaluation.objects.count()
    print(json.dumps(result))


def _report(r: dict) -> None:
    per = r["seconds"] / max(r["listings"], 1) * 1e6 / 2
    print(
        f"[{r['vendor']}] threshold sweep of 2 rules over {r['listings']:,} listings: {r['seconds']:.1f} s wall, "
        f"{r['cpu_s']:.1f} s CPU ({per:.0f} us per listing and rule); floor (plain cursor reading the listings) "
        f"{r['floor']:.2f} s; {r['tagged']:,} tagged, {r['log_rows']:,} log rows"
    )
    if r["queries"] >= 9000:  # Django keeps the last 9,000 queries: the count is a floor then
        print("  9,000 or more queries (Django's query log holds 9,000): the matching rule's actions, per listing")
    else:
        print(f"  {r['queries']} queries in {r['chunks']} chunks: {r['queries'] / max(r['chunks'], 1):.1f} per chunk")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        _report(worker_result(__file__, f"sqlite:///{tmp}/bench_rules.sqlite3"))
    postgres = postgres_scratch_url("bench_rules")
    if postgres:
        _report(worker_result(__file__, postgres))


if __name__ == "__main__":
    if "--worker" in sys.argv:
        _worker()
    else:
        main()
