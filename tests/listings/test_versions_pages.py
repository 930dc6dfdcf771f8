"""History pages (docs/catalog.md#versions): history tab, compare, rollback with reason, changesets and undo."""

import pytest

from catalog.services import product_update
from listings.choices import ChangesetKind, ChangeType
from listings.models import ListingVersion, ProductVersion
from listings.services import changeset_open, listing_update
from listings.versions import content_change

pytestmark = pytest.mark.django_db


def test_product_history_shows_who_when_why_and_the_diff(staff_client, listable_product, admin_user):
    product_update(product=listable_product, user=admin_user, title="Shiny new title")
    response = staff_client.get(f"/listings/product/{listable_product.pk}/history/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Version 3" in page
    assert "Manual edit" in page
    assert "boss" in page
    assert "<ins>Shiny new title</ins>" in page or "<ins>Shiny" in page
    assert "Roll back to version 2" in page
    assert "Roll back to version 3" not in page
    detail = staff_client.get(f"/catalog/products/{listable_product.pk}/").content.decode()
    assert f"/listings/product/{listable_product.pk}/history/" in detail


def test_rollback_from_the_page_needs_a_reason(staff_client, listable_product):
    product_update(product=listable_product, title="Second")
    url = f"/listings/product/{listable_product.pk}/history/rollback/"
    refused = staff_client.post(url, {"version_number": 1, "reason": "", "expected_version": 3}, follow=True)
    assert "Rollback refused: Say why you roll back" in refused.content.decode()
    done = staff_client.post(url, {"version_number": 1, "reason": "typo", "expected_version": 3}, follow=True)
    assert "Rolled back to version 1: version 4." in done.content.decode()
    stale = staff_client.post(url, {"version_number": 1, "reason": "again", "expected_version": 3}, follow=True)
    assert "changed while you were looking" in stale.content.decode()
    missing = staff_client.post(url, {"version_number": 77, "reason": "x"}, follow=True)
    assert "has no version 77" in missing.content.decode()


def test_listing_history_compare_and_rollback(staff_client, make_listing):
    listing = make_listing()
    listing_update(listing=listing, description="<p>An own description here</p>")
    history = staff_client.get(f"/listings/{listing.pk}/history/")
    assert history.status_code == 200
    assert "Version 2" in history.content.decode()
    compare = staff_client.get(f"/listings/{listing.pk}/history/compare/?a=1&b=2").content.decode()
    assert "Version 1 → version 2" in compare
    assert "<ins>" in compare
    bad = staff_client.get(f"/listings/{listing.pk}/history/compare/?a=1&b=9").content.decode()
    assert "There is no version 9" in bad
    assert (
        "There is no version x" in staff_client.get(f"/listings/{listing.pk}/history/compare/?a=x&b=1").content.decode()
    )
    staff_client.post(f"/listings/{listing.pk}/history/rollback/", {"version_number": 1, "reason": "own text off"})
    listing.refresh_from_db()
    assert listing.description is None
    assert ListingVersion.objects.filter(listing=listing).latest("version_number").change_type == "rollback"
    assert staff_client.get("/listings/999999/history/").status_code == 404


def test_changesets_page_and_undo(staff_client, listable_product, admin_user):
    changeset = changeset_open(kind=ChangesetKind.BULK_EDIT, description="Spring titles", user=admin_user)
    with content_change(change_type=ChangeType.BULK, changeset_id=changeset.pk):
        product_update(product=listable_product, title="Spring")
    page = staff_client.get("/listings/changesets/").content.decode()
    assert "Spring titles" in page
    assert "Confirm undo" in page
    done = staff_client.post(f"/listings/changesets/{changeset.pk}/undo/", follow=True).content.decode()
    assert f"Changeset #{changeset.pk} undone: 1 item(s) restored." in done
    again = staff_client.post(f"/listings/changesets/{changeset.pk}/undo/", follow=True).content.decode()
    assert "was already undone" in again
    assert ProductVersion.objects.filter(product=listable_product).latest("version_number").change_type == "rollback"


def test_viewer_sees_history_without_rollback(client, make_user, listable_product):
    client.force_login(make_user("viewer-1", "viewer"))
    page = client.get(f"/listings/product/{listable_product.pk}/history/").content.decode()
    assert "Version 2" in page
    assert "Roll back to" not in page
    refused = client.post(f"/listings/product/{listable_product.pk}/history/rollback/", {"version_number": 1})
    assert refused.status_code == 403


def test_admin_shows_versions_read_only(staff_client, listable_product):
    version = ProductVersion.objects.filter(product=listable_product).first()
    assert staff_client.get("/admin/listings/productversion/").status_code == 200
    page = staff_client.get(f"/admin/listings/productversion/{version.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert staff_client.post(f"/admin/listings/productversion/{version.pk}/delete/", {"post": "yes"}).status_code == 403
    assert staff_client.get("/admin/listings/changeset/").status_code == 200
    assert staff_client.get("/admin/listings/listingversion/").status_code == 200
