"""Landed cost recompute of 100,000 variants after one component price change (issue 22, goal <= 10 s).

Data: 10,000 products × 10 variants; every product's bill has the packaging box (the changed component) and one
of 20 parts; every variant adds one of 50 own parts. Each component has three current prices: two suppliers (one
in GBP, converted) and a quantity break. Then the box's price changes and
`landed_costs_recompute(component_ids=[box])` rewrites every unit that uses it (110,000: the variants and the
products themselves). Prints the time, the queries and the rows written.
Each database runs in a fresh process on a fresh database: SQLite always, PostgreSQL too when DATABASE_URL
points at one (a database named <name>_bench_costs is created next to it).
Run: `.venv/bin/python benchmarks/run.py costs` (BENCH_COSTS_PRODUCTS=1000 for a quicker run).
"""

import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTS = int(os.environ.get("BENCH_COSTS_PRODUCTS", "10000"))
VARIANTS_PER_PRODUCT = 10
SHARED_PARTS, OWN_PARTS = 20, 50


def _worker() -> None:
    """Runs inside the child process with DATABASE_URL set to a fresh database; prints one JSON line."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from datetime import date
    from decimal import Decimal

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from catalog.models import Variant
    from inventory.cost_models import BomLine, Component, ComponentPrice, LandedCost, Supplier
    from inventory.cost_services import landed_costs_recompute
    from tests.fixtures.channels import bulk_products

    call_command("migrate", verbosity=0)
    products = list(bulk_products(PRODUCTS, prefix="COST").values_list("pk", flat=True))
    with transaction.atomic():
        Variant.objects.bulk_create(
            (
                Variant(product_id=p, sku=f"COST-{p}-{v}", options={"Size": str(v)}, position=v)
                for p in products
                for v in range(VARIANTS_PER_PRODUCT)
            ),
            batch_size=2000,
        )
        uk = Supplier.objects.create(name="UK", country="GB")
        us = Supplier.objects.create(name="US", country="US")
        box = Component.objects.create(name="Box")
        shared = Component.objects.bulk_create(Component(name=f"Part {i}") for i in range(SHARED_PARTS))
        own = Component.objects.bulk_create(Component(name=f"Own {i}") for i in range(OWN_PARTS))
        since = date(2026, 1, 1)
        ComponentPrice.objects.bulk_create(
            price
            for c in [box, *shared, *own]
            for price in (
                ComponentPrice(component=c, supplier=us, unit_cost=Decimal("1.20"), currency="USD", valid_from=since),
                ComponentPrice(component=c, supplier=uk, unit_cost=Decimal("0.90"), currency="GBP", valid_from=since),
                ComponentPrice(
                    component=c,
                    supplier=us,
                    unit_cost=Decimal("0.80"),
                    currency="USD",
                    min_quantity=500,
                    valid_from=since,
                ),
            )
        )
        lines = []
        for i, p in enumerate(products):
            lines.append(BomLine(product_id=p, component=box, quantity=Decimal("1")))
            lines.append(BomLine(product_id=p, component=shared[i % SHARED_PARTS], quantity=Decimal("2")))
        BomLine.objects.bulk_create(lines, batch_size=2000)
        variants = Variant.objects.values_list("pk", flat=True).order_by("pk")
        BomLine.objects.bulk_create(
            (BomLine(variant_id=v, component=own[v % OWN_PARTS], quantity=Decimal("1")) for v in variants.iterator()),
            batch_size=2000,
        )
    result: dict[str, float | int | str] = {"vendor": connection.vendor, "variants": Variant.objects.count()}

    started, cpu = time.perf_counter(), time.process_time()
    result["first_units"] = landed_costs_recompute()
    result["first_s"] = time.perf_counter() - started
    result["first_cpu_s"] = time.process_time() - cpu

    ComponentPrice.objects.filter(component=box, supplier=us, min_quantity=1).update(unit_cost=Decimal("0.70"))
    connection.queries_log.clear()
    started, cpu = time.perf_counter(), time.process_time()
    profile = None
    if os.environ.get("BENCH_COSTS_PROFILE"):
        import cProfile

        profile = cProfile.Profile()
        profile.enable()
    with CaptureQueriesContext(connection) as queries:
        result["units"] = landed_costs_recompute(component_ids=[box.pk])
    result["change_s"] = time.perf_counter() - started
    result["change_cpu_s"] = time.process_time() - cpu
    if profile is not None:
        import pstats

        profile.disable()
        pstats.Stats(profile, stream=sys.stderr).sort_stats("tottime").print_stats(25)
    result["queries"] = len(queries)
    result["stored"] = LandedCost.objects.exclude(landed_cost=None).count()
    stored = {(p, v): cost for p, v, cost in LandedCost.objects.values_list("product_id", "variant_id", "landed_cost")}
    started, cpu = time.perf_counter(), time.process_time()
    floor = _floor(connection)
    result["floor_s"] = time.perf_counter() - started
    result["floor_cpu_s"] = time.process_time() - cpu
    result["floor_matches"] = sum(1 for unit, cost in floor.items() if stored.get(unit) == cost)
    print(json.dumps(result))


def _floor(connection) -> dict:
    """The same recompute done the plainest way, through the database driver: read every bill line, current price
    and rate in a few SELECTs, choose each component's row for a batch of one (the preferred supplier, else the
    cheapest converted), sum qty x (unit x (1 + duty%) + shipping) x (1 + overhead%) per unit with Decimal, then
    delete and re-insert every stored figure with executemany in one transaction. No price-expiry alerts and no
    events: a floor, not a replacement. Returns {(product id, variant id): landed cost}."""
    from decimal import ROUND_HALF_UP, Decimal

    from django.conf import settings
    from django.utils import timezone

    from inventory.cost_selectors import overhead_pct

    connection.ensure_connection()
    raw = connection.connection
    mark = "?" if connection.vendor == "sqlite" else "%s"
    cur = raw.cursor()

    def number(value) -> Decimal:
        return value if isinstance(value, Decimal) else Decimal(str(value))

    cur.execute("SELECT currency, rate FROM inventory_currencyrate")
    rates = {code: number(rate) for code, rate in cur.fetchall()}
    rates.setdefault(settings.COSTS_BASE_CURRENCY, Decimal("1"))
    cur.execute("SELECT id, preferred_supplier_id FROM inventory_component")
    preferred = dict(cur.fetchall())
    today = timezone.localdate().isoformat()
    cur.execute(
        "SELECT component_id, supplier_id, unit_cost, currency, min_quantity, import_duty_pct, shipping_cost, "
        f"valid_from, valid_to FROM inventory_componentprice WHERE is_current = {mark}",
        (True,),
    )
    candidates: dict = {}
    for component, supplier, unit, currency, minimum, duty, shipping, since, until in cur.fetchall():
        if minimum > 1 or currency not in rates or str(since) > today or (until is not None and str(until) < today):
            continue
        candidates.setdefault(component, []).append((supplier, number(unit), currency, minimum, duty, shipping))
    cur.execute("SELECT id, currency FROM catalog_product")
    product_currency = dict(cur.fetchall())
    per_unit: dict = {}  # (component, currency) -> unit x (1 + duty%) + shipping

    def component_cost(component: int, currency: str) -> Decimal:
        key = (component, currency)
        if key not in per_unit:
            rows = candidates[component]
            best: dict = {}
            for row in rows:  # per supplier the break with the largest minimum quantity not above the batch
                if row[0] not in best or row[3] > best[row[0]][3]:
                    best[row[0]] = row
            chosen = list(best.values())

            def converted(row) -> Decimal:
                return row[1] / rates[row[2]] * rates[currency]

            row = best.get(preferred.get(component)) or min(chosen, key=converted)
            factor = 1 + number(row[4]) / 100
            shipping = number(row[5]) / rates[row[2]] * rates[currency]
            per_unit[key] = converted(row) * factor + shipping
        return per_unit[key]

    cur.execute("SELECT product_id, component_id, quantity FROM inventory_bomline WHERE product_id IS NOT NULL")
    product_lines: dict = {}
    for product, component, quantity in cur.fetchall():
        product_lines.setdefault(product, {})[component] = number(quantity)
    cur.execute(
        "SELECT v.product_id, b.variant_id, b.component_id, b.quantity FROM inventory_bomline b "
        "JOIN catalog_variant v ON v.id = b.variant_id"
    )
    variant_lines: dict = {}
    for product, variant, component, quantity in cur.fetchall():
        variant_lines.setdefault((product, variant), {})[component] = number(quantity)
    factor = 1 + overhead_pct() / 100
    cent = Decimal("0.01")
    landed: dict = {}
    units = [((p, None), lines) for p, lines in product_lines.items()]
    units += [(unit, {**product_lines.get(unit[0], {}), **lines}) for unit, lines in variant_lines.items()]
    for unit, lines in units:
        currency = product_currency[unit[0]]
        subtotal = sum(q * component_cost(c, currency) for c, q in lines.items())
        landed[unit] = (subtotal * factor).quantize(cent, rounding=ROUND_HALF_UP)
    now = timezone.now().isoformat() if connection.vendor == "sqlite" else timezone.now()
    cur.execute("DELETE FROM inventory_landedcost")
    cur.executemany(
        "INSERT INTO inventory_landedcost (product_id, variant_id, landed_cost, currency, problem, alerts, "
        f"has_alerts, computed_at) VALUES ({', '.join([mark] * 8)})",
        [(p, v, str(cost), product_currency[p], "", "[]", False, now) for (p, v), cost in landed.items()],
    )
    raw.commit()
    return landed


def _report(r: dict) -> None:
    print(f"[{r['vendor']}] {PRODUCTS:,} products, {r['variants']:,} variants, BOM lines on both levels")
    print(
        f"  first recompute (every unit)         {r['first_s']:7.2f} s wall, "
        f"{r['first_cpu_s']:6.2f} s CPU (this process), {r['first_units']:,} units"
    )
    print(
        f"  after one component price change     {r['change_s']:7.2f} s wall, "
        f"{r['change_cpu_s']:6.2f} s CPU (this process), {r['units']:,} units  (goal <= 10 s), "
        f"{r['queries']} queries, {r['stored']:,} stored"
    )
    print(
        f"  floor (driver reads, plain sums, executemany)  {r['floor_s']:7.2f} s wall, {r['floor_cpu_s']:6.2f} s CPU, "
        f"{r['floor_matches']:,} figures equal; ratio {r['change_s'] / r['floor_s']:.1f}x wall, "
        f"{r['change_cpu_s'] / r['floor_cpu_s']:.1f}x CPU"
    )


def main() -> None:
    from benchmarks.databases import postgres_scratch_url, worker_result

    with tempfile.TemporaryDirectory() as tmp:
        _report(worker_result(__file__, f"sqlite:///{tmp}/bench_costs.sqlite3"))
    postgres = postgres_scratch_url("bench_costs")
    if postgres:
        _report(worker_result(__file__, postgres))


if __name__ == "__main__":
    if "--worker" in sys.argv:
        _worker()
    else:
        main()
