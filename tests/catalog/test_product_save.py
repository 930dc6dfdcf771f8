"""product_save: a product with its variants and new images, all or nothing, from the service, the staff page
and the API alike."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.roles import EDITOR
from catalog.demo import demo_image
from catalog.models import Product, ProductImage, Variant
from catalog.services import (
    ImageUpload,
    ProductPartsError,
    VariantWrite,
    image_add,
    product_create,
    product_save,
    variant_create,
)
from common.errors import ApplicationError

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/v1/products/"


@pytest.fixture
def product():
    product = product_create(sku="MUG-1", title="Blue mug", price=Decimal("12.50"))
    variant_create(product=product, sku="MUG-1-S", options={"Size": "S"}, quantity=3)
    return product


@pytest.fixture
def api(make_user, token_client_for):
    return token_client_for(make_user("api-editor", EDITOR))


def _state(product: Product) -> tuple:
    """Everything a product save may change, to compare before and after a refused save."""
    product = Product.objects.get(pk=product.pk)
    variants = list(Variant.objects.filter(product=product).order_by("pk").values_list("sku", "options", "quantity"))
    images = list(ProductImage.objects.filter(product=product).values_list("sha256", flat=True))
    return product.title, product.price, product.version, variants, images


# --- Service ---


def test_product_save_creates_the_product_its_variants_and_images():
    # when a new product is saved with two variants and one image
    product = product_save(
        fields={"sku": "TEE-1", "title": "Tee", "price": Decimal("9.00")},
        variants=[
            VariantWrite(fields={"sku": "TEE-1-S", "options": {"Size": "S"}}),
            VariantWrite(fields={"sku": "TEE-1-M", "options": {"Size": "M"}, "position": 1}),
        ],
        images=[ImageUpload(upload=demo_image((9, 9, 9), 1), filename="front.png")],
    )
    # then all three parts are stored
    assert product.version == 1
    assert list(product.variants.order_by("position").values_list("sku", flat=True)) == ["TEE-1-S", "TEE-1-M"]
    assert list(product.images.values_list("original_filename", "is_primary")) == [("front.png", True)]


def test_product_save_updates_deletes_and_adds_variants(product):
    keep = product.variants.get()
    # when the product is saved with its variant changed, a new variant, and then the first deleted
    saved = product_save(
        product=product,
        fields={"title": "Red mug"},
        variants=[VariantWrite(fields={"quantity": 7}, variant=keep), VariantWrite(fields={"sku": "MUG-1-L"})],
        expected_version=1,
    )
    product_save(product=saved, fields={}, variants=[VariantWrite(variant=keep, delete=True)])
    # then the product changed, the new variant is there and the deleted one is gone
    assert _state(product)[:3] == ("Red mug", Decimal("12.50"), 3)
    assert list(product.variants.values_list("sku", flat=True)) == ["MUG-1-L"]


def test_a_bad_variant_keeps_nothing_of_the_save(product):
    # given a product with one variant and one image
    image_add(product=product, upload=demo_image((1, 2, 3), 1), filename="a.png")
    before = _state(product)
    # when a save changes the title, updates the variant, adds a good image and a variant whose SKU is taken
    with pytest.raises(ProductPartsError) as exc:
        product_save(
            product=product,
            fields={"title": "Changed", "price": Decimal("1.00")},
            variants=[
                VariantWrite(fields={"quantity": 99}, variant=product.variants.get()),
                VariantWrite(fields={"sku": "mug-1"}),
            ],
            images=[ImageUpload(upload=demo_image((4, 5, 6), 2), filename="b.png")],
            expected_version=1,
        )
    # then the refusal names the second variant only, and nothing of the save persisted
    assert list(exc.value.variant_errors) == [1]
    assert "already used by product" in str(exc.value.variant_errors[1].message_dict["sku"])
    assert exc.value.image_errors == {}
    assert _state(product) == before


def test_a_bad_image_keeps_nothing_of_the_save(product):
    before = _state(product)
    with pytest.raises(ProductPartsError) as exc:
        product_save(
            product=product,
            fields={"title": "Changed"},
            variants=[VariantWrite(fields={"sku": "MUG-1-XL"})],
            images=[ImageUpload(upload=b"not an image", filename="bad.png")],
        )
    assert list(exc.value.image_errors) == [0]
    assert _state(product) == before


def test_a_refused_new_product_stores_no_variant():
    with pytest.raises(ProductPartsError):
        product_save(
            fields={"sku": "NEW-1", "title": "New", "price": Decimal("2.00")},
            variants=[VariantWrite(fields={"sku": "NEW-1-A"}), VariantWrite(fields={"sku": "bad sku"})],
        )
    assert not Product.objects.exists()
    assert not Variant.objects.exists()


def test_a_refused_product_raises_its_own_error_and_tries_no_part(product):
    before = _state(product)
    with pytest.raises(ApplicationError) as exc:
        product_save(
            product=product,
            fields={"title": "Late"},
            variants=[VariantWrite(fields={"sku": "X-1"})],
            expected_version=7,
        )
    assert exc.value.extra["code"] == "version_conflict"
    assert _state(product) == before


def test_a_variant_of_another_product_is_refused(product):
    other = product_create(sku="OTHER-1", title="Other", price=Decimal("1.00"))
    stranger = variant_create(product=other, sku="OTHER-1-A")
    with pytest.raises(ProductPartsError) as exc:
        product_save(product=product, fields={}, variants=[VariantWrite(fields={"quantity": 1}, variant=stranger)])
    assert isinstance(exc.value.variant_errors[0], ValidationError)
    assert Variant.objects.get(pk=stranger.pk).quantity == 0


# --- Staff page ---


def test_page_save_with_a_bad_variant_keeps_nothing(editor_client, product):
    # given the edit form of a product with one variant
    keep = product.variants.get()
    before = _state(product)
    data = {
        "sku": "MUG-1",
        "title": "Changed on the page",
        "status": "draft",
        "price": "99.00",
        "currency": "USD",
        "quantity": "5",
        "attributes": "{}",
        "version": "1",
        "variants-TOTAL_FORMS": "2",
        "variants-INITIAL_FORMS": "1",
        "variants-MIN_NUM_FORMS": "0",
        "variants-MAX_NUM_FORMS": "1000",
        "variants-0-id": keep.pk,
        "variants-0-product": product.pk,
        "variants-0-sku": "MUG-1-S",
        "variants-0-options": "Size=XS",
        "variants-0-quantity": "42",
        "variants-0-position": "0",
        "variants-1-sku": "mug-1",  # the product's own SKU: refused by the service
        "variants-1-quantity": "1",
        "variants-1-position": "1",
    }
    # when it is posted with a good variant change and a new variant whose SKU is taken
    response = editor_client.post(reverse("catalog:product_update", kwargs={"pk": product.pk}), data)
    # then the page shows the refusal beside the bad row, and nothing of the save persisted
    assert response.status_code == 400
    forms = response.context["formset"].forms
    assert forms[0].errors == {}
    assert "already used by product" in forms[1].errors["sku"][0]
    assert _state(product) == before


# --- API ---


def test_api_create_saves_the_product_with_its_variants(api):
    payload = {
        "sku": "API-1",
        "title": "From the API",
        "price": "5.00",
        "variants": [{"sku": "API-1-S", "options": {"Size": "S"}}, {"sku": "API-1-M", "position": 1}],
    }
    response = api.post(PRODUCTS, payload, format="json")
    assert response.status_code == 201, response.json()
    assert [v["sku"] for v in response.json()["variants"]] == ["API-1-S", "API-1-M"]
    assert Product.objects.get(sku="API-1").variants.count() == 2


def test_api_create_with_a_bad_variant_keeps_nothing(api):
    payload = {
        "sku": "API-2",
        "title": "From the API",
        "price": "5.00",
        "variants": [{"sku": "API-2-S"}, {"sku": "api-2"}],
    }
    response = api.post(PRODUCTS, payload, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == ["variants.1.sku"]
    assert "already used by product" in errors[0]["message"]
    assert not Product.objects.exists()
    assert not Variant.objects.exists()


def test_api_update_with_a_bad_variant_keeps_nothing(api, product):
    # given a product with one variant
    keep = product.variants.get()
    before = _state(product)
    # when a PATCH changes the title, updates that variant and adds one whose SKU is taken
    payload = {"title": "Changed by API", "variants": [{"id": keep.pk, "price": "50.00"}, {"sku": "MUG-1"}]}
    response = api.patch(f"{PRODUCTS}{product.pk}/", payload, format="json")
    # then the refusal names the bad variant, and nothing of the save persisted
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["variants.1.sku"]
    assert _state(product) == before


def test_api_update_changes_named_variants_and_adds_new_ones(api, product):
    keep = product.variants.get()
    payload = {"variants": [{"id": keep.pk, "price": "50.00"}, {"sku": "MUG-1-L", "position": 2}]}
    response = api.patch(f"{PRODUCTS}{product.pk}/", payload, format="json")
    assert response.status_code == 200, response.json()
    assert [(v["sku"], v["price"]) for v in response.json()["variants"]] == [("MUG-1-S", "50.00"), ("MUG-1-L", None)]
    assert response.json()["version"] == 2


def test_api_update_naming_a_variant_of_another_product_is_a_field_error(api, product):
    other = product_create(sku="OTHER-1", title="Other", price=Decimal("1.00"))
    stranger = variant_create(product=other, sku="OTHER-1-A")
    before = _state(product)
    payload = {"title": "Changed", "variants": [{"id": stranger.pk, "quantity": 5}]}
    response = api.patch(f"{PRODUCTS}{product.pk}/", payload, format="json")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["variants.0.id"]
    assert _state(product) == before
    assert Variant.objects.get(pk=stranger.pk).quantity == 0


def test_api_new_variant_without_sku_is_a_field_error(api):
    payload = {"sku": "API-3", "title": "No variant SKU", "price": "5.00", "variants": [{"quantity": 2}]}
    response = api.post(PRODUCTS, payload, format="json")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["variants.0.sku"]
    assert not Product.objects.exists()
