"""Preview of a price rule set over N listings (issue 22: 100,000 listings, goal <= 5 s and constant queries per
chunk of 500 listings).

Data: N products with a cost price, each listed on one channel with fees and a .99 price ending; four rules (a
margin floor for all, an inventory rule, a weekday discount, a competitor beat with a step cap) and a what-if
competitor price so every listing runs the competitor-beat rule and its guards. Prices (400 steps of 0.05 from
8.00) and costs (170 steps of 0.01 from 3.00) vary with the product id, so listings do not all share one
(price, cost) pair: 6,800 distinct pairs. Prints the time, the queries and the queries per chunk, and a floor:
the same arithmetic in plain Python over tuples read with one raw cursor (docs/benchmarks.md#price-rules-preview).
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
from decimal import Decimal
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
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models import F
    from django.test.utils import CaptureQueriesContext

    from listings.models import Listing
    from pricing.models import ChannelFee
    from pricing.rule_services import CHUNK, price_rule_create, price_rules_preview
    from pricing.rules import RuleSpec
    from tests.fixtures.channels import bench_channels, bulk_products

    call_command("migrate", verbosity=0)
    products = bulk_products(LISTINGS, prefix="RULE")
    products.update(
        price=Decimal("8.00") + F("pk") % 400 * Decimal("0.05"),
        cost_price=Decimal("3.00") + F("pk") % 170 * Decimal("0.01"),
    )
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
    with CaptureQueriesContext(connection) as one_chunk:
        price_rules_preview(rules=specs, listings=rows_ids(rows)[:CHUNK], competitor_price=Decimal("9.50"))
    result["fixed_queries"] = 2 * len(one_chunk) - len(queries_of_two_chunks(specs))  # queries not per chunk
    floor_prices, result["floor_s"], result["floor_cpu_s"] = _floor(connection, Decimal("9.50"))
    ours = {row.listing_id: row.evaluation.proposed_price for row in rows}
    result["floor_agrees"] = floor_prices == ours
    print(json.dumps(result))


def rows_ids(rows: list) -> list[int]:
    return [row.listing_id for row in rows]


def queries_of_two_chunks(specs: list) -> list:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from listings.models import Listing
    from pricing.rule_services import CHUNK, price_rules_preview

    ids = list(Listing.objects.order_by("pk").values_list("pk", flat=True)[: 2 * CHUNK])
    with CaptureQueriesContext(connection) as queries:
        price_rules_preview(rules=specs, listings=ids, competitor_price=Decimal("9.50"))
    return list(queries)


def _floor(connection, competitor: Decimal) -> tuple[dict[int, Decimal], float, float]:
    """The bench's evaluation by hand: one raw query for (listing, price, product price, cost), then the beat rule
    (competitor × 0.98), the 10 % step cap, the 20 % floor with these fees (15 % referral, 0.30 fixed), the .99
    ending; Decimal to the cent as the engine. Only what this data needs: a floor to compare with, not an engine."""
    from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP

    cent, hundred = Decimal("0.01"), Decimal("100")
    started, cpu = time.perf_counter(), time.process_time()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT l.id, l.price, p.price, p.cost_price FROM listings_listing l "
            "JOIN catalog_product p ON p.id = l.product_id ORDER BY l.id"
        )
        fetched = cursor.fetchall()

    def money(value: Decimal, rounding: str = ROUND_HALF_UP) -> Decimal:
        return value.quantize(cent, rounding=rounding)

    def ending(value: Decimal) -> Decimal:
        candidate = value.to_integral_value(rounding=ROUND_FLOOR) + Decimal("0.99")
        return money(candidate + 1 if candidate < value else candidate)

    def margin_pct(price: Decimal, cost: Decimal) -> Decimal:
        net = money(price - cost - money(price * 15 / hundred) - Decimal("0.30"))
        return money(net / price * hundred)

    floors: dict[Decimal, Decimal] = {}  # per cost, as the engine caches P_floor per (cost, fees, floor)

    def floor_of(cost: Decimal) -> Decimal:
        if cost not in floors:
            floor = max(money((cost + Decimal("0.30")) / Decimal("0.65"), ROUND_CEILING) - 5 * cent, cent)
            while margin_pct(floor, cost) < 20:
                floor += cent
            floors[cost] = floor
        return floors[cost]

    margins: dict[tuple[Decimal, Decimal], Decimal] = {}  # the rows' margins before and after, cached likewise

    def margin_of(price: Decimal, cost: Decimal) -> Decimal:
        if (price, cost) not in margins:
            margins[price, cost] = margin_pct(price, cost)
        return margins[price, cost]

    proposal = money(money(competitor * (1 - Decimal("2") / hundred)))
    found = {}
    for listing_id, override, product_price, cost_price in fetched:
        base = ending(Decimal(str(product_price)))
        current = money(Decimal(str(override))) if override is not None else base
        cost = money(Decimal(str(cost_price)))
        floor = floor_of(cost)
        price, raised = proposal, False
        if price < floor:
            price, raised = floor, True
        cap = money(current * 10 / hundred)
        if abs(price - current) > cap and not (raised and price > current):
            capped = current + cap if price > current else current - cap
            price = floor if capped < floor <= price else capped
        if price != current:
            up = ending(price)
            down = up if up == price or up - 1 <= 0 else up - 1
            price = down if price - down < up - price and down >= floor else up
        margin_of(current, cost), margin_of(price, cost)
        found[listing_id] = price
    return found, time.perf_counter() - started, time.process_time() - cpu


def _report(r: dict) -> None:
    print(
        f"[{r['vendor']}] preview of 4 rules over {r['listings']:,} listings: {r['seconds']:.2f} s wall, "
        f"{r['cpu_s']:.2f} s CPU (goal <= 5 s at 100,000), {r['changed']:,} would change"
    )
    per_chunk = (r["queries"] - r["fixed_queries"]) / max(r["chunks"], 1)
    print(
        f"  {r['queries']} queries in {r['chunks']} chunks: {per_chunk:.1f} per chunk + {r['fixed_queries']} once "
        "(goal: constant)"
    )
    print(
        f"  floor (plain Python over raw tuples, same arithmetic): {r['floor_s']:.2f} s wall, {r['floor_cpu_s']:.2f} s "
        f"CPU; preview / floor {r['seconds'] / r['floor_s']:.1f}x wall, {r['cpu_s'] / r['floor_cpu_s']:.1f}x CPU; "
        f"same prices: {r['floor_agrees']}"
    )


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
