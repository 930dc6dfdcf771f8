"""Role matrix of the API: viewer reads, editor writes the catalog, admin does all; no role sees nothing."""

import pytest

from catalog.models import Category, Product

pytestmark = pytest.mark.django_db


def test_token_header_variants_authenticate(api_user, product):
    # given a token for the editor
    from rest_framework.test import APIClient

    from accounts.services import token_create

    _, key = token_create(user=api_user, name="script")
    for scheme in ("Token", "Bearer"):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"{scheme} {key}")
        # then both header schemes work
        assert client.get("/api/v1/products/").status_code == 200


def test_bad_token_is_401_with_challenge(anon_api, product):
    anon_api.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")
    response = anon_api.get("/api/v1/products/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Token realm="api"'
    assert response.json()["code"] == "authentication_failed"


def test_viewer_reads_but_cannot_write(viewer_api, product, category):
    assert viewer_api.get("/api/v1/products/").status_code == 200
    assert viewer_api.get(f"/api/v1/products/{product.pk}/").status_code == 200
    assert viewer_api.get("/api/v1/categories/").status_code == 200
    writes = [
        viewer_api.patch(f"/api/v1/products/{product.pk}/", {"title": "Hacked"}, format="json"),
        viewer_api.post("/api/v1/products/", {"sku": "V-1", "title": "x", "price": "1"}, format="json"),
        viewer_api.post(f"/api/v1/products/{product.pk}/archive/"),
        viewer_api.post("/api/v1/products/bulk-create/", {"items": [{}]}, format="json"),
        viewer_api.delete(f"/api/v1/categories/{category.pk}/"),
    ]
    assert [r.status_code for r in writes] == [403] * 5
    assert writes[0].json() == {
        "status": 403,
        "code": "permission_denied",
        "detail": "Your role does not allow this.",
        "errors": [],
    }
    assert Product.objects.get(pk=product.pk).title == "Trail shoe"
    assert Product.objects.count() == 1
    assert Category.objects.filter(pk=category.pk).exists()


def test_roleless_user_sees_nothing(roleless_api, product):
    assert roleless_api.get("/api/v1/products/").status_code == 403
    assert roleless_api.get(f"/api/v1/products/{product.pk}/").status_code == 403


def test_channel_manager_cannot_edit_catalog(channel_manager_api, product):
    response = channel_manager_api.patch(f"/api/v1/products/{product.pk}/", {"title": "x"}, format="json")
    assert response.status_code == 403
    assert Product.objects.get(pk=product.pk).title == "Trail shoe"


def test_editor_and_admin_write_catalog(api, admin_api, product):
    assert api.patch(f"/api/v1/products/{product.pk}/", {"title": "By editor"}, format="json").status_code == 200
    assert admin_api.patch(f"/api/v1/products/{product.pk}/", {"title": "By admin"}, format="json").status_code == 200
    assert Product.objects.get(pk=product.pk).title == "By admin"


def test_schema_and_docs_are_public(anon_api):
    schema = anon_api.get("/api/schema/")
    assert schema.status_code == 200
    assert b"openapi: 3" in schema.content
    assert anon_api.get("/api/docs/").status_code == 200


def test_unknown_api_path_is_json_404(api):
    response = api.post("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
