"""Preview of a price rule set over N listings (issue 22: 100,000 listings, goal <= 5 s and constant queries per
chunk of 500 listings).

Data: N products with a cost price, each listed on one channel with fees and a .99 price ending; three rules (a
margin floor for all, an inventory rule, a weekday discount) and a what-if competitor price so every listing runs
the competitor-beat rule and its guards. Prints the time, the queries and the queries per chunk.
Each database runs in a fresh process on a fresh database: SQLite always, PostgreSQL too when DATABASE_URL
points at one (a database named <name>_bench_price_rules is created next to it).
Run: `.venv/bin/python benchmarks/run.py price_rules` (BENCH_PRICE_RULES_LISTINGS=100000 for the issue's size;
the default is small so `make bench` stays quick).
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
LISTINGS = int(os.environ.get("BENCH_PRICE_RULES_LISTINGS", "5000"))


def _worker() -> None:
    """Runs inside the child process with DATABASE_URL set to a fresh database; prints one JSON line."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from decimal import Decimal

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from listings.models import Listing
    from pricing.models import ChannelFee
    from pricing.rule_services import CHUNK, price_rule_create, price_rules_preview
    from pricing.rules import RuleSpec
    from tests.fixtures.channels import bench_channels, bulk_products

    call_command("migrate", verbosity=0)
    products = bulk_products(LISTINGS, prefix="RULE")
    products.update(cost_price=Decimal("4.00"))
    (channel,) = bench_channels(["shopify"], prefix="Rules")
    channel.price_rounding_ending = Decimal("0.99")
    channel.save(update_fields=["price_rounding_ending"])
    ChannelFee.objects.create(channel=channel, referral_pct=Decimal("15"), fixed_fee=Decimal("0.30"))
    with transaction.atomic():
        Listing.objects.bulk_create(
            (Listing(product_id=p, channel=channel) for p in products.values_list("pk", flat=True).iterator()),
            batch_size=2000,
        )
    window = {"price_change_pct": -5, "weekdays": [0, 1, 2, 3, 4], "start_time": "00:00", "end_time": "23:59"}
    rules = [
        price_rule_create(name="Floor", rule_type="margin_floor", config={"min_margin_pct": 25}, priority=10),
        price_rule_create(name="Scarce", rule_type="inventory_based", config={"when_below": 2, "price_change_pct": 10}),
        price_rule_create(name="Weekdays", rule_type="time_based", config=window, priority=50),
        price_rule_create(
            name="Beat",
            rule_type="competitor_beat",
            config={"beat_by_pct": 2, "max_step_pct": 10},
            priority=200,
        ),
    ]
    specs = [RuleSpec.of(rule) for rule in rules]
    result: dict[str, float | int | str] = {"vendor": connection.vendor, "listings": Listing.objects.count()}
    profile = None
    if os.environ.get("BENCH_PRICE_RULES_PROFILE"):
        import cProfile

        profile = cProfile.Profile()
        profile.enable()
    started, cpu = time.perf_counter(), time.process_time()
    with CaptureQueriesContext(connection) as queries:
        rows = price_rules_preview(rules=specs, listings=Listing.objects.all(), competitor_price=Decimal("9.50"))
    if profile is not None:
        import pstats

        profile.disable()
        pstats.Stats(profile, stream=sys.stderr).sort_stats(
            os.environ.get("BENCH_PRICE_RULES_PROFILE_SORT", "tottime")
        ).print_stats(25)
    result["seconds"] = time.perf_counter() - started
    result["cpu_s"] = time.process_time() - cpu
    result["rows"] = len(rows)
    result["changed"] = sum(1 for row in rows if row.evaluation.changed)
    result["queries"] = len(queries)
    result["chunks"] = -(-len(rows) // CHUNK)
    print(json.dumps(result))


def _report(r: dict) -> None:
    per_chunk = (r["queries"] - 1) / max(r["chunks"], 1)  # one query lists the ids
    print(
        f"[{r['vendor']}] preview of 4 rules over {r['listings']:,} listings: {r['seconds']:.2f} s wall, "
        f"{r['cpu_s']:.2f} s CPU (goal <= 5 s at 100,000), {r['changed']:,} would change"
    )
    print(f"  {r['queries']} queries in {r['chunks']} chunks: {per_chunk:.1f} per chunk (goal: constant)")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        _report(worker_result(__file__, f"sqlite:///{tmp}/bench_price_rules.sqlite3"))
    postgres = postgres_scratch_url("bench_price_rules")
    if postgres:
        _report(worker_result(__file__, postgres))


if __name__ == "__main__":
    if "--worker" in sys.argv:
        _worker()
    else:
        main()
