from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework import serializers

from catalog.api.serializers import ProductSerializer
from catalog.models import Category, Product, ProductImage, Variant
from catalog.services import image_add, variant_create
from tests.catalog.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/v1/products/"


def _product_url(product):
    return f"{PRODUCTS}{product.pk}/"


# --- Auth ---


@pytest.mark.parametrize(
    ("method", "url_case"),
    [
        ("get", "/api/v1/products/"),
        ("post", "/api/v1/products/"),
        ("get", "/api/v1/products/{product}/"),
        ("patch", "/api/v1/products/{product}/"),
        ("post", "/api/v1/products/{product}/archive/"),
        ("post", "/api/v1/products/{product}/images/"),
        ("post", "/api/v1/products/bulk-create/"),
        ("post", "/api/v1/products/bulk-update/"),
        ("get", "/api/v1/categories/"),
        ("post", "/api/v1/categories/"),
        ("delete", "/api/v1/categories/{category}/"),
        ("get", "/api/v1/variants/"),
        ("post", "/api/v1/variants/"),
        ("get", "/api/v1/images/"),
    ],
)
def test_every_catalog_endpoint_requires_authentication(anon_api, product, category, method, url_case):
    # given an anonymous client
    url = url_case.format(product=product.pk, category=category.pk)
    # when it calls the endpoint
    response = getattr(anon_api, method)(url, {}, format="json")
    # then it is refused in the error shape and nothing changed
    assert response.status_code in (401, 403)
    assert response.json()["code"] in ("not_authenticated", "authentication_failed")
    assert response.json()["errors"] == []
    assert Product.objects.get(pk=product.pk).version == 1
    assert Category.objects.filter(pk=category.pk).exists()


# --- Products: read ---


def test_product_list_nests_variants_and_images(api, product, png_bytes):
    # given a product with a variant and an image
    variant_create(product=product, sku="SHOE-1-42", options={"Size": "42"}, quantity=3)
    image_add(product=product, upload=png_bytes(), filename="front.png")
    # when the list is read
    response = api.get(PRODUCTS)
    # then the product carries both, with money as strings
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    item = body["results"][0]
    assert item["sku"] == "SHOE-1"
    assert item["price"] == "19.90"
    assert item["version"] == 1
    assert [v["sku"] for v in item["variants"]] == ["SHOE-1-42"]
    assert item["variants"][0]["options"] == {"Size": "42"}
    assert item["images"][0]["is_primary"] is True
    assert item["images"][0]["image"].startswith("http://testserver/media/products/")


def test_fast_representation_matches_drf_generic_rendering(api, product, png_bytes, rf):
    # given a product with every kind of field filled
    variant_create(product=product, sku="SHOE-1-43", options={"Size": "43"}, price=Decimal("21.5"))
    image_add(product=product, upload=png_bytes(), filename="a.png")
    Product.objects.filter(pk=product.pk).update(compare_at_price=Decimal("30"), weight_grams=500)
    product = Product.objects.get(pk=product.pk)
    request = rf.get("/")
    # when it is rendered by our hand-written path and by DRF's generic field-by-field path
    fast = ProductSerializer(product, context={"request": request}).data
    generic = serializers.ModelSerializer.to_representation(ProductSerializer(context={"request": request}), product)
    generic["variants"] = [
        serializers.ModelSerializer.to_representation(ProductSerializer().fields["variants"].child, v)
        for v in product.variants.all()
    ]
    generic["images"] = [
        serializers.ModelSerializer.to_representation(
            ProductSerializer(context={"request": request}).fields["images"].child, i
        )
        for i in product.images.all()
    ]
    # then both are identical
    assert dict(fast) == dict(generic)


def test_product_retrieve_sends_version_as_etag(api, product):
    response = api.get(_product_url(product))
    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    assert response.json()["version"] == 1


def test_product_filters(api, category):
    # given products in a category tree and outside it
    child = CategoryFactory(name="Running", parent=category)
    ProductFactory(sku="A-1", title="Alpha", category=child, price=Decimal("5"), brand="Acme")
    ProductFactory(sku="B-1", title="Beta", category=category, price=Decimal("50"))
    other = ProductFactory(sku="C-1", title="Gamma", price=Decimal("500"))
    Product.objects.filter(pk=other.pk).update(status="active")

    def skus(**params):
        response = api.get(PRODUCTS, params)
        assert response.status_code == 200, response.json()
        return sorted(r["sku"] for r in response.json()["results"])

    # then each filter narrows as documented
    assert skus(q="alp") == ["A-1"]
    assert skus(category=child.pk) == ["A-1"]
    assert skus(category=category.pk) == ["A-1", "B-1"]
    assert skus(category=10**9) == []
    assert skus(price_min="10", price_max="100") == ["B-1"]
    assert skus(status="active") == ["C-1"]
    assert skus(brand="Acme") == ["A-1"]
    assert skus(sku="a-1") == ["A-1"]
    assert [r["sku"] for r in api.get(PRODUCTS, {"sort": "-price"}).json()["results"]] == ["C-1", "B-1", "A-1"]


def test_product_filter_with_bad_value_is_a_field_error(api):
    response = api.get(PRODUCTS, {"price_min": "cheap", "status": "sold"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert {e["field"] for e in body["errors"]} == {"price_min", "status"}


def test_page_size_up_to_the_maximum(api):
    for n in range(3):
        ProductFactory(sku=f"P-{n}")
    response = api.get(PRODUCTS, {"page_size": 200})
    assert response.status_code == 200
    assert response.json()["count"] == 3


def test_invalid_page_is_404_in_error_shape(api, product):
    response = api.get(PRODUCTS, {"page": 99})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- Products: write ---


def test_product_create_goes_through_service(api, api_user, category):
    # when a product is posted
    payload = {"sku": " NEW-1 ", "title": "New", "price": "9.50", "category": category.pk, "description": "<b>x</b>"}
    response = api.post(PRODUCTS, payload, format="json")
    # then it is created by product_create (SKU stripped, actor recorded, description sanitised)
    assert response.status_code == 201, response.json()
    product = Product.objects.get(pk=response.json()["id"])
    assert product.sku == "NEW-1"
    assert product.created_by == api_user
    assert response.json()["variants"] == []
    assert response.json()["version"] == 1


def test_product_create_duplicate_sku_is_field_error(api, product):
    response = api.post(PRODUCTS, {"sku": "shoe-1", "title": "Dup", "price": "1.00"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["errors"] == [
        {
            "field": "sku",
            "code": "invalid",
            "message": f"SKU 'shoe-1' is already used by product #{product.pk} (SHOE-1).",
        }
    ]
    assert Product.objects.count() == 1


def test_product_create_compare_at_below_price_is_field_error(api):
    response = api.post(
        PRODUCTS, {"sku": "X-1", "title": "X", "price": "10.00", "compare_at_price": "5.00"}, format="json"
    )
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["compare_at_price"]
    assert not Product.objects.exists()


def test_product_create_missing_fields(api):
    response = api.post(PRODUCTS, {}, format="json")
    assert response.status_code == 400
    errors = {(e["field"], e["code"]) for e in response.json()["errors"]}
    assert errors == {("sku", "required"), ("title", "required"), ("price", "required")}


def test_product_patch_bumps_version_and_etag(api, product):
    response = api.patch(_product_url(product), {"title": "Renamed"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["version"] == 2
    assert response["ETag"] == '"2"'
    assert Product.objects.get(pk=product.pk).title == "Renamed"


def test_product_patch_with_stale_if_match_is_412(api, product):
    # given someone else saved the product (version 2)
    api.patch(_product_url(product), {"title": "First"}, format="json")
    # when a client updates with the ETag it read before
    response = api.patch(_product_url(product), {"title": "Second"}, format="json", HTTP_IF_MATCH='"1"')
    # then it is refused and the first change survives
    assert response.status_code == 412
    assert response.json()["code"] == "precondition_failed"
    assert Product.objects.get(pk=product.pk).title == "First"


def test_product_patch_with_current_if_match_succeeds(api, product):
    response = api.patch(_product_url(product), {"title": "Ok"}, format="json", HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 200
    assert response.json()["version"] == 2


def test_product_patch_with_stale_version_field_is_409(api, product):
    api.patch(_product_url(product), {"title": "First"}, format="json")
    response = api.patch(_product_url(product), {"title": "Second", "version": 1}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "version_conflict"
    assert body["current_version"] == 2
    assert Product.objects.get(pk=product.pk).title == "First"


def test_product_archive_action(api, product):
    response = api.post(f"{_product_url(product)}archive/")
    assert response.status_code == 200
    assert response.json()["status"] == "archived"
    assert Product.objects.get(pk=product.pk).status == "archived"


def test_product_delete_is_refused_to_a_viewer(viewer_api, product):
    # Deleting through the API is offered since issue 20 (tests/catalog/test_product_actions.py); a viewer may not.
    response = viewer_api.delete(_product_url(product))
    assert response.status_code == 403
    assert Product.objects.filter(pk=product.pk).exists()


# --- Images ---


def test_image_upload_multipart(api, product, png_bytes):
    upload = SimpleUploadedFile("side.png", png_bytes((250, 250, 250)), content_type="image/png")
    response = api.post(f"{_product_url(product)}images/", {"image": upload, "alt_text": "Side"}, format="multipart")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["width"] == 32
    assert body["alt_text"] == "Side"
    assert body["is_primary"] is True
    assert body["metadata"]["white_background"] is True
    assert ProductImage.objects.filter(product=product).count() == 1


def test_image_upload_of_non_image_is_field_error(api, product):
    upload = SimpleUploadedFile("evil.png", b"not an image at all", content_type="image/png")
    response = api.post(f"{_product_url(product)}images/", {"image": upload}, format="multipart")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["errors"][0]["field"] is None
    assert not ProductImage.objects.exists()


def test_image_upload_duplicate_is_refused(api, product, png_bytes):
    image_add(product=product, upload=png_bytes(), filename="a.png")
    upload = SimpleUploadedFile("again.png", png_bytes(), content_type="image/png")
    response = api.post(f"{_product_url(product)}images/", {"image": upload}, format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "duplicate"
    assert ProductImage.objects.count() == 1


def test_image_update_and_delete(api, product, png_bytes):
    first = image_add(product=product, upload=png_bytes((1, 1, 1)), filename="a.png")
    second = image_add(product=product, upload=png_bytes((2, 2, 2)), filename="b.png")
    response = api.patch(f"/api/v1/images/{second.pk}/", {"is_primary": True}, format="json")
    assert response.status_code == 200
    assert ProductImage.objects.get(pk=first.pk).is_primary is False
    assert api.delete(f"/api/v1/images/{second.pk}/").status_code == 204
    assert ProductImage.objects.get(pk=first.pk).is_primary is True
    assert api.get("/api/v1/images/", {"product": product.pk}).json()["count"] == 1


# --- Variants ---


def test_variant_create_update_delete(api, product):
    response = api.post(
        "/api/v1/variants/", {"product": product.pk, "sku": "V-1", "options": {"Size": "M"}}, format="json"
    )
    assert response.status_code == 201, response.json()
    variant_id = response.json()["id"]
    response = api.patch(f"/api/v1/variants/{variant_id}/", {"barcode": "4006381333931", "product": 999}, format="json")
    assert response.status_code == 200
    assert Variant.objects.get(pk=variant_id).barcode == "4006381333931"
    assert Variant.objects.get(pk=variant_id).product_id == product.pk
    assert api.get("/api/v1/variants/", {"product": product.pk}).json()["count"] == 1
    assert api.delete(f"/api/v1/variants/{variant_id}/").status_code == 204
    assert not Variant.objects.exists()


def test_variant_sku_clash_with_product_is_field_error(api, product):
    response = api.post("/api/v1/variants/", {"product": product.pk, "sku": "SHOE-1"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "sku"
    assert not Variant.objects.exists()


def test_variant_options_must_be_flat(api, product):
    response = api.post(
        "/api/v1/variants/", {"product": product.pk, "sku": "V-2", "options": {"Size": {"x": 1}}}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "options.Size"


# --- Categories ---


def test_category_create_and_tree_names(api, category):
    response = api.post("/api/v1/categories/", {"name": "Trail", "parent": category.pk}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["slug"] == "trail"
    assert response.json()["full_name"] == "Shoes > Trail"
    listed = api.get("/api/v1/categories/", {"parent": category.pk}).json()["results"]
    assert [c["full_name"] for c in listed] == ["Shoes > Trail"]


def test_category_move_into_own_child_is_refused(api, category):
    child = CategoryFactory(name="Inner", parent=category)
    response = api.patch(f"/api/v1/categories/{category.pk}/", {"parent": child.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "parent"
    assert Category.objects.get(pk=category.pk).parent_id is None


def test_category_delete_with_products_is_409(api, product, category):
    response = api.delete(f"/api/v1/categories/{category.pk}/")
    assert response.status_code == 409
    assert response.json()["code"] == "protected"
    assert Category.objects.filter(pk=category.pk).exists()


def test_category_delete_unused(api):
    empty = CategoryFactory(name="Empty")
    assert api.delete(f"/api/v1/categories/{empty.pk}/").status_code == 204
    assert not Category.objects.filter(pk=empty.pk).exists()


# --- Bulk ---


def test_bulk_create_reject_all_applies_nothing_on_failure(api, product):
    items = [{"sku": "OK-1", "title": "Ok", "price": "1.00"}, {"sku": "SHOE-1", "title": "Dup", "price": "1.00"}]
    response = api.post(f"{PRODUCTS}bulk-create/", {"policy": "reject_all", "items": items}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["applied"], body["failed"]) == (0, 1)
    assert [r["status"] for r in body["results"]] == ["not_applied", "failed"]
    assert body["results"][1]["errors"][0]["errors"][0]["field"] == "sku"
    assert not Product.objects.filter(sku="OK-1").exists()


def test_bulk_create_skip_failed_saves_the_rest(api, product):
    items = [
        {"sku": "OK-1", "title": "Ok", "price": "1.00"},
        {"sku": "BAD-1", "title": "Bad"},
        {"sku": "OK-2", "title": "Ok 2", "price": "2.00"},
    ]
    response = api.post(f"{PRODUCTS}bulk-create/", {"policy": "skip_failed", "items": items}, format="json")
    body = response.json()
    assert (body["applied"], body["failed"]) == (2, 1)
    assert [r["status"] for r in body["results"]] == ["created", "failed", "created"]
    assert body["results"][0]["data"]["sku"] == "OK-1"
    assert body["results"][1]["errors"][0]["errors"] == [
        {"field": "price", "code": "required", "message": "This field is required."}
    ]
    assert set(Product.objects.values_list("sku", flat=True)) == {"SHOE-1", "OK-1", "OK-2"}


def test_bulk_update_with_versions(api, product):
    other = ProductFactory(sku="OTHER")
    items = [
        {"id": product.pk, "title": "New title", "version": 1},
        {"id": other.pk, "price": "3.00", "version": 5},
        {"id": 10**9, "title": "ghost"},
    ]
    response = api.post(f"{PRODUCTS}bulk-update/", {"policy": "skip_failed", "items": items}, format="json")
    body = response.json()
    assert [r["status"] for r in body["results"]] == ["updated", "failed", "failed"]
    assert body["results"][1]["errors"][0]["code"] == "version_conflict"
    assert body["results"][2]["errors"][0]["errors"][0]["field"] == "id"
    assert Product.objects.get(pk=product.pk).title == "New title"
    assert Product.objects.get(pk=other.pk).price == Decimal("19.90")


def test_bulk_rejects_too_many_items(api):
    items = [{"sku": f"S-{i}", "title": "t", "price": "1"} for i in range(101)]
    response = api.post(f"{PRODUCTS}bulk-create/", {"items": items}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "items"
    assert not Product.objects.exists()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page_size": "x"}, "page_size"),
        ({"page_size": "0"}, "page_size"),
        ({"price_min": ""}, "price_min"),
        ({"updated_before": ""}, "updated_before"),
    ],
)
def test_malformed_query_parameters_are_400(api, product, params, field):
    response = api.get(PRODUCTS, params)
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_filter_given_twice_is_400(api, product):
    response = api.get(f"{PRODUCTS}?brand=a&brand=b")
    assert response.status_code == 400
    assert response.json()["errors"][0] == {"field": "brand", "code": "invalid", "message": "Give this filter once."}


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/api/v1/images/", {"is_primary": "AAA"}),
        ("/api/v1/variants/", {"product": "0.5"}),
        ("/api/v1/variants/", {"product": str(10**30)}),
        ("/api/v1/products/", {"page_size": "201"}),
    ],
)
def test_malformed_typed_filters_are_400(api, url, params):
    response = api.get(url, params)
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == list(params)


def test_huge_ids_in_bodies_are_field_errors(api, product):
    response = api.post("/api/v1/variants/", {"product": 10**30, "sku": "HUGE-1"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "product"
    response = api.post(f"{PRODUCTS}bulk-update/", {"items": [{"id": 10**30, "title": "x"}]}, format="json")
    assert response.json()["results"][0]["status"] == "failed"


def test_strict_json_types(api, category):
    response = api.patch(f"/api/v1/categories/{category.pk}/", {"is_active": 0, "slug": 5}, format="json")
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"is_active", "slug"}
    response = api.post(PRODUCTS, {"sku": "N-1", "title": "n", "price": 9.5}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "price"
