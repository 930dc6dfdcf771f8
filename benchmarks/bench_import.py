"""Import speed and memory against a floor measured in the same run (issue 7; issue 28, part 8).

floor   = python-calamine parse of the workbook + the database driver's own bulk call on the values exactly
          as calamine returns them (sqlite3 `executemany`; psycopg `COPY … FROM STDIN`), no Django cursor,
          no conversion; one transaction
create  = import service commit of 100k new products (ImportRun, chunks of 1000)      goal <= 2.0x floor
          (also run once without its bulk audit entries, to print what they cost)
upsert  = the same file with 10 % of the rows changed, committed as updates           goal <= 2.5x floor
dry run = check of a file (nothing written)                                            goal <= 1.5x floor,
          three ways: the 100k new rows before they exist (every row converted), the 10 %-changed file
          before the upsert (90 % recognised as unchanged from their raw cells), and that file again after
          the upsert (all unchanged)
CLI     = the whole user flow as a user runs it: `manage.py import_products FILE` (check, then commit) on an
          empty catalogue, one process: wall time (Django start-up included) and peak RSS (limit 300 MB)
Each stage runs in a fresh Python process so its peak RSS (ru_maxrss) is its own, with DEBUG off as in a
production worker (with DEBUG on, Django's debug cursor also keeps every statement with its parameters, and
on SQLite runs one extra `SELECT QUOTE(?), ...` per lookup of 1,000 SKUs). SQLite always (a fresh file);
PostgreSQL too when DATABASE_URL points at one. Also prints queries per 1,000 rows for 1k and 5k-row files.
The sequence of stages runs BENCH_IMPORT_REPEAT times (default 3) and medians are printed, with each run's
ratio to a floor measured just before that stage (the load of a shared box drifts within a minute).
BENCH_IMPORT_PARTS picks parts (default `stages,cli,extras`). Generated workbooks are kept in var/bench-import/.
Run: `.venv/bin/python benchmarks/run.py import` (BENCH_IMPORT_ROWS=20000 BENCH_IMPORT_REPEAT=1 for a
quicker run).
"""

import hashlib
import inspect
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
from python_calamine import CalamineWorkbook

ROOT = Path(__file__).resolve().parent.parent
ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
SEED = 20261123
REPEAT = int(os.environ.get("BENCH_IMPORT_REPEAT", "3"))
PARTS = os.environ.get("BENCH_IMPORT_PARTS", "stages,cli,extras").split(",")
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


def _floor_types(rows: list[list]) -> list[str]:
    """PostgreSQL column types that take each column's values as calamine returns them (the first non-blank)."""
    types = []
    for index in range(len(HEADER)):
        value = next((row[index] for row in rows if row[index] is not None), "")
        kind = "double precision" if isinstance(value, float) else "bigint" if isinstance(value, int) else "text"
        types.append("boolean" if isinstance(value, bool) else kind)
    return types


def stage_floor(path: str) -> dict:
    """The plainest way to store what was parsed: the driver's own bulk call on calamine's values as they are.

    sqlite3 `executemany` into a table without declared column types (SQLite stores each value as it comes);
    psycopg `COPY … FROM STDIN` with `write_row` into columns typed after the values (faster here than its
    `executemany`: 0.8 s against 2.9 s for 100k rows). No Django cursor, no conversion.
    """
    from django.conf import settings

    columns = ", ".join(f"c{i}" for i in range(len(HEADER)))
    postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    if postgres:
        db: Any = psycopg.connect(os.environ["DATABASE_URL"])
    else:
        db = sqlite3.connect(settings.DATABASES["default"]["NAME"])
    db.execute("DROP TABLE IF EXISTS bench_floor")
    db.commit()
    started, cpu = time.perf_counter(), time.process_time()
    workbook = CalamineWorkbook.from_path(path)
    rows = workbook.get_sheet_by_index(0).to_python()[1:]
    parsed = time.perf_counter()
    if postgres:
        typed = ", ".join(f"c{i} {kind}" for i, kind in enumerate(_floor_types(rows)))
        db.execute(f"CREATE TABLE bench_floor (id bigserial primary key, {typed})")
        with db.cursor() as cursor, cursor.copy(f"COPY bench_floor ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        db.execute(f"CREATE TABLE bench_floor (id integer primary key, {columns})")
        marks = ", ".join(["?"] * len(HEADER))
        db.executemany(f"INSERT INTO bench_floor ({columns}) VALUES ({marks})", rows)
    db.commit()
    done, cpu = time.perf_counter(), time.process_time() - cpu
    db.execute("DROP TABLE bench_floor")
    db.commit()
    db.close()
    return {"seconds": done - started, "cpu": cpu, "parse": parsed - started, "insert": done - parsed}


def stage_import(path: str, commit: bool, audit: bool = True) -> dict:
    from catalog.importing.services import import_batch_commit, import_batch_create, import_batch_validate
    from catalog.importing.writes import ChunkWrites
    from catalog.models import ImportErrorPolicy

    if not audit:  # the same commit without its bulk audit entries, to show what they cost
        ChunkWrites._audit = lambda self, *args: None  # type: ignore[method-assign]

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


def _run_cli(path: Path, env: dict, logs: Path) -> dict:
    """The whole user flow as a user runs it: `manage.py import_products FILE` (check, then commit).

    Its own peak RSS comes from wait4's rusage of that one child (RUSAGE_CHILDREN would hold the largest of
    every stage run before it).
    """
    command = [sys.executable, str(ROOT / "manage.py"), "import_products", str(path)]
    with (logs / "cli.out").open("w+") as out, (logs / "cli.err").open("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=out, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here; Popen must not wait again
        out.seek(0)
        err.seek(0)
        output, errors = out.read(), err.read()
    if process.returncode != 0:
        raise RuntimeError(f"import_products exited {process.returncode}:\n{output[-2000:]}\n{errors[-4000:]}")
    return {
        "seconds": seconds,
        "cpu": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "summary": output.strip().splitlines()[-1],
    }


def _median(results: list[dict]) -> dict:
    """The run with the median time (its other figures come with it)."""
    return sorted(results, key=lambda r: r["seconds"])[len(results) // 2]


def _spread(results: list[dict]) -> str:
    times = sorted(r["seconds"] for r in results)
    return f"{times[0]:.2f}-{times[-1]:.2f}s"


SEQUENCE = [("dry new", "dry", "base"), ("create", "create", "base"), ("dry 10%", "dry", "changed")]
SEQUENCE += [("upsert", "upsert", "changed"), ("dry", "dry", "changed")]
GOALS = [("create", "create", 2.0), ("upsert 10%", "upsert", 2.5), ("dry new", "dry new", 1.5)]
GOALS += [("dry 10%", "dry 10%", 1.5), ("dry same", "dry", 1.5)]
RSS_LIMIT_MB = 300  # the whole CLI run's peak (issue 28, part 8)


def _measure(env: dict, files: dict[str, Path], logs: Path) -> tuple[dict[str, list[dict]], dict[str, list[dict]]]:
    """Each stage's runs and the floor measured just before each of them (the box's load drifts in a minute)."""
    names = [name for name, _, _ in SEQUENCE] if "stages" in PARTS else []
    names += ["cli"] if "cli" in PARTS else []
    runs: dict[str, list[dict]] = {name: [] for name in names}
    floors: dict[str, list[dict]] = {name: [] for name in names}
    for _ in range(REPEAT):  # the whole sequence again: each stage needs the catalogue the one before left
        if "stages" in PARTS:
            _run("reset", files["base"], env)
            for name, stage, file in SEQUENCE:
                floors[name].append(_run("floor", files["base"], env))
                runs[name].append(_run(stage, files[file], env))
        if "cli" in PARTS:  # the user's flow on an empty catalogue: check all rows, then commit them
            _run("reset", files["base"], env)
            floors["cli"].append(_run("floor", files["base"], env))
            runs["cli"].append(_run_cli(files["base"], env, logs))
    return runs, floors


def _ratios(runs: list[dict], floors: list[dict]) -> list[float]:
    return sorted(r["seconds"] / fl["seconds"] for r, fl in zip(runs, floors, strict=True))


def _report_stages(label: str, runs: dict[str, list[dict]], floors: dict[str, list[dict]], floor: dict) -> None:
    for name, key, goal in GOALS:
        result = _median(runs[key])
        ratios = _ratios(runs[key], floors[key])
        ratio = ratios[len(ratios) // 2]
        print(
            f"[{label}] {name:<11} {result['seconds']:6.2f}s  {ROWS / result['seconds']:8,.0f} rows/s  "
            f"ratio {ratio:4.2f}x, median of the runs' own ratios {', '.join(f'{x:.2f}' for x in ratios)} "
            f"(goal <= {goal}x: {'met' if ratio <= goal else 'NOT met'})  "
            f"created={result['created']} updated={result['updated']} unchanged={result['unchanged']}  "
            f"CPU {result['cpu']:.2f}s ({result['cpu'] / floor['cpu']:.2f}x the floor's)  "
            f"peak RSS {result['peak_rss_mb']:.0f} MB"
        )


def _report_cli(label: str, runs: list[dict], floors: list[dict]) -> None:
    result, ratios = _median(runs), _ratios(runs, floors)
    peaks = sorted(r["peak_rss_mb"] for r in runs)
    print(
        f"[{label}] CLI import_products (check + commit, one process) {result['seconds']:.2f}s  "
        f"ratio {ratios[len(ratios) // 2]:.2f}x, the runs' own {', '.join(f'{x:.2f}' for x in ratios)}  "
        f"CPU {result['cpu']:.2f}s  peak RSS {', '.join(f'{x:.0f}' for x in peaks)} MB "
        f"(limit {RSS_LIMIT_MB} MB: {'met' if peaks[-1] <= RSS_LIMIT_MB else 'NOT met'})  {result['summary']}"
    )


def _report_extras(label: str, env: dict, files: dict[str, Path], create: dict | None) -> None:
    _run("reset", files["base"], env)
    _run("queries", files["q1000"], env)  # warm-up: creates the categories, so both counts below are steady
    queries = {n: _run("queries", files[f"q{n}"], env) for n in (1000, 5000)}
    per_k = {n: q["queries"] / (n / 1000) for n, q in queries.items()}
    print(
        f"[{label}] queries: 1k rows -> {queries[1000]['queries']}, 5k rows -> {queries[5000]['queries']} "
        f"({per_k[1000]:.1f} vs {per_k[5000]:.1f} per 1,000 rows)"
    )
    if create is None:
        return
    unaudited = _run("create-noaudit", files["base"], env)
    extra = create["seconds"] - unaudited["seconds"]
    print(
        f"[{label}] audit entries: create without them {unaudited['seconds']:.2f}s, with them (median above) "
        f"{create['seconds']:.2f}s (+{extra:.2f}s, {100 * extra / unaudited['seconds']:+.0f} %; "
        f"CPU {unaudited['cpu']:.2f}s -> {create['cpu']:.2f}s)"
    )


def _database_run(label: str, env: dict, files: dict[str, Path], logs: Path) -> None:
    runs, floors = _measure(env, files, logs)
    every_floor = [result for results in floors.values() for result in results]
    floor = _median(every_floor)
    print(
        f"[{label}] rows={ROWS:,} medians of {REPEAT} runs; floor={floor['seconds']:.2f}s (calamine parse "
        f"{floor['parse']:.2f}s + driver {'COPY' if label == 'PostgreSQL' else 'executemany'} "
        f"{floor['insert']:.2f}s; CPU {floor['cpu']:.2f}s) peak {floor['peak_rss_mb']:.0f} MB; "
        f"{len(every_floor)} floors seen {_spread(every_floor)}"
    )
    if "stages" in PARTS:
        _report_stages(label, runs, floors, floor)
    if "cli" in PARTS:
        _report_cli(label, runs["cli"], floors["cli"])
    if "extras" in PARTS:
        _report_extras(label, env, files, _median(runs["create"]) if "create" in runs else None)
    _run("reset", files["base"], env)


def _workbooks() -> dict[str, Path]:
    """The generated files, kept in var/bench-import/ between runs (the name holds a digest of the generator)."""
    digest = hashlib.sha256((inspect.getsource(make_rows) + repr(HEADER + CATEGORIES)).encode()).hexdigest()[:10]
    cache = ROOT / "var" / "bench-import"
    cache.mkdir(parents=True, exist_ok=True)
    files = {name: cache / f"{name}-{ROWS}-{SEED}-{digest}.xlsx" for name in ("base", "changed", "q1000", "q5000")}
    if all(path.exists() for path in files.values()):
        print(f"workbooks of {ROWS:,} rows (seed {SEED}) reused from {cache}")
        return files
    started = time.perf_counter()
    base = make_rows(ROWS)
    write_workbook(files["base"], base)
    write_workbook(files["changed"], make_rows(ROWS, changed_share=0.10))
    for n in (1000, 5000):
        write_workbook(files[f"q{n}"], base[:n])
    size = files["base"].stat().st_size / 1024 / 1024
    took = time.perf_counter() - started
    print(f"generated {ROWS:,} x {len(HEADER)} xlsx ({size:.1f} MB, seed {SEED}) in {took:.1f}s")
    return files


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        tmpdir = Path(tmp)
        files = _workbooks()
        env = dict(os.environ, MEDIA_ROOT=str(tmpdir / "media"), DEBUG="false")
        env["DATABASE_URL"] = f"sqlite:///{tmpdir / 'bench.sqlite3'}"
        _database_run("SQLite", env, files, tmpdir)
        if os.environ.get("DATABASE_URL", "").startswith("postgres"):
            env["DATABASE_URL"] = os.environ["DATABASE_URL"]
            _database_run("PostgreSQL", env, files, tmpdir)
        else:
            print("[PostgreSQL] skipped: set DATABASE_URL=postgres://... to include it")


if __name__ == "__main__":
    if len(sys.argv) == 3:
        child_main(sys.argv[1], sys.argv[2])
    else:
        main()
