"""Versions API (docs/catalog.md#versions): list, detail, rollback under listings and products; changesets."""

import pytest

from catalog.services import product_update
from listings.choices import ChangesetKind, ChangeType
from listings.models import ListingVersion, ProductVersion
from listings.services import changeset_open, listing_update
from listings.versions import content_change

pytestmark = pytest.mark.django_db


def test_product_edit_through_the_api_records_an_api_version_and_lists_it(api, listable_product):
    response = api.patch(f"/api/v1/products/{listable_product.pk}/", {"title": "Via API"}, format="json")
    assert response.status_code == 200, response.json()

    versions = api.get(f"/api/v1/products/{listable_product.pk}/versions/").json()
    assert versions[0]["change_type"] == "api"
    assert versions[0]["created_by"] == "api-editor"
    assert versions[0]["changed_fields"] == ["title"]
    assert [v["version_number"] for v in versions] == [3, 2, 1]

    detail = api.get(f"/api/v1/products/{listable_product.pk}/versions/3/").json()
    assert detail["content"]["title"] == "Via API"
    assert detail["diff"] == [{"field": "title", "label": "Title", "old": listable_product.title, "new": "Via API"}]


def test_listing_versions_detail_and_rollback(api, make_listing):
    listing = make_listing()
    listing_update(listing=listing, title="Override")
    base = f"/api/v1/listings/{listing.pk}/versions/"
    assert [v["version_number"] for v in api.get(base).json()] == [2, 1]
    assert api.get(f"{base}2/").json()["content"]["title"] == "Override"

    response = api.post(f"{base}1/rollback/", {"reason": "Back to the product title"}, format="json")

    assert response.status_code == 201, response.json()
    assert response.json() == {"version_number": 3, "skipped": {}}
    listing.refresh_from_db()
    assert listing.title is None
    newest = ListingVersion.objects.filter(listing=listing).latest("version_number")
    assert (newest.change_type, newest.change_reason) == ("rollback", "Back to the product title")


def test_rollback_bad_input(api, make_listing, listable_product):
    listing = make_listing()
    base = f"/api/v1/listings/{listing.pk}/versions/"
    missing = api.post(f"{base}9/rollback/", {"reason": "x"}, format="json")
    assert missing.status_code == 404
    assert "has no version 9 (the latest is 1)" in missing.json()["detail"]
    no_reason = api.post(f"{base}1/rollback/", {"reason": ""}, format="json")
    assert no_reason.status_code == 400
    assert "reason is required" in str(no_reason.json())
    assert api.get(f"{base}9/").status_code == 404
    assert api.get("/api/v1/listings/999999/versions/").status_code == 404

    listing_update(listing=listing, title="A")
    stale = api.post(f"{base}1/rollback/", {"reason": "x", "expected_version": 1}, format="json")
    assert stale.status_code == 409
    assert "changed while you were looking" in stale.json()["detail"]

    product_update(product=listable_product, handle="other-handle")
    product_base = f"/api/v1/products/{listable_product.pk}/versions/"
    assert api.post(f"{product_base}1/rollback/", {"reason": "x"}, format="json").status_code == 201


def test_changesets_list_and_undo(api, listable_product):
    changeset = changeset_open(kind=ChangesetKind.BULK_EDIT, description="Titles")
    with content_change(change_type=ChangeType.BULK, changeset_id=changeset.pk):
        product_update(product=listable_product, title="Bulk title")

    assert api.get("/api/v1/changesets/").json()["results"][0]["id"] == changeset.pk

    undone = api.post(f"/api/v1/changesets/{changeset.pk}/undo/")
    assert undone.status_code == 200
    assert undone.json() == {"queued": False, "restored": 1, "conflicts": [], "skipped": []}
    again = api.post(f"/api/v1/changesets/{changeset.pk}/undo/")
    assert again.status_code == 409
    assert "already undone" in again.json()["detail"]
    assert ProductVersion.objects.filter(product=listable_product).latest("version_number").change_type == "rollback"


def test_viewer_cannot_roll_back(viewer_api, make_listing):
    listing = make_listing()
    assert viewer_api.get(f"/api/v1/listings/{listing.pk}/versions/").status_code == 200
    response = viewer_api.post(f"/api/v1/listings/{listing.pk}/versions/1/rollback/", {"reason": "x"}, format="json")
    assert response.status_code == 403


def test_versions_paths_are_in_the_schema(api):
    paths = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    for path in (
        "/api/v1/listings/{id}/versions/",
        "/api/v1/listings/{id}/versions/{n}/",
        "/api/v1/listings/{id}/versions/{n}/rollback/",
        "/api/v1/products/{id}/versions/",
        "/api/v1/products/{id}/versions/{n}/",
        "/api/v1/products/{id}/versions/{n}/rollback/",
        "/api/v1/changesets/",
        "/api/v1/changesets/{id}/undo/",
    ):
        assert path in paths, path


def test_bulk_update_is_one_changeset_that_undo_reverts(api, make_listing):
    listings = [make_listing() for _ in range(2)]
    items = [{"id": listing.pk, "title": f"Bulk {listing.pk}"} for listing in listings]
    response = api.post("/api/v1/listings/bulk-update/", {"items": items}, format="json")
    assert response.status_code == 200, response.json()
    changeset = api.get("/api/v1/changesets/").json()["results"][0]
    assert changeset["kind"] == "bulk_edit"
    newest = ListingVersion.objects.filter(listing=listings[0]).latest("version_number")
    assert (newest.change_type, newest.changeset_id) == ("api", changeset["id"])

    undone = api.post(f"/api/v1/changesets/{changeset['id']}/undo/").json()

    assert undone["restored"] == 2
    for listing in listings:
        listing.refresh_from_db()
        assert listing.title is None


def test_a_version_made_by_no_user_is_listed_with_a_null_author_the_schema_allows(api, make_listing):
    listing = make_listing()  # its first version is written by a service call, with no user
    versions = api.get(f"/api/v1/listings/{listing.pk}/versions/").json()
    assert versions[-1]["created_by"] is None
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    author = schema["components"]["schemas"]["VersionBase"]["properties"]["created_by"]
    assert author.get("nullable") is True
