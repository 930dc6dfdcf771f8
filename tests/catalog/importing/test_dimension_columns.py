"""The package dimensions (length_mm, width_mm, height_mm) are import and export columns like weight_grams: whole
numbers of millimetres, 0 or more; a blank cell clears them on an update, an absent column keeps them."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest

from catalog.importing.columns import COLUMN_NOTES, COLUMNS
from catalog.importing.services import import_batch_undo, import_file
from catalog.importing.workbooks import template_workbook
from catalog.models import Product
from catalog.services import product_create

from .conftest import write_csv, write_xlsx

pytestmark = pytest.mark.django_db
DIMENSIONS = ["length_mm", "width_mm", "height_mm"]


def _import(tmp_path, rows, name="d.xlsx", **kwargs):
    return import_file(path=write_xlsx(tmp_path / name, rows), on_error="skip-rows", **kwargs)


def _sizes(sku="BOX-1"):
    return tuple(Product.objects.filter(sku=sku).values_list(*DIMENSIONS).get())


@pytest.fixture
def boxed():
    return product_create(sku="BOX-1", title="Box", price=Decimal("5.00"), length_mm=300, width_mm=200, height_mm=100)


def test_dimension_columns_create_and_update_products(tmp_path, boxed):
    # given a new product row (numbers as text, float and int) and an update of the existing one
    rows = [
        ["sku", "title", "price", *DIMENSIONS],
        ["NEW-1", "New", "1.00", "120", 80.0, 0],
        ["box-1", "Box", 5, 310, 200, 100],
    ]

    # when imported
    batch = _import(tmp_path, rows)

    # then both rows are written with their sizes; the update records only the changed length
    assert (batch.created_count, batch.updated_count, batch.error_count) == (1, 1, 0)
    assert _sizes("NEW-1") == (120, 80, 0)
    assert _sizes() == (310, 200, 100)
    assert batch.sample_diffs == [{"row": 3, "sku": "box-1", "changes": {"length_mm": [300, 310]}}]


@pytest.mark.parametrize("column", DIMENSIONS)
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "'abc' is not a whole number."),
        (-1, "-1 is negative; it must be 0 or more."),
        ("-1", "-1 is negative; it must be 0 or more."),
        ("2.5", "'2.5' is not a whole number."),
    ],
)
def test_a_bad_dimension_is_a_cell_error_and_nothing_is_lost(tmp_path, boxed, column, value, message):
    # given a new row and an update of BOX-1, each with the bad value in `column` and a good title change
    header = ["sku", "title", "price", column]
    batch = _import(tmp_path, [header, ["NEW-1", "New", "1.00", value], ["BOX-1", "Renamed", "5.00", value]])

    # then both rows fail on that cell with the message, and neither is written
    assert (batch.error_count, batch.created_count, batch.updated_count) == (2, 0, 0)
    assert [(e["row"], e["column"], e["value"], e["message"]) for e in batch.first_errors] == [
        (2, column, value, message),
        (3, column, value, message),
    ]
    assert not Product.objects.filter(sku="NEW-1").exists()
    assert Product.objects.get(sku="BOX-1").title == "Box"
    assert _sizes() == (300, 200, 100)


def test_blank_dimension_cells_clear_absent_ones_keep_and_undo_restores(tmp_path, boxed):
    # when a file has length and width blank and no height column
    batch = _import(tmp_path, [["sku", "length_mm", "width_mm"], ["BOX-1", None, " "]])

    # then length and width are cleared, height is kept
    assert (batch.updated_count, batch.error_count) == (1, 0)
    assert _sizes() == (None, None, 100)

    # and undo puts them back
    import_batch_undo(batch=batch)
    assert _sizes() == (300, 200, 100)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_export_carries_the_dimensions_and_imports_back_unchanged(tmp_path, staff_client, boxed, kind):
    product_create(sku="FLAT-1", title="Flat", price=Decimal("2.00"))  # no sizes: blank cells

    # when exported
    response = staff_client.get(f"/imports/export/?format={kind}")
    body = b"".join(response.streaming_content)
    if kind == "csv":
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    else:
        rows = [list(r) for r in openpyxl.load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True)]

    # then the dimension columns follow weight_grams and hold the values
    header = rows[0]
    assert header[header.index("weight_grams") + 1 : header.index("weight_grams") + 4] == DIMENSIONS
    by_sku = {r[0]: r for r in rows[1:]}
    assert [str(by_sku["BOX-1"][header.index(c)]) for c in DIMENSIONS] == ["300", "200", "100"]
    assert [by_sku["FLAT-1"][header.index(c)] or "" for c in DIMENSIONS] == ["", "", ""]

    # and the file imports back as unchanged
    path = tmp_path / f"export.{kind}"
    path.write_bytes(body)
    batch = import_file(path=path)
    assert (batch.unchanged_count, batch.created_count, batch.updated_count, batch.error_count) == (2, 0, 0, 0)


def test_an_edited_dimension_in_a_csv_export_is_an_update(tmp_path, boxed):
    rows = [["sku", "title", "price", *DIMENSIONS], ["BOX-1", "Box", "5.00", "300", "200", "150"]]
    batch = import_file(path=write_csv(tmp_path / "e.csv", rows))
    assert (batch.updated_count, batch.unchanged_count) == (1, 0)
    assert _sizes() == (300, 200, 150)


def test_template_has_the_dimension_columns_with_notes_and_sample_values():
    workbook = openpyxl.load_workbook(io.BytesIO(template_workbook()))
    rows = list(workbook["Products"].iter_rows(values_only=True))
    assert [rows[1][COLUMNS.index(c)] for c in DIMENSIONS] == [300, 250, 20]
    notes = {r[0]: r[1] for r in workbook["Notes"].iter_rows(values_only=True)}
    assert all("millimetres" in notes[c] and notes[c] == COLUMN_NOTES[c] for c in DIMENSIONS)
