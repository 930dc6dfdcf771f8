"""Duplicate and delete a product: the catalog services, the product page's forms and the API actions."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from catalog.models import Product, ProductImage, Variant
from catalog.services import product_delete, product_duplicate, variant_create
from common.errors import ApplicationError
from inventory.models import Stock
from listings.models import Listing

pytestmark = pytest.mark.django_db


@pytest.fixture
def tee(make_listable_product):
    product = make_listable_product(sku="TEE-1", title="Tee", attributes={}, barcode="4006381333931")
    variant_create(product=product, sku="TEE-1-RED", options={"Colour": "Red"}, price=Decimal("21.00"), quantity=4)
    variant_create(product=product, sku="RED-TEE", options={"Colour": "Blue"}, quantity=2)
    return product


def _on_marketplace(listing, status="live", external_id="ext-1"):
    Listing.objects.filter(pk=listing.pk).update(status=status, external_id=external_id)


# --- product_duplicate ---


def test_duplicate_copies_fields_variants_and_images_not_listings_or_stock(tee, make_listing, editor_user):
    make_listing(product=tee)

    copy = product_duplicate(product=tee, sku="TEE-2", user=editor_user)

    assert (copy.sku, copy.title, copy.brand, copy.price, copy.status) == (
        "TEE-2",
        "Tee",
        "Acme",
        Decimal("20.00"),
        "draft",
    )
    assert (copy.quantity, copy.barcode, copy.weight_grams, copy.category_id) == (0, "", 500, tee.category_id)
    variants = list(copy.variants.order_by("position", "id").values_list("sku", "options", "price", "quantity"))
    assert variants == [
        ("TEE-2-RED", {"Colour": "Red"}, Decimal("21.00"), 0),
        ("TEE-2-RED-TEE", {"Colour": "Blue"}, None, 0),
    ]
    original = ProductImage.objects.get(product=tee)
    copied = ProductImage.objects.get(product=copy)
    assert (copied.sha256, copied.is_primary, copied.original_filename) == (
        original.sha256,
        True,
        original.original_filename,
    )
    assert copied.image.name != original.image.name
    assert not Listing.objects.filter(product=copy).exists()
    assert copy.created_by == editor_user


def test_duplicate_takes_given_variant_skus_and_title(tee):
    red = tee.variants.get(sku="TEE-1-RED")

    copy = product_duplicate(product=tee, sku="POLO-1", title="Polo", variant_skus={red.pk: "POLO-1-R"})

    assert copy.title == "Polo"
    assert sorted(copy.variants.values_list("sku", flat=True)) == ["POLO-1-R", "POLO-1-RED-TEE"]


@pytest.mark.parametrize(
    ("sku", "variant_skus", "field", "message_case"),
    [
        ("tee-1", None, "sku", "already used by product"),
        ("", None, "sku", "Give the copy its own SKU"),
        ("TEE-9", {"red": "RED-TEE"}, "variant_skus", "already used by a variant"),
        ("TEE-9", {"red": "TEE-9"}, "variant_skus", "given twice"),
        ("TEE-9", {"red": "X-1", "blue": "x-1"}, "variant_skus", "given twice"),
    ],
)
def test_duplicate_refuses_taken_or_repeated_skus_and_writes_nothing(tee, sku, variant_skus, field, message_case):
    ids = {"red": tee.variants.get(sku="TEE-1-RED").pk, "blue": tee.variants.get(sku="RED-TEE").pk}
    given = {ids[k]: v for k, v in (variant_skus or {}).items()}
    before = (Product.objects.count(), Variant.objects.count(), ProductImage.objects.count())

    with pytest.raises(ValidationError) as exc:
        product_duplicate(product=tee, sku=sku, variant_skus=given)

    assert message_case in " ".join(exc.value.message_dict[field])
    assert (Product.objects.count(), Variant.objects.count(), ProductImage.objects.count()) == before


def test_duplicate_refuses_a_variant_of_another_product(tee, make_listable_product):
    other = make_listable_product()
    stranger = variant_create(product=other, sku="OTHER-V")

    with pytest.raises(ValidationError, match="not a variant of TEE-1"):
        product_duplicate(product=tee, sku="TEE-3", variant_skus={stranger.pk: "TEE-3-X"})
    assert not Product.objects.filter(sku="TEE-3").exists()


# --- product_delete ---


def test_delete_removes_product_variants_images_stock_and_unpublished_listings(
    tee, make_listing, make_channel, django_capture_on_commit_callbacks
):
    draft = make_listing(product=tee)
    delisted = make_listing(product=tee, channel=make_channel("etsy"))
    _on_marketplace(delisted, status="delisted", external_id="")
    image = ProductImage.objects.get(product=tee).image
    storage, image_name = image.storage, image.name

    with django_capture_on_commit_callbacks(execute=True):
        product_delete(product=tee)

    assert not Product.objects.filter(pk=tee.pk).exists()
    assert not Variant.objects.filter(product_id=tee.pk).exists()
    assert not ProductImage.objects.filter(product_id=tee.pk).exists()
    assert not Stock.objects.filter(product_id=tee.pk).exists()
    assert not Listing.objects.filter(pk__in=[draft.pk, delisted.pk]).exists()
    assert not storage.exists(image_name)


@pytest.mark.parametrize("status_case", ["live", "in_review", "suppressed", "paused", "queued"])
def test_delete_is_refused_while_a_marketplace_holds_a_listing(tee, make_listing, status_case):
    listing = make_listing(product=tee)
    _on_marketplace(listing, status=status_case)
    other = make_listing(product=tee)

    with pytest.raises(ApplicationError) as exc:
        product_delete(product=tee)

    assert exc.value.extra["code"] == "listed"
    assert listing.channel.name in exc.value.message
    assert [row["id"] for row in exc.value.extra["listings"]] == [listing.pk]
    assert Product.objects.filter(pk=tee.pk).exists()
    assert Listing.objects.filter(pk__in=[listing.pk, other.pk]).count() == 2
    assert tee.variants.count() == 2


# --- pages ---


def test_duplicate_page_proposes_skus_and_creates_the_copy(editor_client, tee):
    red = tee.variants.get(sku="TEE-1-RED")
    blue = tee.variants.get(sku="RED-TEE")

    page = editor_client.get(f"/catalog/products/{tee.pk}/duplicate/")
    response = editor_client.post(
        f"/catalog/products/{tee.pk}/duplicate/",
        {"sku": "TEE-5", "title": "", f"variant_{red.pk}": "TEE-5-R", f"variant_{blue.pk}": "TEE-5-B"},
    )

    assert page.status_code == 200
    assert 'value="TEE-1-COPY-RED"' in page.content.decode()
    copy = Product.objects.get(sku="TEE-5")
    assert response.status_code == 302
    assert response["Location"] == f"/catalog/products/{copy.pk}/"
    assert sorted(copy.variants.values_list("sku", flat=True)) == ["TEE-5-B", "TEE-5-R"]


def test_duplicate_page_shows_a_taken_sku_beside_the_field(editor_client, tee):
    red, blue = tee.variants.get(sku="TEE-1-RED"), tee.variants.get(sku="RED-TEE")

    response = editor_client.post(
        f"/catalog/products/{tee.pk}/duplicate/",
        {"sku": "TEE-1", f"variant_{red.pk}": "A-1", f"variant_{blue.pk}": "A-2"},
    )

    assert response.status_code == 400
    assert "already used by product" in " ".join(response.context["form"].errors["sku"])
    assert Product.objects.count() == 1


def test_duplicate_page_is_refused_to_a_viewer(viewer_client, tee):
    response = viewer_client.post(f"/catalog/products/{tee.pk}/duplicate/", {"sku": "TEE-6"})

    assert response.status_code == 403
    assert not Product.objects.filter(sku="TEE-6").exists()


def test_delete_page_names_the_listings_that_block_it(editor_client, tee, make_listing):
    listing = make_listing(product=tee)
    _on_marketplace(listing, status="live", external_id="gid-77")

    page = editor_client.get(f"/catalog/products/{tee.pk}/delete/")
    refused = editor_client.post(f"/catalog/products/{tee.pk}/delete/")

    assert 'id="delete-refused"' in page.content.decode()
    assert "gid-77" in page.content.decode()
    assert 'id="delete-confirm-button"' not in page.content.decode()
    assert refused.status_code == 409
    assert listing.channel.name in refused.content.decode()
    assert Product.objects.filter(pk=tee.pk).exists()


def test_delete_page_deletes_an_unlisted_product(editor_client, tee):
    page = editor_client.get(f"/catalog/products/{tee.pk}/delete/")
    response = editor_client.post(f"/catalog/products/{tee.pk}/delete/")

    assert 'id="delete-confirm-button"' in page.content.decode()
    assert response.status_code == 302
    assert response["Location"] == "/catalog/products/"
    assert not Product.objects.filter(pk=tee.pk).exists()


def test_product_page_offers_duplicate_and_delete_to_editors_only(editor_client, viewer_client, tee):
    editor_page = editor_client.get(f"/catalog/products/{tee.pk}/").content.decode()
    viewer_page = viewer_client.get(f"/catalog/products/{tee.pk}/").content.decode()

    assert 'id="duplicate-button"' in editor_page
    assert 'id="delete-button"' in editor_page
    assert 'id="duplicate-button"' not in viewer_page
    assert 'id="delete-button"' not in viewer_page


# --- API ---


def test_api_duplicate_returns_the_copy(api, tee):
    red = tee.variants.get(sku="TEE-1-RED")

    response = api.post(
        f"/api/v1/products/{tee.pk}/duplicate/",
        {"sku": "TEE-7", "variant_skus": {str(red.pk): "TEE-7-R"}},
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["sku"] == "TEE-7"
    assert sorted(v["sku"] for v in body["variants"]) == ["TEE-7-R", "TEE-7-RED-TEE"]
    assert len(body["images"]) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [({"sku": "TEE-1"}, "sku"), ({}, "sku"), ({"sku": "TEE-8", "variant_skus": {"x": "A"}}, "variant_skus")],
)
def test_api_duplicate_bad_input_is_400_naming_the_field(api, tee, body, field):
    response = api.post(f"/api/v1/products/{tee.pk}/duplicate/", body, format="json")

    assert response.status_code == 400
    assert field in str(response.json())
    assert Product.objects.count() == 1


def test_api_delete_is_409_while_listed_then_204(api, tee, make_listing):
    listing = make_listing(product=tee)
    _on_marketplace(listing)

    refused = api.delete(f"/api/v1/products/{tee.pk}/")
    Listing.objects.filter(pk=listing.pk).update(status="delisted", external_id="")
    deleted = api.delete(f"/api/v1/products/{tee.pk}/")

    assert refused.status_code == 409
    assert refused.json()["code"] == "listed"
    assert refused.json()["listings"][0]["channel"] == listing.channel.name
    assert deleted.status_code == 204
    assert not Product.objects.filter(pk=tee.pk).exists()
