"""Import speed and memory against a floor measured in the same run (issue 7).

floor   = python-calamine parse of the workbook + one plain `executemany` INSERT of its rows into a fresh table
create  = import service commit of 100k new products (ImportRun, chunks of 1000)      goal <= 2.0x floor
          (also run once without its bulk audit entries, to print what they cost)
upsert  = the same file with 10 % of the rows changed, committed as updates           goal <= 2.5x floor
dry run = check of a file (nothing written)                                            goal <= 1.5x floor,
          three ways: the 100k new rows before they exist (every row converted), the 10 %-changed file
          before the upsert (90 % recognised as unchanged from their raw cells), and that file again after
          the upsert (all unchanged)
Each stage runs in a fresh Python process so its peak RSS (ru_maxrss) is its own, with DEBUG off as in a
production worker (with DEBUG on, Django's debug cursor also formats every statement's parameters: on SQLite
one extra `SELECT QUOTE(?), ...` per lookup of 1,000 SKUs). SQLite always (a fresh file);
PostgreSQL too when DATABASE_URL points at one. Also prints queries per 1,000 rows for 1k and 5k-row files.
The sequence of stages runs BENCH_IMPORT_REPEAT times (default 3) and medians are printed, with each run's
ratio to a floor measured just before that stage (the load of a shared box drifts within a minute).
Run: `.venv/bin/python benchmarks/run.py import` (BENCH_IMPORT_ROWS=20000 BENCH_IMPORT_REPEAT=1 for a
quicker run).
"""

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
SEED = 20261123
REPEAT = int(os.environ.get("BENCH_IMPORT_REPEAT", "3"))
HEADER = ["sku", "title", "description", "brand", "category", "price", "currency", "compare_at_price"]
HEADER += ["cost_price", "quantity", "barcode", "weight_grams"]
CATEGORIES = ["Home > Kitchen", "Home > Garden", "Apparel > Men", "Apparel > Women", "Toys", "Sports > Outdoor"]


def _gtin(n: int) -> str:
    body = f"{400000000000 + n:012d}"
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


def make_rows(count: int, changed_share: float = 0.0) -> list[list]:
    rng = random.Random(SEED)
    change = random.Random(SEED + 1)
    rows = []
    for i in range(count):
        price = rng.randint(100, 99999) / 100
        row = [
            f"BENCH-{i:07d}",
            f"Product {i} {rng.choice(['red', 'blue', 'green'])} {rng.choice(['small', 'large'])}",
            f"Description of product {i}",
            rng.choice(["Acme", "Globex", "Initech", "Umbrella"]),
            rng.choice(CATEGORIES),
            price,
            "USD",
            round(price * 1.2, 2),
            round(price / 2, 2),
            rng.randint(0, 500),
            _gtin(i),
            rng.randint(50, 5000),
        ]
        if changed_share and change.random() < changed_share:
            row[9] = row[9] + 1  # quantity +1
        rows.append(row)
    return rows


def write_workbook(path: Path, rows: list[list]) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Products")
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    workbook.save(path)


# --- stages, each run in its own process: `bench_import.py STAGE FILE` ---


def _setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def stage_floor(path: str) -> dict:
    from django.db import connection
    from python_calamine import CalamineWorkbook

    started, cpu = time.perf_counter(), time.process_time()
    workbook = CalamineWorkbook.from_path(path)
    rows = workbook.get_sheet_by_index(0).to_python()[1:]
    parsed = time.perf_counter()
    columns = ", ".join(f"c{i} text" for i in range(len(HEADER)))
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_floor")
        key = "id bigserial primary key" if connection.vendor == "postgresql" else "id integer primary key"
        cursor.execute(f"CREATE TABLE bench_floor ({key}, {columns})")
    marks = ", ".join(["%s"] * len(HEADER))
    from django.db import transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO bench_floor ({', '.join(f'c{i}' for i in range(len(HEADER)))}) VALUES ({marks})",
            [[str(v) for v in row] for row in rows],
        )
    done, cpu = time.perf_counter(), time.process_time() - cpu
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_floor")
    return {"seconds": done - started, "cpu": cpu, "parse": parsed - started, "insert": done - parsed}


def stage_import(path: str, commit: bool, audit: bool = True) -> dict:
    from catalog.importing.engine import ImportRun
    from catalog.importing.services import import_batch_commit, import_batch_create, import_batch_validate
    from catalog.models import ImportErrorPolicy

    if not audit:  # the same commit without its bulk audit entries, to show what they cost
        ImportRun._audit = lambda self, *args: None  # type: ignore[method-assign]

    with open(path, "rb") as fh:
        batch = import_batch_create(upload=fh, filename="bench.xlsx", on_error=ImportErrorPolicy.SKIP_ROWS, start=False)
    started, cpu = time.perf_counter(), time.process_time()
    batch = import_batch_commit(batch=batch) if commit else import_batch_validate(batch=batch)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert batch.error_count == 0, batch.first_errors[:3]
    return {
        "seconds": seconds,
        "cpu": cpu,
        "created": batch.created_count,
        "updated": batch.updated_count,
        "unchanged": batch.unchanged_count,
        "status": batch.status,
    }


def stage_queries(path: str) -> dict:
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from catalog.importing.services import import_batch_commit, import_batch_create
    from catalog.models import Product

    # counted on one connection: the PostgreSQL writer threads would run the same statements on their own
    settings.IMPORT_WRITERS = 0
    with open(path, "rb") as fh:
        batch = import_batch_create(upload=fh, filename="q.xlsx", on_error="skip-rows", start=False)
    with CaptureQueriesContext(connection) as ctx:
        batch = import_batch_commit(batch=batch)
    count = len(ctx.captured_queries)
    Product.objects.filter(sku__startswith="BENCH-").delete()
    return {"queries": count, "rows": batch.total_rows}


def stage_reset(_: str) -> dict:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import connection

    from catalog.models import Category, ImportBatch, ImportRow, Product, ProductImage, Variant
    from listings.models import Listing

    # raw deletes: the ORM collector would fetch 100k rows to cascade them one model at a time
    for model in (Listing, ProductImage, Variant, Product, ImportRow, ImportBatch):
        model.objects.all()._raw_delete(connection.alias)
    while Category.objects.exists():
        Category.objects.filter(children__isnull=True)._raw_delete(connection.alias)
    return {}


def child_main(stage: str, path: str) -> None:
    _setup()
    if stage == "floor":
        result = stage_floor(path)
    elif stage in ("create", "upsert"):
        result = stage_import(path, commit=True)
    elif stage == "create-noaudit":
        result = stage_import(path, commit=True, audit=False)
    elif stage == "dry":
        result = stage_import(path, commit=False)
    elif stage == "queries":
        result = stage_queries(path)
    else:
        result = stage_reset(path)
    import resource

    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps(result), flush=True)


def _run(stage: str, path: Path, env: dict) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, stage, str(path)], env=env, capture_output=True, text=True, check=False
    )
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"stage {stage} failed:\n{out.stdout[-2000:]}\n{out.stderr[-4000:]}")


def _median(results: list[dict]) -> dict:
    """The run with the median time (its other figures come with it)."""
    return sorted(results, key=lambda r: r["seconds"])[len(results) // 2]


def _spread(results: list[dict]) -> str:
    times = sorted(r["seconds"] for r in results)
    return f"{times[0]:.2f}-{times[-1]:.2f}s"


def _database_run(label: str, env: dict, files: dict[str, Path]) -> None:
    _run("reset", files["base"], env)
    _run("queries", files["q1000"], env)  # warm-up: creates the categories, so both counts below are steady
    queries = {n: _run("queries", files[f"q{n}"], env) for n in (1000, 5000)}
    unaudited = _run("create-noaudit", files["base"], env)
    sequence = [("dry new", "dry", "base"), ("create", "create", "base"), ("dry 10%", "dry", "changed")]
    sequence += [("upsert", "upsert", "changed"), ("dry", "dry", "changed")]
    runs: dict[str, list[dict]] = {name: [] for name, _, _ in sequence}
    floors: dict[str, list[dict]] = {name: [] for name, _, _ in sequence}  # the floor measured just before
    for _ in range(REPEAT):  # the whole sequence again: each stage needs the catalogue the one before left
        _run("reset", files["base"], env)
        for name, stage, file in sequence:
            # the box's load drifts over a run: each stage is compared with a floor taken seconds before it
            floors[name].append(_run("floor", files["base"], env))
            runs[name].append(_run(stage, files[file], env))
    runs["floor"] = [result for results in floors.values() for result in results]
    median = {name: _median(results) for name, results in runs.items()}
    floor, create = median["floor"], median["create"]
    f = floor["seconds"]
    print(
        f"[{label}] rows={ROWS:,} medians of {REPEAT} runs; floor={f:.2f}s (calamine parse {floor['parse']:.2f}s + "
        f"executemany {floor['insert']:.2f}s; CPU of this process {floor['cpu']:.2f}s) peak "
        f"{floor['peak_rss_mb']:.0f} MB; floors seen {_spread(runs['floor'])}"
    )
    stages = [("create", "create", 2.0), ("upsert 10%", "upsert", 2.5), ("dry new", "dry new", 1.5)]
    stages += [("dry 10%", "dry 10%", 1.5), ("dry same", "dry", 1.5)]
    for name, key, goal in stages:
        result = median[key]
        # each run's stage against the floor measured just before it (the load of the box drifts)
        ratios = sorted(r["seconds"] / fl["seconds"] for r, fl in zip(runs[key], floors[key], strict=True))
        ratio = ratios[len(ratios) // 2]
        print(
            f"[{label}] {name:<11} {result['seconds']:6.2f}s  {ROWS / result['seconds']:8,.0f} rows/s  "
            f"ratio {ratio:4.2f}x, median of the runs' own ratios {', '.join(f'{x:.2f}' for x in ratios)} "
            f"(goal <= {goal}x: {'met' if ratio <= goal else 'NOT met'})  "
            f"created={result['created']} updated={result['updated']} unchanged={result['unchanged']}  "
            f"CPU {result['cpu']:.2f}s ({result['cpu'] / floor['cpu']:.2f}x the floor's)  "
            f"peak RSS {result['peak_rss_mb']:.0f} MB"
        )
    extra = create["seconds"] - unaudited["seconds"]
    print(
        f"[{label}] audit entries: create without them {unaudited['seconds']:.2f}s, with them "
        f"{create['seconds']:.2f}s (+{extra:.2f}s, {100 * extra / unaudited['seconds']:+.0f} %; "
        f"CPU {unaudited['cpu']:.2f}s -> {create['cpu']:.2f}s)"
    )
    per_k = {n: q["queries"] / (n / 1000) for n, q in queries.items()}
    print(
        f"[{label}] queries: 1k rows -> {queries[1000]['queries']}, 5k rows -> {queries[5000]['queries']} "
        f"({per_k[1000]:.1f} vs {per_k[5000]:.1f} per 1,000 rows)"
    )
    _run("reset", files["base"], env)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        tmpdir = Path(tmp)
        started = time.perf_counter()
        base = make_rows(ROWS)
        files = {"base": tmpdir / "base.xlsx", "changed": tmpdir / "changed.xlsx"}
        write_workbook(files["base"], base)
        write_workbook(files["changed"], make_rows(ROWS, changed_share=0.10))
        for n in (1000, 5000):
            files[f"q{n}"] = tmpdir / f"q{n}.xlsx"
            write_workbook(files[f"q{n}"], base[:n])
        size = files["base"].stat().st_size / 1024 / 1024
        took = time.perf_counter() - started
        print(f"generated {ROWS:,} x {len(HEADER)} xlsx ({size:.1f} MB, seed {SEED}) in {took:.1f}s")
        env = dict(os.environ, MEDIA_ROOT=str(tmpdir / "media"), DEBUG="false")
        env["DATABASE_URL"] = f"sqlite:///{tmpdir / 'bench.sqlite3'}"
        _database_run("SQLite", env, files)
        if os.environ.get("DATABASE_URL", "").startswith("postgres"):
            env["DATABASE_URL"] = os.environ["DATABASE_URL"]
            _database_run("PostgreSQL", env, files)
        else:
            print("[PostgreSQL] skipped: set DATABASE_URL=postgres://... to include it")


if __name__ == "__main__":
    if len(sys.argv) == 3:
        child_main(sys.argv[1], sys.argv[2])
    else:
        main()
