"""Rows recognised as unchanged from their raw cells (catalog/importing/unchanged.py) and the parser's inlined
fast paths (catalog/importing/rows.py) must decide exactly what the full conversion path decides."""

import datetime as dt
from decimal import Decimal

import pytest

from catalog.choices import AttributeType
from catalog.importing import rows as rows_module
from catalog.importing.columns import map_header
from catalog.importing.engine import ImportRun
from catalog.importing.rows import CONVERTERS, RowParser
from catalog.importing.services import import_file
from catalog.importing.unchanged import UnchangedRows
from catalog.models import AttributeDefinition, Product
from catalog.services import product_create, product_update

from .conftest import write_xlsx

pytestmark = pytest.mark.django_db

HEADER = ["sku", "title", "description", "brand", "category", "price", "currency", "compare_at_price"]
HEADER += ["cost_price", "quantity", "barcode", "weight_grams", "status"]


def _stored_row(i: int) -> list:
    return [
        f"U-{i:04d}",
        f"Product {i}",
        f"Description {i}",
        "Acme",
        "Home > Kitchen",
        10.5 + i,
        "USD",
        20.25 + i,
        4.0,
        float(i % 5),
        "4006381333931",
        500.0,
        "draft",
    ]


def _summary(batch) -> dict:
    return {
        "status": batch.status,
        "counts": (batch.created_count, batch.updated_count, batch.unchanged_count, batch.error_count),
        "errors": sorted((e["row"], e["column"], e["message"]) for e in batch.first_errors),
        "diffs": sorted((d["sku"], sorted(d["changes"])) for d in batch.sample_diffs),
    }


def _both_ways(tmp_path, monkeypatch, rows, name):
    """The dry run of `rows` with the unchanged-row filter and without it."""
    path = write_xlsx(tmp_path / name, [HEADER, *rows])
    with_filter = _summary(import_file(path=path, dry_run=True, on_error="skip-rows"))
    with monkeypatch.context() as patched:
        patched.setattr(UnchangedRows, "for_sheet", classmethod(lambda cls, checks: None))
        without = _summary(import_file(path=path, dry_run=True, on_error="skip-rows"))
    return with_filter, without


@pytest.fixture
def stored(tmp_path):
    batch = import_file(path=write_xlsx(tmp_path / "base.xlsx", [HEADER, *map(_stored_row, range(12))]))
    assert batch.created_count == 12, batch.first_errors
    return batch


def test_a_file_equal_to_the_catalog_is_unchanged_without_converting_a_row(tmp_path, stored, monkeypatch):
    # given the same file again, counting the rows that reach the converters
    parsed = []
    original = RowParser.parse
    monkeypatch.setattr(RowParser, "parse", lambda self, n, cells: parsed.append(n) or original(self, n, cells))

    # when
    batch = import_file(path=write_xlsx(tmp_path / "again.xlsx", [HEADER, *map(_stored_row, range(12))]))

    # then every row is unchanged and none was converted
    assert (batch.created_count, batch.updated_count, batch.unchanged_count) == (0, 0, 12)
    assert parsed == []


def test_split_returns_what_it_found_and_leaves_the_counting_to_its_caller(stored):
    # given a dry run over the stored products' header, and a chunk of a stored row, a changed one and a new one
    run = ImportRun(batch=stored, cmap=map_header(HEADER), rows=[], sheet_name="Products", commit=False)
    changed, new = _stored_row(1), _stored_row(99)
    changed[1] = "Renamed"
    chunk = [(2, _stored_row(0)), (3, changed), (4, new)]

    # when
    found = UnchangedRows.for_sheet(run.checks).split(chunk)

    # then the unchanged row comes back by SKU, the others to convert, and the run's counters are untouched
    assert found.unchanged == {"U-0000": 2}
    assert [number for number, _ in found.rest] == [3, 4]
    assert found.absent == {"U-0099"}
    assert (run.counts["unchanged"], run.processed, run.checks.seen) == (0, 0, {})


def test_tricky_rows_get_the_same_verdict_with_and_without_the_filter(tmp_path, stored, monkeypatch):
    # given rows that equal the stored values in some way but not for the full path
    rows = [_stored_row(i) for i in range(12)]
    rows[0][1] = "Product 0 "  # surrounding space: the full path strips it (unchanged either way)
    rows[1][9] = True  # a yes/no cell equal to the stored quantity 1: an error, not unchanged
    rows[2][4] = "home>kitchen"  # another spelling of the stored category: unchanged
    rows[3][4] = "Home > Garden"  # a category that does not exist yet: an update
    rows[4][5] = "14.5"  # the stored price as text
    rows[5][3] = None  # blank brand: cleared, an update
    rows[6][1] = "x" * 256  # too long
    rows[7][0] = " u-0007 "  # the same SKU spelled differently: unchanged
    rows.append(_stored_row(8))  # row 8 again: a duplicate SKU, reported on the later row
    rows[9][7] = None  # blank compare-at price: cleared
    rows[10][12] = "Draft"  # another spelling of the stored status
    rows[11][9] = dt.date(2026, 1, 1)  # a date where a number belongs

    # when
    with_filter, without = _both_ways(tmp_path, monkeypatch, rows, "tricky.xlsx")

    # then
    assert with_filter == without
    assert with_filter["counts"][3] == 4  # bool, too long, duplicate, date


def test_a_category_with_attribute_rules_is_rechecked(tmp_path, stored, monkeypatch):
    # given the stored category now requires an attribute the stored products lack
    kitchen = Product.objects.get(sku="U-0000").category
    AttributeDefinition.objects.create(
        category=kitchen, code="material", label="Material", type=AttributeType.TEXT, is_required=True
    )

    # when
    with_filter, without = _both_ways(tmp_path, monkeypatch, [_stored_row(i) for i in range(12)], "rules.xlsx")

    # then each row reports the missing attribute either way
    assert with_filter == without
    assert with_filter["counts"][3] == 12


def test_a_product_edited_since_is_an_update(tmp_path, stored):
    # given a product changed in the catalog after the file was exported
    product = Product.objects.get(sku="U-0003")
    product_update(product=product, title="Renamed")

    # when
    batch = import_file(path=write_xlsx(tmp_path / "old.xlsx", [HEADER, *map(_stored_row, range(12))]))

    # then that row (only) puts the file's title back
    assert (batch.updated_count, batch.unchanged_count) == (1, 11)
    assert Product.objects.get(sku="U-0003").title == "Product 3"


def test_rows_with_channels_or_attribute_columns_take_the_full_path(tmp_path, stored, monkeypatch):
    # given a sheet with an attribute column, every row goes through the converters
    parsed = []
    original = RowParser.parse
    monkeypatch.setattr(RowParser, "parse", lambda self, n, cells: parsed.append(n) or original(self, n, cells))
    rows = [[*_stored_row(i), None] for i in range(3)]

    # when
    batch = import_file(path=write_xlsx(tmp_path / "attr.xlsx", [[*HEADER, "attr:material"], *rows]), dry_run=True)

    # then
    assert len(parsed) == 3
    assert batch.unchanged_count == 3


def test_a_stored_product_with_surrounding_spaces_is_cleaned_by_the_full_path(tmp_path):
    # given a title stored with a trailing space (written by another path than the import)
    product = product_create(sku="SP-1", title="Spaced", price=Decimal("1.00"))
    Product.objects.filter(pk=product.pk).update(title="Spaced ")

    # when the same title comes in the file
    batch = import_file(path=write_xlsx(tmp_path / "s.xlsx", [["sku", "title"], ["SP-1", "Spaced "]]))

    # then the full path strips it, as it did before the filter existed
    assert batch.updated_count == 1
    assert Product.objects.get(pk=product.pk).title == "Spaced"


CELLS = [
    None,
    "",
    "   ",
    "plain",
    "  padded  ",
    "nul\x00inside",
    "x" * 300,
    19.9,
    19.999,
    0.0,
    -1.0,
    1e12,
    5,
    5.0,
    7.5,
    True,
    False,
    "19,90",
    "1 234.50",
    "USD",
    "usd",
    "ZZZ",
    "4006381333931",
    "4006381333932",
    " 4006381333931 ",
    "96385074",
    "036000291452",
    "10012345678902",
    "\u0664\u0660\u0660\u0666\u0663\u0668\u0661\u0663\u0663\u0663\u0669\u0663\u0661",  # Arabic-Indic digits
    4006381333931.0,
    "Active",
    "draft",
    2147483648.0,
    dt.date(2026, 1, 2),
]


@pytest.mark.parametrize("column", list(CONVERTERS))
def test_the_parser_fast_paths_match_the_reference_converters(column):
    # given every awkward cell value in one column
    parser = RowParser(map_header(["sku", column]))
    for cell in CELLS:
        # when
        row = parser.parse(2, ["SKU-1", cell])

        # then the value or error is what the column's converter gives
        try:
            expected = CONVERTERS[column](cell) if cell not in (None, "") else None
            error = None
        except Exception as exc:  # noqa: BLE001 - CellError, compared by message
            expected, error = None, str(exc)
        if error:
            assert [e["message"] for e in row.errors] == [error], (column, cell)
        else:
            assert row.errors == (), (column, cell)
            assert row.values.get(column) == expected, (column, cell)
            assert type(row.values.get(column)) is type(expected), (column, cell)
            if isinstance(expected, Decimal):
                assert row.values[column].as_tuple() == expected.as_tuple(), (column, cell)


def test_repeated_spellings_are_converted_once(monkeypatch):
    # given a currency column with one spelling on many rows
    calls = []
    original = CONVERTERS["currency"]
    monkeypatch.setitem(CONVERTERS, "currency", lambda v: calls.append(v) or original(v))
    parser = RowParser(map_header(["sku", "currency"]))

    # when
    rows = [parser.parse(n, [f"S-{n}", "myr"]) for n in range(50)]

    # then the converter ran once and every row has the code
    assert calls == ["myr"]
    assert {r.values["currency"] for r in rows} == {"MYR"}


def test_a_column_of_unique_values_stops_memoising(monkeypatch):
    monkeypatch.setattr(rows_module, "MEMO_LIMIT", 10)
    parser = RowParser(map_header(["sku", "barcode"]))
    for n in range(30):
        parser.parse(n, [f"S-{n}", f"{n:08d}"])
    memo = parser.plan[0][5]
    assert memo is not None
    assert len(memo) == 10
