"""The product form edits a category's defined attributes as labelled fields, not JSON (docs/catalog.md#attributes)."""

import pytest
from django.urls import reverse

from catalog.models import AttributeDefinition, Product
from catalog.services import category_create, product_create

from .test_views import _form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def jackets():
    """A category whose parent requires a material; the jackets add a number, a yes/no and a choice."""
    outerwear = category_create(name="Outerwear")
    jackets = category_create(name="Jackets", parent=outerwear)
    AttributeDefinition.objects.create(category=outerwear, code="material", label="Material", is_required=True)
    AttributeDefinition.objects.create(category=jackets, code="weight_kg", label="Weight (kg)", type="number")
    AttributeDefinition.objects.create(category=jackets, code="waterproof", label="Waterproof", type="boolean")
    AttributeDefinition.objects.create(
        category=jackets, code="fit", label="Fit", type="choice", choices=["Slim", "Regular", 42]
    )
    return jackets


def test_the_edit_page_shows_each_defined_attribute_as_a_labelled_field(editor_client, jackets):
    product = product_create(
        sku="J-1", title="Rain jacket", price="80.00", category=jackets,
        attributes={"material": "nylon", "fit": "Slim", "season": "autumn"},
    )  # fmt: skip

    response = editor_client.get(reverse("catalog:product_update", args=[product.pk]))

    form = response.context["form"]
    assert [(f.label, f.value()) for f in form.attribute_fields] == [
        ("Material *", "nylon"),  # inherited from Outerwear, required
        ("Fit", "Slim"),
        ("Waterproof", None),
        ("Weight (kg)", None),
    ]
    html = response.content.decode()
    assert '<label for="id_attr__material">Material *</label>' in html
    # the JSON box keeps only what no definition names
    assert form["attributes"].label == "Other attributes"
    assert form.initial["attributes"] == {"season": "autumn"}


def test_saving_the_fields_stores_typed_values_and_keeps_the_other_attributes(editor_client, jackets):
    data = _form_data(
        category=str(jackets.pk), attributes='{"season": "autumn"}',
        attr__material=" nylon ", attr__weight_kg="1.5", attr__waterproof="true", attr__fit="42",
    )  # fmt: skip

    response = editor_client.post(reverse("catalog:product_create"), data)

    assert response.status_code == 302
    assert Product.objects.get(sku="MUG-1").attributes == {
        "season": "autumn",
        "material": "nylon",
        "weight_kg": 1.5,
        "waterproof": True,
        "fit": 42,  # the choice as defined: a number stays a number
    }


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("attr__material", "", "Material is required for this category."),
        ("attr__weight_kg", "heavy", "Enter a number."),
        ("attr__fit", "Baggy", "Select a valid choice. Baggy is not one of the available choices."),
        ("attributes", "[1, 2]", "Attributes must be a JSON object of code: value pairs."),
    ],
)
def test_a_bad_attribute_is_named_next_to_its_field_and_nothing_is_saved(editor_client, jackets, field, value, message):
    data = _form_data(category=str(jackets.pk), attr__material="nylon") | {field: value}

    response = editor_client.post(reverse("catalog:product_create"), data)

    assert response.status_code == 400
    assert response.context["form"].errors[field][0] == message
    assert not Product.objects.filter(sku="MUG-1").exists()


def test_a_blank_field_removes_its_attribute(editor_client, jackets):
    product = product_create(
        sku="J-2", title="Shell", price="60.00", category=jackets, attributes={"material": "nylon", "fit": "Slim"}
    )
    data = _form_data(
        sku="J-2", title="Shell", price="60.00", category=str(jackets.pk), version=str(product.version),
        attr__material="nylon", attr__fit="",
    )  # fmt: skip
    data.pop("quantity")

    response = editor_client.post(reverse("catalog:product_update", args=[product.pk]), data)

    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    product.refresh_from_db()
    assert product.attributes == {"material": "nylon"}
