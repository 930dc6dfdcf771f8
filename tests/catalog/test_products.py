from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from catalog.choices import AttributeType
from catalog.models import AttributeDefinition, Product, Variant
from catalog.services import product_create, product_update, variant_create
from catalog.validators import gtin_check_digit, validate_gtin
from common.errors import ApplicationError

from .factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


def test_product_create_normalises_sku_and_sanitises_description():
    product = product_create(
        sku="  ABC-1  ",
        title="Shirt",
        price=Decimal("10"),
        currency="myr",
        description='<p onclick="x()">Hi<script>alert(1)</script></p>',
    )
    assert product.sku == "ABC-1"
    assert product.currency == "MYR"
    assert product.description == "<p>Hi</p>"


@pytest.mark.parametrize("sku_case", ["abc-1", " ABC-1", "Abc-1 "])
def test_duplicate_sku_is_refused_case_and_whitespace_insensitive(sku_case):
    original = ProductFactory(sku="ABC-1")
    with pytest.raises(ValidationError) as exc:
        ProductFactory(sku=sku_case)
    assert f"product #{original.pk}" in str(exc.value.message_dict["sku"])
    assert Product.objects.count() == 1


def test_sku_with_inner_space_is_refused():
    with pytest.raises(ValidationError) as exc:
        ProductFactory(sku="AB C")
    assert "contains spaces" in exc.value.message_dict["sku"][0]


def test_variant_sku_may_not_reuse_a_product_sku():
    product = ProductFactory(sku="P-1")
    with pytest.raises(ValidationError) as exc:
        variant_create(product=product, sku="p-1", options={"Size": "M"})
    assert "already used by product" in exc.value.message_dict["sku"][0]
    assert Variant.objects.count() == 0


@pytest.mark.parametrize(
    ("barcode", "message_part"),
    [
        ("4006381333932", "check digit"),
        ("12345", "8, 12, 13 or 14"),
        ("40063813339AB", "digits 0-9 only"),
        ("\u0664\u0660\u0660\u0666\u0663\u0668\u0661\u0663\u0663\u0663\u0669\u0663\u0661", "digits 0-9 only"),
    ],
)
def test_invalid_gtin_is_refused(barcode, message_part):
    with pytest.raises(ValidationError) as exc:
        ProductFactory(barcode=barcode)
    assert message_part in exc.value.message_dict["barcode"][0]
    assert not Product.objects.exists()


@pytest.mark.parametrize("gtin", ["4006381333931", "036000291452", "96385074", "10614141000415"])
def test_valid_gtins_pass(gtin):
    validate_gtin(gtin)
    assert int(gtin[-1]) == gtin_check_digit(gtin[:-1])


def test_negative_price_is_refused():
    with pytest.raises(ValidationError) as exc:
        ProductFactory(price=Decimal("-1"))
    assert "price" in exc.value.message_dict


def test_compare_at_below_price_is_refused():
    with pytest.raises(ValidationError) as exc:
        ProductFactory(price=Decimal("10"), compare_at_price=Decimal("9.99"))
    assert "below the price" in exc.value.message_dict["compare_at_price"][0]


def test_unknown_currency_is_refused():
    with pytest.raises(ValidationError) as exc:
        ProductFactory(currency="XYZ")
    assert "ISO 4217" in exc.value.message_dict["currency"][0]


def _category_with_definitions():
    root = CategoryFactory(name="Fashion")
    leaf = CategoryFactory(name="Shirts", parent=root)
    AttributeDefinition.objects.create(
        category=root,
        code="gender",
        label="Gender",
        type=AttributeType.CHOICE,
        choices=["men", "women"],
        is_required=True,
    )
    AttributeDefinition.objects.create(category=leaf, code="sleeve_cm", label="Sleeve", type=AttributeType.NUMBER)
    AttributeDefinition.objects.create(category=leaf, code="organic", label="Organic", type=AttributeType.BOOLEAN)
    return leaf


def test_attributes_inherit_definitions_and_accept_valid_values():
    leaf = _category_with_definitions()
    product = ProductFactory(category=leaf, attributes={"gender": "men", "sleeve_cm": 61.5, "organic": True})
    assert product.attributes["sleeve_cm"] == 61.5


@pytest.mark.parametrize(
    ("attributes", "message_part"),
    [
        ({"sleeve_cm": 3}, "'gender' (Gender) is required"),
        ({"gender": "kids"}, "must be one of men, women"),
        ({"gender": "men", "sleeve_cm": "long"}, "'sleeve_cm' must be a number"),
        ({"gender": "men", "organic": "yes"}, "'organic' must be true or false"),
    ],
)
def test_attribute_errors(attributes, message_part):
    leaf = _category_with_definitions()
    with pytest.raises(ValidationError) as exc:
        ProductFactory(category=leaf, attributes=attributes)
    assert any(message_part in m for m in exc.value.message_dict["attributes"])
    assert not Product.objects.exists()


def test_update_records_user_and_bumps_version(admin_user):
    product = ProductFactory()
    updated = product_update(product=product, user=admin_user, title="New")
    assert updated.version == 2
    assert updated.updated_by == admin_user
    assert Product.objects.get(pk=product.pk).title == "New"


def test_update_with_stale_version_is_refused_and_changes_nothing():
    product = ProductFactory(title="Old")
    product_update(product=product, title="Someone else")
    with pytest.raises(ApplicationError) as exc:
        product_update(product=Product.objects.get(pk=product.pk), title="Mine", expected_version=1)
    assert exc.value.extra["code"] == "version_conflict"
    assert Product.objects.get(pk=product.pk).title == "Someone else"
