import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.choices import AttributeType
from catalog.importing.services import import_file
from catalog.models import AttributeDefinition, Category, ImportBatchStatus, ImportRow, Product, Variant
from catalog.services import category_create, product_create, variant_create

from .conftest import product_rows, write_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(tmp_path):
    counter = {"n": 0}

    def do(rows, on_error="skip-rows", dry_run=False, user=None):
        counter["n"] += 1
        path = write_xlsx(tmp_path / f"f{counter['n']}.xlsx", rows)
        return import_file(path=path, on_error=on_error, dry_run=dry_run, user=user)

    return do


def errors_of(batch):
    return [(e["row"], e["column"], e["message"]) for e in batch.first_errors]


def test_every_product_column_is_imported(run, admin_user):
    # given one row with every product column, headers in odd case and spacing, plus an unknown column
    header = ["  SKU", "Title ", "DESCRIPTION", "brand", "category", "price", "currency", "compare_at_price"]
    header += ["cost_price", "quantity", "barcode", "weight_grams", "status", "colour"]
    row = ["ab-1", "Kettle", "<p>Hot <script>alert(1)</script></p>", "Acme", "Home >  Kitchen > Kettles", "19,90"]
    row += ["eur", 24.9, "7.5", "12", 4006381333931, 1200.0, "Active", "red"]

    # when
    batch = run([header, row], user=admin_user)

    # then
    assert batch.status == ImportBatchStatus.COMMITTED
    assert (batch.created_count, batch.error_count) == (1, 0)
    assert batch.unknown_columns == ["colour (column N)"]
    product = Product.objects.get()
    assert product.sku == "ab-1"
    assert product.title == "Kettle"
    assert product.description == "<p>Hot </p>"
    assert product.brand == "Acme"
    assert product.category.full_name == "Home > Kitchen > Kettles"
    assert (product.price, product.compare_at_price, product.cost_price) == (
        Decimal("19.90"),
        Decimal("24.90"),
        Decimal("7.50"),
    )
    assert (product.currency, product.quantity, product.barcode) == ("EUR", 12, "4006381333931")
    assert (product.weight_grams, product.status, product.version) == (1200, "active", 1)
    assert product.created_by == admin_user
    assert product.updated_by == admin_user


def test_existing_sku_is_updated_case_insensitively_and_absent_columns_keep_values(run):
    # given
    product = product_create(sku="KET-1", title="Kettle", price=Decimal("10.00"), brand="Acme", quantity=3)

    # when a row with the SKU in lower case changes the price; brand and title are not columns of the file
    batch = run([["sku", "price", "quantity"], ["ket-1", "12.00", 3]])

    # then
    assert (batch.created_count, batch.updated_count, batch.unchanged_count) == (0, 1, 0)
    product.refresh_from_db()
    assert (product.price, product.brand, product.title, product.version) == (Decimal("12.00"), "Acme", "Kettle", 2)
    assert batch.sample_diffs == [{"row": 2, "sku": "ket-1", "changes": {"price": ["10.00", "12.00"]}}]
    snapshot = ImportRow.objects.get(batch=batch, kind="product_update")
    assert (snapshot.before, snapshot.after, snapshot.version_after) == ({"price": "10.00"}, {"price": "12.00"}, 2)


def test_unchanged_rows_are_counted_and_not_written(run):
    product_create(sku="KET-1", title="Kettle", price=Decimal("10.00"))
    batch = run([["sku", "title", "price"], ["KET-1", "Kettle", 10]])
    assert (batch.created_count, batch.updated_count, batch.unchanged_count) == (0, 0, 1)
    assert Product.objects.get().version == 1


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("sku", "has space", "SKU 'has space' contains spaces"),
        ("sku", "bad*sku", "has characters other than letters"),
        ("sku", "X" * 65, "SKU is longer than 64 characters"),
        ("price", "abc", "'abc' is not a number."),
        ("price", "-1", "-1 is negative"),
        ("price", "1.234", "1.234 has more than 2 decimals."),
        ("price", dt.date(2026, 1, 2), "is a date, not a number"),
        ("currency", "XXY", "'XXY' is not an ISO 4217 currency code"),
        ("quantity", "2.5", "'2.5' is not a whole number."),
        ("quantity", -3, "-3 is negative"),
        ("barcode", "4006381333932", "has check digit 2, expected 1"),
        ("barcode", "12345", "has 5 digits; a GTIN has 8, 12, 13 or 14"),
        ("barcode", "40063813339AB", "must contain the digits 0-9 only"),
        ("weight_grams", "heavy", "'heavy' is not a whole number."),
        ("status", "published", "'published' is not a status"),
        ("compare_at_price", "5.00", "Compare-at price 5.00 is below the price 10.00."),
        ("title", "T" * 256, "Text is 256 characters long; at most 255"),
        ("brand", "B" * 121, "at most 120 are allowed"),
        ("image_urls", "ftp://x/y.png", "'ftp://x/y.png' is not an http(s) address."),
        ("option1_value", "XL", "Give both option1_name and option1_value."),
    ],
    ids=lambda v: str(v)[:20] if not isinstance(v, dt.date) else "date",
)
def test_bad_cell_is_reported_with_row_column_value_and_message(run, column, value, message):
    # given a valid row whose one cell is bad
    good = {"sku": "OK-1", "title": "Fine", "price": "10.00"}
    header = list(dict.fromkeys([*good, column]))
    row = [value if h == column else good[h] for h in header]

    # when
    batch = run([header, row])

    # then the row failed, nothing was created, and the error names the cell
    assert batch.error_count == 1
    assert not Product.objects.exists()
    error = batch.first_errors[0]
    assert (error["row"], error["column"]) == (2, column)
    assert error["sheet"] == "Products"
    assert message in error["message"]
    if column != "compare_at_price":
        expected = value.isoformat() if isinstance(value, dt.date) else value
        assert error["value"] == expected


def test_new_product_needs_title_and_price_and_sku(run):
    batch = run([["sku", "title", "price"], ["N-1", None, None], [None, "No sku", 1]])
    assert errors_of(batch) == [
        (2, "title", "Title is required for a new product."),
        (2, "price", "Price is required for a new product."),
        (3, "sku", "SKU is required."),
    ]


def test_duplicate_sku_in_file_and_sku_of_a_variant_are_refused(run):
    parent = product_create(sku="PAR", title="Parent", price=Decimal("5"))
    variant_create(product=parent, sku="PAR-S", options={"Size": "S"})
    batch = run([["sku", "title", "price"], ["D-1", "a", 1], ["d-1", "b", 1], ["par-s", "c", 1]])
    assert errors_of(batch) == [
        (3, "sku", "SKU 'd-1' is also on row 2; each SKU may appear once."),
        (4, "sku", "SKU 'par-s' is a variant of product PAR; fill parent_sku."),
    ]
    assert batch.created_count == 1


def test_variants_are_created_and_updated_through_parent_sku(run):
    # given a catalog product and a file with a new product, its variants (before and after it) and one for
    # the catalog product
    product_create(sku="OLD", title="Old", price=Decimal("5"))
    header = ["sku", "title", "price", "quantity", "parent_sku", "option1_name", "option1_value"]
    header += ["option2_name", "option2_value", "barcode"]
    rows = [
        header,
        ["NEW-S", None, "9.50", 2, "NEW", "Size", "S", "Colour", "Red", "96385074"],
        ["NEW", "New", "9.00", 0, None, None, None, None, None, None],
        ["OLD-L", None, None, 4, "old", "Size", "L", None, None, None],
    ]

    # when
    batch = run(rows)

    # then
    assert (batch.created_count, batch.error_count) == (3, 0), batch.first_errors
    new_s = Variant.objects.get(sku="NEW-S")
    assert (new_s.product.sku, new_s.price, new_s.quantity, new_s.barcode) == ("NEW", Decimal("9.50"), 2, "96385074")
    assert new_s.options == {"Size": "S", "Colour": "Red"}
    assert Variant.objects.get(sku="OLD-L").product.sku == "OLD"

    # when the variant's quantity changes in a second file
    again = run([header[:7], ["NEW-S", None, None, 5, "NEW", None, None]])
    assert (again.updated_count, again.error_count) == (1, 0)
    assert Variant.objects.get(sku="NEW-S").quantity == 5


def test_variant_row_errors(run):
    parent = product_create(sku="P", title="P", price=Decimal("5"))
    variant_create(product=parent, sku="P-1", options={})
    other = product_create(sku="Q", title="Q", price=Decimal("5"))
    header = ["sku", "parent_sku", "price"]
    batch = run(
        [
            header,
            ["V-1", "MISSING", None],
            ["P", "Q", None],
            ["V-2", "P-1", None],
            ["P-1", other.sku, None],
            ["V-3", "P", 0],
        ]
    )
    assert errors_of(batch) == [
        (2, "parent_sku", "Parent SKU 'MISSING' is neither in the catalog nor a valid product row of this file."),
        (3, "parent_sku", "SKU 'P' is a product; it cannot become a variant."),
        (4, "parent_sku", "Parent SKU 'P-1' is a variant, not a product."),
        (5, "parent_sku", "Variant 'P-1' belongs to product P."),
        (6, "price", "A variant price must be at least 0.01 (blank: the product's)."),
    ]


def test_options_without_parent_sku_are_refused(run):
    batch = run([["sku", "title", "price", "option1_name", "option1_value"], ["A", "a", 1, "Size", "M"]])
    assert errors_of(batch) == [(2, "option1_name", "Options apply to variant rows only; fill parent_sku.")]


def test_category_path_is_created_once_and_reused(run):
    home = category_create(name="Home")
    batch = run([["sku", "title", "price", "category"], ["A", "a", 1, "home > Bath"], ["B", "b", 1, "Home > Bath"]])
    assert batch.created_count == 2
    bath = Category.objects.get(name="Bath")
    assert bath.parent == home
    assert set(Product.objects.values_list("category_id", flat=True)) == {bath.pk}


def test_dry_run_creates_nothing_not_even_categories(run):
    batch = run([["sku", "title", "price", "category"], ["A", "a", 1, "New > Path"]], dry_run=True)
    assert (batch.status, batch.created_count) == (ImportBatchStatus.VALIDATED, 1)
    assert not Product.objects.exists()
    assert not Category.objects.exists()


def test_attribute_columns_are_checked_against_the_category(run):
    # given a category with a required number attribute and a choice attribute
    shoes = category_create(name="Shoes")
    AttributeDefinition.objects.create(
        category=shoes, code="size", label="Size", type=AttributeType.NUMBER, is_required=True
    )
    AttributeDefinition.objects.create(
        category=shoes, code="fit", label="Fit", type=AttributeType.CHOICE, choices=["wide", "narrow"]
    )
    header = ["sku", "title", "price", "category", "attr:size", "attr:fit"]

    # when
    batch = run([header, ["S-1", "a", 1, "Shoes", "42", "wide"], ["S-2", "b", 1, "Shoes", None, "slim"]])

    # then
    assert Product.objects.get(sku="S-1").attributes == {"size": 42, "fit": "wide"}
    assert sorted(errors_of(batch)) == [
        (3, "attr:fit", "'fit' must be one of wide, narrow; got 'slim'."),
        (3, "attr:size", "'size' (Size) is required."),
    ]


def test_reject_all_writes_nothing_when_one_row_fails(run):
    batch = run(product_rows(3) + [["BAD SKU", "x", "1", "USD", 1, "A"]], on_error="reject-all")
    assert batch.status == ImportBatchStatus.VALIDATED
    assert batch.error_count == 1
    assert not Product.objects.exists()


def test_skip_rows_imports_the_valid_rows(run):
    batch = run(product_rows(3) + [["BAD SKU", "x", "1", "USD", 1, "A"]], on_error="skip-rows")
    assert (batch.status, batch.created_count, batch.error_count) == (ImportBatchStatus.COMMITTED, 3, 1)
    assert Product.objects.count() == 3


def test_query_count_does_not_grow_with_rows(run):
    # given files of 1,000 and 3,000 new rows, then the same files as updates
    def queries(rows):
        with CaptureQueriesContext(connection) as ctx:
            batch = run(rows)
        assert batch.error_count == 0
        # audit entries and content versions go in multi-row INSERTs too (SQLite: ~90 rows a statement);
        # test_import_audit and tests/catalog/importing/test_import_versions.py bound them
        bulk = ('INSERT INTO "accounts_auditentry"', 'INSERT INTO "listings_productversion"')
        return sum(not any(b in q["sql"] for b in bulk) for q in ctx.captured_queries)

    small, large = queries(product_rows(1000)), queries(product_rows(3000, start=1000))
    small_update = queries(product_rows(1000, price="11.00"))
    large_update = queries(product_rows(3000, start=1000, price="11.00"))

    # then each extra 1,000 rows costs a constant handful of queries, not one per row (new rows with a quantity
    # also get their stock rows and `import` movements: up to 5 statements a chunk, docs/orders.md#import-quantities;
    # and each chunk reads whether a stop was asked, docs/operations.md#jobs; 31 measured on PostgreSQL, where the
    # stock rows and movements are COPYs after a sequence read)
    assert large - small <= 2 * 16
    assert large_update - small_update <= 2 * 12


def test_nul_character_in_text_is_a_cell_error(tmp_path):
    path = tmp_path / "nul.csv"
    path.write_bytes(b"sku,title,price\nN-1,ok,1\n")
    batch = import_file(path=path)
    assert batch.created_count == 1
    from catalog.importing.columns import map_header
    from catalog.importing.rows import RowParser

    row = RowParser(map_header(["sku", "title"])).parse(2, ["N-2", "bad\x00title"])
    assert row.errors == [
        {
            "column": "title",
            "value": "bad\x00title",
            "message": "The text contains a NUL character, which cannot be stored.",
        }
    ]


def test_fast_check_digit_agrees_with_the_catalog_validator():
    import random

    from django.core.exceptions import ValidationError

    from catalog.importing.columns import _check_digit_ok
    from catalog.validators import validate_gtin

    rng = random.Random(7)
    verdicts = {True: 0, False: 0}
    for _ in range(5000):
        text = "".join(rng.choice("0123456789") for _ in range(rng.choice((8, 12, 13, 14))))
        try:
            validate_gtin(text)
            valid = True
        except ValidationError:
            valid = False
        assert _check_digit_ok(text) is valid, text
        verdicts[valid] += 1
    assert verdicts[True] > 300  # both outcomes are exercised (about one code in ten is valid)
