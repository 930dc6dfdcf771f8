"""SQLite's side of an import commit: one-statement inserts from JSON, and the writer thread on a database file."""

import csv
import datetime
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection

from catalog.choices import ProductStatus
from catalog.importing import sql
from catalog.models import Category, Product

ROOT = Path(__file__).resolve().parents[3]
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's insert statement and writer thread")
STORED = (
    "sku, title, description, brand, barcode, price, typeof(price), compare_at_price, cost_price, currency, "
    "quantity, weight_grams, typeof(weight_grams), status, attributes, version, category_id, created_at"
)


def _rows(category_id: int) -> list[dict]:
    now = datetime.datetime(2026, 12, 2, 9, 30, 15, 123456, tzinfo=datetime.UTC)
    base = {f.attname: f.get_default() for f in Product._meta.concrete_fields if not f.primary_key}
    base |= {"created_at": now, "updated_at": now}
    awkward = 'Café ☕ "quoted" back\\slash\nline\ttab 𝄞 ünïcödé'
    return [
        base | {"sku": "JS-1", "title": awkward, "price": Decimal("12.50"), "quantity": 0, "attributes": {}},
        base
        | {
            "sku": "JS-2",
            "title": "Plain",
            "description": "<p>x</p>",
            "brand": "",
            "barcode": "4006381333931",
            "price": Decimal("1234567.89"),
            "compare_at_price": Decimal("2000000.00"),
            "cost_price": Decimal("0.10"),
            "quantity": 2**31 - 1,
            "weight_grams": 5,
            "status": ProductStatus.ACTIVE,
            "attributes": {"colour": ["red", 1], "size": None, "note": 'a "b"'},
            "category_id": category_id,
        },
        base | {"sku": "JS-3", "title": "Third", "price": Decimal("0.01"), "quantity": 7, "weight_grams": None},
    ]


def _stored() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {STORED} FROM catalog_product WHERE sku LIKE 'JS-%%' ORDER BY sku")  # noqa: S608
        return cursor.fetchall()


@sqlite_only
@pytest.mark.django_db
def test_the_json_statement_stores_what_executemany_stores(monkeypatch):
    # given rows with awkward text, decimals, big and null numbers, enums, JSON and a foreign key
    category = Category.objects.create(name="Kitchen")
    rows = _rows(category.pk)

    # when inserted with one INSERT ... SELECT FROM json_each, then again with executemany
    prepared = sql.insert_prepare(Product, rows)
    assert prepared.statement.startswith("INSERT INTO")
    assert "json_each" in prepared.statement
    ids = sql.executemany_insert(Product, rows, prepared=prepared)
    by_json = _stored()
    assert [Product.objects.get(pk=pk).sku for pk in ids] == ["JS-1", "JS-2", "JS-3"]  # ids in row order
    Product.objects.filter(sku__startswith="JS-").delete()
    monkeypatch.setattr(sql, "_sqlite_json", lambda columns, count: None)  # the executemany path
    assert not sql.insert_prepare(Product, rows).statement
    sql.executemany_insert(Product, rows)

    # then every stored value and its SQLite type are the same, and the ORM reads them back as given
    assert _stored() == by_json
    assert by_json[1][6] == "real"
    assert by_json[2][12] == "null"
    product = Product.objects.get(sku="JS-2")
    assert product.price == Decimal("1234567.89")
    assert product.cost_price == Decimal("0.10")
    assert product.attributes == {"colour": ["red", 1], "size": None, "note": 'a "b"'}
    assert product.status == "active"
    assert product.category_id == category.pk
    assert Product.objects.get(sku="JS-1").title == rows[0]["title"]


@sqlite_only
@pytest.mark.django_db
def test_rows_holding_some_columns_take_the_others_from_the_shared_values():
    # given new rows that each set a few columns (as an import's rows do), and the defaults and stamp
    now = datetime.datetime(2026, 12, 2, 10, 0, tzinfo=datetime.UTC)
    base = {f.attname: f.get_default() for f in Product._meta.concrete_fields if not f.primary_key}
    base |= {"created_at": now, "updated_at": now}
    rows = [
        {"sku": "SP-1", "title": "One", "price": Decimal("5.00"), "attributes": {}},
        {"sku": "SP-2", "title": "Two", "price": Decimal("6.00"), "attributes": {}, "brand": "Acme", "quantity": 3},
    ]

    # when prepared column by column and inserted
    prepared = sql.insert_prepare_sparse(Product, rows, base)
    sql.executemany_insert(Product, [], prepared=prepared)

    # then each row has its own values and the defaults for the rest
    one, two = Product.objects.get(sku="SP-1"), Product.objects.get(sku="SP-2")
    assert (one.brand, one.quantity, one.status, one.version) == ("", 0, "draft", 1)
    assert (two.brand, two.quantity, two.price) == ("Acme", 3, Decimal("6.00"))
    assert one.created_at == now
    assert two.updated_at == now


@pytest.mark.parametrize(
    "column",
    [
        ["fine", "has a NUL \x00 inside"],
        [1.5, float("nan")],
        [1, 2**63],
        [b"bytes", b"more"],
        [datetime.date(2026, 1, 1), datetime.date(2026, 1, 2)],
    ],
    ids=["nul", "nan", "beyond-64-bits", "bytes", "date"],
)
def test_values_without_a_json_form_send_the_rows_to_executemany(column):
    assert sql._sqlite_json([column, ["a", "b"]], 2) is None


def test_columns_of_one_value_are_bound_once_and_the_others_travel_as_json():
    picks, params = sql._sqlite_json([["x", "x"], [Decimal("1.50"), Decimal("2.00")], [None], [True, False]], 2)
    assert picks == "%s, j.value ->> 0, %s, j.value ->> 1"
    assert params == ["x", None, json.dumps([["1.50", True], ["2.00", False]], separators=(", ", ": "))]


# --- the writer thread, on a database file (the tests' own database is in memory) ---


def _write_csv(path: Path, rows: list[list]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


def _files(tmp: Path) -> tuple[Path, Path]:
    header = ["sku", "title", "price", "quantity", "category", "parent_sku", "option1_name", "option1_value"]
    first = [header] + [[f"A-{i:05d}", f"First {i}", "9.99", i % 50, "Home > Kitchen", "", "", ""] for i in range(6500)]
    # a chunk naming stored SKUs (updated, unchanged), then a chunk of new rows with failures, then variants
    second = [header]
    second += [[f"A-{i:05d}", f"Changed {i}", "9.99", i % 50, "Home > Kitchen", "", "", ""] for i in range(200)]
    second += [[f"A-{i:05d}", f"First {i}", "9.99", i % 50, "Home > Kitchen", "", "", ""] for i in range(200, 400)]
    second += [[f"B-{i:05d}", f"Second {i}", "4.50", 1, "Garden", "", "", ""] for i in range(4600)]
    second += [[f"C-{i:05d}", f"Third {i}", "1.25", 2, "", "", "", ""] for i in range(4997)]
    second += [["C-BAD-1", "No price", "", 1, "", "", "", ""], ["C-BAD-2", "Bad", "abc", 1, "", "", "", ""]]
    second += [["A-00005", "Twice", "1.00", 1, "", "", "", ""]]  # a SKU also on an earlier row
    second += [[f"A-{i:05d}-V", "", "", 3, "", f"A-{i:05d}", "Size", "M"] for i in range(150)]
    second += [[f"C-{i:05d}-V", "", "", 4, "", f"C-{i:05d}", "Size", "L"] for i in range(4850, 4997)]
    return _write_csv(tmp / "first.csv", first), _write_csv(tmp / "second.csv", second)


def _manage(database: Path, *args: str, writers: int) -> subprocess.CompletedProcess:
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{database}", IMPORT_WRITERS=str(writers), LOG_LEVEL="INFO")
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env["PYTHONFAULTHANDLER"] = "1"  # a SIGABRT prints every thread's stack: the failure below shows where it hung
    process = subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=240)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGABRT)
        stdout, stderr = process.communicate(timeout=30)
        pytest.fail(f"manage.py {' '.join(args)} (writers={writers}) hung for 240 s:\n{stderr[-6000:]}")
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def _catalog(database: Path) -> dict[str, list]:
    with sqlite3.connect(database) as db:
        products = db.execute(
            "SELECT p.sku, p.title, p.price, p.quantity, p.version, c.name FROM catalog_product p "
            "LEFT JOIN catalog_category c ON c.id = p.category_id ORDER BY p.sku"
        ).fetchall()
        variants = db.execute(
            "SELECT v.sku, p.sku, v.options, v.quantity FROM catalog_variant v "
            "JOIN catalog_product p ON p.id = v.product_id ORDER BY v.sku"
        ).fetchall()
        audit = db.execute(
            "SELECT object_repr, action, changes FROM accounts_auditentry WHERE actor_kind = 'import' "
            "ORDER BY object_repr, action"
        ).fetchall()
        batches = db.execute(
            "SELECT created_count, updated_count, unchanged_count, error_count, status, created_product_ids, "
            "created_variant_ids FROM catalog_importbatch ORDER BY id"
        ).fetchall()
        created = db.execute("SELECT id FROM catalog_product WHERE sku NOT LIKE 'A-%' ORDER BY id").fetchall()
        created_variants = db.execute("SELECT id FROM catalog_variant ORDER BY id").fetchall()
    return {
        "products": products,
        "variants": variants,
        "audit": audit,
        "batches": [b[:5] for b in batches],
        "ranges": [(json.loads(b[5]), json.loads(b[6])) for b in batches],
        "created": [r[0] for r in created],
        "created_variants": [r[0] for r in created_variants],
    }


@sqlite_only
@pytest.mark.slow
def test_the_writer_thread_on_a_database_file_writes_what_the_single_connection_writes(tmp_path):
    # given two copies of a migrated database file, and a file of new rows, then a file mixing updates,
    # unchanged rows, new rows, failing rows and variants (chunks of 5,000 rows with the writer)
    first, second = _files(tmp_path)
    template = tmp_path / "template.sqlite3"
    migrated = _manage(template, "migrate", "--verbosity", "0", writers=0)
    assert migrated.returncode == 0, migrated.stderr
    results = {}
    for writers in (0, 1):
        database = tmp_path / f"writers-{writers}.sqlite3"
        shutil.copy(template, database)

        # when both files are imported from the command line, with and without the writer thread
        one = _manage(database, "import_products", str(first), writers=writers)
        two = _manage(database, "import_products", str(second), "--on-error", "skip-rows", writers=writers)

        # then (exit codes and counts as documented, the writer thread used only when turned on)
        assert one.returncode == 0, one.stderr[-3000:]
        assert one.stdout.strip().splitlines()[-1] == "created=6500 updated=0 unchanged=0 errors=0"
        assert two.returncode == 1, two.stderr[-3000:]
        assert two.stdout.strip().splitlines()[-1] == "created=9894 updated=200 unchanged=200 errors=3"
        assert ("writer thread(s)" in one.stderr + two.stderr) is (writers == 1)
        results[writers] = _catalog(database)

    # the same catalogue, audit trail and batch records either way
    single, threaded = results[0], results[1]
    assert threaded["products"] == single["products"]
    assert threaded["variants"] == single["variants"]
    assert threaded["audit"] == single["audit"]
    assert threaded["batches"] == single["batches"]
    assert len(threaded["products"]) == 6500 + 4600 + 4997
    assert ("A-00003", "Changed 3", 9.99, 3, 2, "Kitchen") in threaded["products"]
    assert len(threaded["variants"]) == 297
    assert len(threaded["audit"]) == 6500 + 4600 + 4997 + 297 + 200  # one entry per created and updated row
    # and the id ranges each batch keeps (for its undo) hold exactly the rows it created
    for result in (single, threaded):
        (first_products, _), (second_products, second_variants) = result["ranges"]
        ranges = first_products + second_products
        in_ranges = [pk for lo, hi in ranges for pk in range(lo, hi + 1)]
        assert sorted(in_ranges)[6500:] == result["created"]
        assert [pk for lo, hi in second_variants for pk in range(lo, hi + 1)] == result["created_variants"]
