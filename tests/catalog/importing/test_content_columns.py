"""The content columns of the import and export (docs/catalog.md#content): round trip, bad cells, blank clears."""

import pytest

from catalog.importing.columns import COLUMNS
from catalog.importing.services import import_file
from catalog.importing.workbooks import export_rows
from catalog.models import ImportBatchStatus, Product
from catalog.services import product_create

from .conftest import write_csv, write_xlsx

pytestmark = pytest.mark.django_db

CONTENT_COLUMNS = ["short_description", "bullet_point_1", "bullet_point_2", "bullet_point_3", "bullet_point_4"]
CONTENT_COLUMNS += ["bullet_point_5", "search_terms", "seo_title", "seo_description", "handle", "manufacturer"]
CONTENT_COLUMNS += ["model_number", "mpn"]


@pytest.fixture
def run(tmp_path):
    counter = {"n": 0}

    def do(rows, writer=write_xlsx, suffix="xlsx"):
        counter["n"] += 1
        path = writer(tmp_path / f"f{counter['n']}.{suffix}", rows)
        return import_file(path=path, on_error="skip-rows", dry_run=False, user=None)

    return do


def errors_of(batch):
    return [(e["row"], e["column"], e["message"]) for e in batch.first_errors]


def test_every_content_column_is_in_the_file_layout():
    assert [c for c in COLUMNS if c in CONTENT_COLUMNS] == CONTENT_COLUMNS


def test_content_columns_import_and_round_trip_through_the_export(run):
    # given a file with every content column (multi-byte search terms of exactly 250 bytes)
    header = ["sku", "title", "price", *CONTENT_COLUMNS]
    values = ["<ul><li>Soft</li></ul>", "Organic cotton", "Machine washable", "", "", "", "ü" * 125, "Tee | Acme"]
    values += ["A soft tee.", "Organic-Tee", "Acme Textiles", "TS-100", "ACM-TS-100"]
    batch = run([header, ["TEE-1", "Tee", "19.90", *values]])
    assert (batch.status, batch.created_count, batch.error_count) == (ImportBatchStatus.COMMITTED, 1, 0)
    product = Product.objects.get()
    assert product.bullet_points == ["Organic cotton", "Machine washable"]
    assert product.search_terms == "ü" * 125
    assert (product.handle, product.manufacturer, product.model_number, product.mpn) == (
        "organic-tee",
        "Acme Textiles",
        "TS-100",
        "ACM-TS-100",
    )
    assert product.short_description == "<ul><li>Soft</li></ul>"
    # when the export is imported again
    exported = [["" if v is None else v for v in row] for row in export_rows(Product.objects.all())]
    again = run(exported, writer=write_csv, suffix="csv")
    # then the row is unchanged, and an edited bullet is an update of that field only
    assert (again.unchanged_count, again.updated_count, again.error_count) == (1, 0, 0)
    exported[1][COLUMNS.index("bullet_point_2")] = "Tumble dry low"
    edited = run(exported, writer=write_csv, suffix="csv")
    assert (edited.unchanged_count, edited.updated_count) == (0, 1)
    product.refresh_from_db()
    assert product.bullet_points == ["Organic cotton", "Tumble dry low"]
    assert product.version == 2


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("bullet_point_1", "x" * 501, "Text is 501 characters long; at most 500 are allowed."),
        ("search_terms", "ü" * 125 + "x", "Search terms are 251 bytes in UTF-8 (126 characters)"),
        ("handle", "organic tee!", "may hold lowercase letters, digits and single hyphens only"),
        ("seo_title", "t" * 71, "at most 70 are allowed"),
        ("mpn", "m" * 65, "at most 64 are allowed"),
    ],
    ids=["bullet_over_limit_case", "search_terms_bytes_case", "handle_case", "seo_title_case", "mpn_case"],
)
def test_bad_content_cells_are_reported_and_not_written(run, column, value, message):
    batch = run([["sku", "title", "price", column], ["TEE-1", "Tee", "19.90", value]])
    [(row, col, text)] = errors_of(batch)
    assert (row, col) == (2, column)
    assert message in text
    assert not Product.objects.exists()


def test_a_blank_content_cell_clears_the_field_on_update(run):
    product_create(sku="TEE-1", title="Tee", price="19.90", bullet_point_1="Soft", search_terms="tee", mpn="A-1")
    batch = run([["sku", "bullet_point_1", "search_terms"], ["TEE-1", "", "shirt"]])
    assert (batch.updated_count, batch.error_count) == (1, 0)
    product = Product.objects.get()
    assert (product.bullet_point_1, product.search_terms, product.mpn) == ("", "shirt", "A-1")
