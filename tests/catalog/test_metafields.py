"""Metafields (docs/catalog.md#metafields): definitions, values checked by type on every path, readiness, push."""

import pytest
from django.core.exceptions import ValidationError

from catalog.forms import ProductForm
from catalog.importing.services import import_file
from catalog.metafields import MetafieldError, metafield_value
from catalog.models import MetafieldDefinition, Product
from catalog.services import (
    metafield_definition_create,
    metafield_definition_delete,
    metafield_definition_update,
    product_create,
    product_update,
)
from common.errors import ApplicationError
from listings.readiness import listing_readiness
from listings.selectors import listing_payload_build
from syncing.connectors.base import MetafieldPayload

from .importing.conftest import write_xlsx

pytestmark = pytest.mark.django_db
DEFINITIONS = "/api/v1/metafield-definitions/"


def _define(key="material", kind="single_line_text_field", **extra):
    return metafield_definition_create(namespace="specs", key=key, type=kind, **extra)


# --- definitions ---


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"key": "bad key!"}, "key", "characters other than A-Z a-z 0-9 _ -"),
        ({"key": "k"}, "key", "2–64 characters"),
        ({"key": "k" * 65}, "key", "2–64 characters"),
        ({"namespace": "ab"}, "namespace", "3–255 characters"),
        ({"validations": {"pattern": "x"}}, "validations", "Unknown validation(s): pattern"),
        ({"validations": {"regex": "("}}, "validations", "regex does not compile"),
        ({"type": "colour"}, "type", "is not a valid choice"),
    ],
    ids=["illegal_key_characters_case", "short_key_case", "long_key_case", "short_namespace_case",
         "unknown_validation_case", "bad_regex_case", "unknown_type_case"],
)  # fmt: skip
def test_bad_definitions_are_refused_naming_the_field(fields, field, message):
    data = {"namespace": "specs", "key": "material", "type": "single_line_text_field", **fields}
    with pytest.raises(ValidationError) as refused:
        metafield_definition_create(**data)
    assert message in " ".join(refused.value.message_dict[field])
    assert not MetafieldDefinition.objects.exists()


def test_owner_namespace_and_key_are_unique():
    _define()
    with pytest.raises(ValidationError) as refused:
        _define()
    assert "already exists" in str(refused.value)
    metafield_definition_create(owner_type="variant", namespace="specs", key="material", type="url")  # other owner


def test_api_definitions_crud_and_a_bad_key_is_400(api):
    bad = api.post(DEFINITIONS, {"namespace": "specs", "key": "no spaces", "type": "url"}, format="json")
    assert bad.status_code == 400
    assert [e["field"] for e in bad.json()["errors"]] == ["key"]
    created = api.post(
        DEFINITIONS,
        {"namespace": "specs", "key": "care", "type": "number_integer", "validations": {"min": 1}, "is_required": True},
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert api.get(DEFINITIONS, {"owner_type": "product"}).json()["results"][0]["key"] == "care"
    product_create(sku="A-1", title="A", price="1.00", metafields={"specs.care": 3})
    in_use = api.delete(f"{DEFINITIONS}{created.json()['id']}/")
    assert in_use.status_code == 409
    assert "has values on 1 item(s)" in in_use.json()["detail"]
    assert MetafieldDefinition.objects.count() == 1


def test_identity_is_fixed_once_values_exist():
    definition = _define()
    product_create(sku="A-1", title="A", price="1.00", metafields={"specs.material": "steel"})
    with pytest.raises(ApplicationError) as refused:
        metafield_definition_update(definition=definition, type="url")
    assert "cannot change" in refused.value.message
    metafield_definition_update(definition=definition, name="Material")  # other fields may change
    with pytest.raises(ApplicationError):
        metafield_definition_delete(definition=definition)


# --- values by type ---


@pytest.mark.parametrize(
    ("kind", "raw", "stored"),
    [
        ("number_integer", "12", 12),
        ("number_decimal", "1,50", "1.5"),
        ("boolean", "Yes", True),
        ("date", "2026-12-06", "2026-12-06"),
        ("url", "https://example.com/a", "https://example.com/a"),
        ("json", '{"a": [1, 2]}', {"a": [1, 2]}),
        ("multi_line_text_field", "a\nb", "a\nb"),
    ],
    ids=["integer_case", "decimal_case", "boolean_case", "date_case", "url_case", "json_case", "multiline_case"],
)
def test_values_are_coerced_to_their_stored_form(kind, raw, stored):
    assert metafield_value(MetafieldDefinition(namespace="specs", key="x1", type=kind), raw) == stored


@pytest.mark.parametrize(
    ("kind", "validations", "raw", "message"),
    [
        ("number_integer", {}, "heavy", "must be a whole number"),
        ("number_integer", {}, True, "must be a whole number"),
        ("number_decimal", {}, "1.2.3", "must be a decimal number"),
        ("boolean", {}, "maybe", "must be true or false"),
        ("date", {}, "06/12/2026", "must be a date as YYYY-MM-DD"),
        ("url", {}, "example.com", "must be an http(s) URL"),
        ("json", {}, "{oops", "must be JSON"),
        ("single_line_text_field", {}, "a\nb", "single-line text"),
        ("single_line_text_field", {}, 5, "must be text"),
        ("number_integer", {"min": 1, "max": 10}, 11, "at most 10"),
        ("single_line_text_field", {"max": 3}, "four", "at most 3 characters"),
        ("single_line_text_field", {"regex": "[A-Z]+"}, "abc", "must match [A-Z]+"),
        ("single_line_text_field", {"choices": ["steel", "wood"]}, "glass", "must be one of steel, wood"),
    ],
    ids=["int_text_case", "int_bool_case", "decimal_case", "bool_case", "date_case", "url_case", "json_case",
         "newline_case", "text_type_case", "max_case", "length_case", "regex_case", "choices_case"],
)  # fmt: skip
def test_wrong_values_are_refused_with_the_reason(kind, validations, raw, message):
    with pytest.raises(MetafieldError) as refused:
        metafield_value(MetafieldDefinition(namespace="specs", key="x1", type=kind, validations=validations), raw)
    assert message in str(refused.value)
    assert "'specs.x1'" in str(refused.value)


def test_the_service_form_and_api_refuse_a_value_of_the_wrong_type(api):
    _define(key="layers", kind="number_integer")
    # service
    with pytest.raises(ValidationError) as refused:
        product_create(sku="A-1", title="A", price="1.00", metafields={"specs.layers": "many"})
    assert "'specs.layers' must be a whole number" in refused.value.message_dict["metafields"][0]
    with pytest.raises(ValidationError) as unknown:
        product_create(sku="A-1", title="A", price="1.00", metafields={"specs.nope": "1"})
    assert "No metafield definition 'specs.nope'" in unknown.value.message_dict["metafields"][0]
    # form
    form = ProductForm(
        data={"sku": "A-1", "title": "A", "price": "1", "currency": "USD", "quantity": 0, "status": "draft",
              "metafields": '{"specs.layers": "many"}'}
    )  # fmt: skip
    assert not form.is_valid()
    assert "must be a whole number" in form.errors["metafields"][0]
    # API
    response = api.post("/api/v1/products/", {"sku": "A-1", "title": "A", "price": "1.00",
                                              "metafields": {"specs.layers": "many"}}, format="json")  # fmt: skip
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["metafields"]
    assert not Product.objects.exists()
    # a good value is stored in its form and returned by the API
    ok = api.post("/api/v1/products/", {"sku": "A-1", "title": "A", "price": "1.00",
                                        "metafields": {"specs.layers": "3"}}, format="json")  # fmt: skip
    assert ok.status_code == 201, ok.json()
    assert ok.json()["metafields"] == {"specs.layers": 3}


# --- import columns ---


def _import(tmp_path, rows, name="f.xlsx"):
    return import_file(path=write_xlsx(tmp_path / name, rows), on_error="skip-rows", dry_run=False, user=None)


def test_import_metafield_columns_round_trip(tmp_path):
    _define(key="layers", kind="number_integer")
    _define(key="Glaze_type")
    # new product with typed cells; a bad one and an unknown column on another row
    batch = _import(
        tmp_path,
        [
            ["sku", "title", "price", "mf:specs.layers", "mf:specs.Glaze_type"],
            ["MUG-1", "Mug", "5.00", "3", "matte"],
            ["MUG-2", "Mug 2", "5.00", "three", "gloss"],
        ],
    )
    assert (batch.created_count, batch.error_count) == (1, 1)
    assert [(e["row"], e["column"]) for e in batch.first_errors] == [(3, "mf:specs.layers")]
    assert "must be a whole number" in batch.first_errors[0]["message"]
    product = Product.objects.get()
    assert product.metafields == {"specs.layers": 3, "specs.Glaze_type": "matte"}
    # update one, clear the other; the same file again is unchanged
    rows = [["sku", "mf:specs.layers", "mf:specs.Glaze_type"], ["MUG-1", 4, ""]]
    assert _import(tmp_path, rows, "g.xlsx").updated_count == 1
    product.refresh_from_db()
    assert product.metafields == {"specs.layers": 4}
    assert _import(tmp_path, rows, "h.xlsx").unchanged_count == 1


def test_import_refuses_an_undefined_metafield_column(tmp_path):
    batch = _import(tmp_path, [["sku", "title", "price", "mf:specs.unknown"], ["MUG-1", "Mug", "5.00", "x"]])
    assert batch.error_count == 1
    assert "No product metafield definition 'specs.unknown'" in batch.first_errors[0]["message"]
    assert not Product.objects.exists()


# --- readiness and payload ---


def test_a_missing_required_metafield_blocks_shopify_only(make_listing, make_listable_product, make_channel):
    _define(key="care", is_required=True)
    product = make_listable_product()
    shopify = make_listing(product=product, channel=make_channel("shopify"))
    amazon = make_listing(product=product, channel=make_channel("amazon"))
    [issue] = [i for i in listing_readiness(shopify) if i.code == "metafield_missing"]
    assert (issue.field, issue.is_blocking) == ("metafields.specs.care", True)
    assert "mf:specs.care" in issue.fix
    assert not [i for i in listing_readiness(amazon) if i.code == "metafield_missing"]
    shopify.refresh_from_db()
    assert "metafield_missing" in {i["code"] for i in shopify.readiness_issues}  # stored verdict too
    product_update(product=product, metafields={"specs.care": "Hand wash"})
    shopify.refresh_from_db()
    assert "metafield_missing" not in {i["code"] for i in shopify.readiness_issues}


def test_payload_carries_metafields_as_shopify_text(make_listing, make_listable_product):
    _define(key="layers", kind="number_integer")
    _define(key="dishwasher", kind="boolean")
    listing = make_listing(product=make_listable_product(metafields={"specs.layers": 3, "specs.dishwasher": False}))
    payload = listing_payload_build(listing, image_url=lambda image: "https://cdn.example.com/1.png")
    assert payload.metafields == (
        MetafieldPayload("specs", "dishwasher", "boolean", "false"),
        MetafieldPayload("specs", "layers", "number_integer", "3"),
    )
