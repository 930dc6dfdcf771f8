"""The blank-cell rule on updates: an absent column keeps the field, a blank cell of a present column clears an
optional field, and a blank required field is a per-cell error. Undo puts the cleared values back."""

from decimal import Decimal

import pytest

from catalog.choices import AttributeType
from catalog.importing.services import import_batch_undo, import_file
from catalog.models import AttributeDefinition, ImportRow, Product, Variant
from catalog.services import category_create, product_create, variant_create

from .conftest import write_xlsx

pytestmark = pytest.mark.django_db

OPTIONAL = ["description", "brand", "compare_at_price", "cost_price", "barcode", "weight_grams", "category"]


@pytest.fixture
def full_product():
    kitchen = category_create(name="Kitchen")
    AttributeDefinition.objects.create(category=kitchen, code="material", label="Material", type=AttributeType.TEXT)
    AttributeDefinition.objects.create(category=kitchen, code="colour", label="Colour", type=AttributeType.TEXT)
    return product_create(
        sku="KET-1",
        title="Kettle",
        description="<p>Hot</p>",
        brand="Acme",
        category=kitchen,
        price=Decimal("10.00"),
        compare_at_price=Decimal("12.00"),
        cost_price=Decimal("4.00"),
        barcode="4006381333931",
        weight_grams=900,
        attributes={"material": "steel", "colour": "red"},
    )


def _import(tmp_path, rows, name="f.xlsx", **kwargs):
    return import_file(path=write_xlsx(tmp_path / name, rows), on_error="skip-rows", **kwargs)


def test_blank_cells_clear_every_optional_product_field_and_undo_restores_them(tmp_path, full_product):
    # given a file whose optional columns are present and blank, one attribute blank, and the title absent
    header = ["sku", *OPTIONAL, "attr:material"]

    # when it is imported
    batch = _import(tmp_path, [header, ["ket-1"] + [None] * len(OPTIONAL) + [" "]])

    # then every optional field is cleared, the blank attribute is removed, and the title is kept
    assert (batch.updated_count, batch.error_count) == (1, 0)
    product = Product.objects.get()
    cleared = (product.description, product.brand, product.compare_at_price, product.cost_price, product.barcode)
    assert cleared == ("", "", None, None, "")
    assert (product.weight_grams, product.category_id, product.attributes) == (None, None, {"colour": "red"})
    assert (product.title, product.price, product.version) == ("Kettle", Decimal("10.00"), 2)
    snapshot = ImportRow.objects.get(batch=batch, kind=ImportRow.Kind.PRODUCT_UPDATE)
    assert snapshot.after == {
        "description": "",
        "brand": "",
        "compare_at_price": None,
        "cost_price": None,
        "barcode": "",
        "weight_grams": None,
        "category_id": None,
        "attributes": {"colour": "red"},
    }

    # when the batch is undone
    undone = import_batch_undo(batch=batch)

    # then every cleared value is back
    assert undone.undo_report["restored"] == 1
    product.refresh_from_db()
    assert (product.description, product.brand, product.barcode) == ("<p>Hot</p>", "Acme", "4006381333931")
    assert (product.compare_at_price, product.cost_price, product.weight_grams) == (
        Decimal("12.00"),
        Decimal("4.00"),
        900,
    )
    assert product.category_id == full_product.category_id
    assert product.attributes == {"material": "steel", "colour": "red"}


def test_absent_columns_leave_optional_fields_alone(tmp_path, full_product):
    batch = _import(tmp_path, [["sku", "price"], ["KET-1", "11.00"]])
    assert batch.updated_count == 1
    product = Product.objects.get()
    assert (product.brand, product.compare_at_price, product.weight_grams) == ("Acme", Decimal("12.00"), 900)
    assert product.attributes == {"material": "steel", "colour": "red"}


@pytest.mark.parametrize("column", ["title", "price", "currency", "quantity", "status"])
def test_blank_required_field_on_an_update_is_a_cell_error_and_nothing_is_written(tmp_path, full_product, column):
    # given a row that changes the brand and leaves a required column blank
    batch = _import(tmp_path, [["sku", "brand", column], ["KET-1", "Other", None]])

    # then the row fails on that cell and the product is untouched
    assert (batch.updated_count, batch.error_count) == (0, 1)
    assert [(e["column"], e["message"]) for e in batch.first_errors] == [
        (
            column,
            f"{column.capitalize()} cannot be blank on an existing product: a blank cell clears a field, and this "
            "one is required. Give a value, or leave the column out to keep the current values.",
        )
    ]
    product = Product.objects.get()
    assert (product.brand, product.version) == ("Acme", 1)


def test_blank_cells_of_a_new_product_take_the_defaults(tmp_path):
    batch = _import(
        tmp_path, [["sku", "title", "price", "brand", "quantity", "status"], ["N-1", "n", 1, None, None, ""]]
    )
    assert (batch.created_count, batch.error_count) == (1, 0)
    assert Product.objects.values_list("brand", "quantity", "status").get() == ("", 0, "draft")


def test_blank_cells_clear_optional_variant_fields_and_a_blank_quantity_is_an_error(tmp_path):
    # given a variant with its own price, compare-at price and barcode
    parent = product_create(sku="P", title="P", price=Decimal("5.00"))
    variant_create(
        product=parent,
        sku="P-S",
        options={"Size": "S"},
        price=Decimal("6.00"),
        compare_at_price=Decimal("7.00"),
        barcode="4006381333931",
        quantity=2,
    )
    header = ["sku", "parent_sku", "title", "price", "compare_at_price", "barcode", "quantity"]

    # when the variant row leaves them blank (title is a product column: ignored on variants)
    batch = _import(tmp_path, [header, ["P-S", "P", None, None, None, None, 3]])

    # then they are cleared (the variant now takes the product's price)
    assert (batch.updated_count, batch.error_count) == (1, 0)
    variant = Variant.objects.get()
    assert (variant.price, variant.compare_at_price, variant.barcode, variant.quantity) == (None, None, "", 3)

    # and undo restores them
    import_batch_undo(batch=batch)
    variant.refresh_from_db()
    assert (variant.price, variant.compare_at_price, variant.barcode, variant.quantity) == (
        Decimal("6.00"),
        Decimal("7.00"),
        "4006381333931",
        2,
    )

    # when a blank quantity is given for the variant
    again = _import(tmp_path, [["sku", "parent_sku", "quantity"], ["P-S", "P", None]], name="q.xlsx")

    # then the row fails on that cell and nothing changes
    assert (again.updated_count, again.error_count) == (0, 1)
    assert again.first_errors[0]["column"] == "quantity"
    assert again.first_errors[0]["message"].startswith("Quantity cannot be blank on an existing variant")
    assert Variant.objects.get().quantity == 2
