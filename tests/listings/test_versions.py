"""Content versions, rollback and changesets (docs/catalog.md#versions): the services."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Category
from catalog.services import category_create, image_delete, product_create, product_update
from common.errors import ApplicationError
from listings.choices import ChangesetKind, ChangesetStatus, ChangeType
from listings.models import Changeset, ListingVersion, ProductVersion
from listings.selectors import listing_version_content, version_diff
from listings.services import (
    changeset_open,
    changeset_undo,
    content_versions_record,
    listing_update,
    listing_version_rollback,
    product_version_rollback,
)
from listings.versions import content_change, content_diff

pytestmark = pytest.mark.django_db


def _numbers(model, **owner):
    return list(model.objects.filter(**owner).order_by("version_number").values_list("version_number", "change_type"))


def test_product_create_and_update_record_numbered_versions_with_the_change(listable_product, admin_user):
    product_update(product=listable_product, user=admin_user, title="Better kettle", bullet_point_1="Boils fast")
    versions = list(ProductVersion.objects.filter(product=listable_product).order_by("version_number"))
    # created, image added, then the edit
    assert [v.version_number for v in versions] == [1, 2, 3]
    last = versions[-1]
    assert (last.change_type, last.source, last.created_by) == (ChangeType.MANUAL, "user", admin_user)
    assert set(last.changed_fields) == {"title", "bullet_point_1"}
    assert last.snapshot["title"] == "Better kettle"
    assert last.snapshot["bullet_point_1"] == "Boils fast"


def test_a_save_that_changes_no_content_writes_no_version(listable_product):
    before = ProductVersion.objects.count()
    product_update(product=listable_product, price="25.00")  # an offer, not content
    product_update(product=listable_product, title=listable_product.title)
    assert ProductVersion.objects.count() == before


def test_product_change_versions_each_listing_once_and_stores_the_text_once(make_listing, make_channel, admin_user):
    first = make_listing()
    product = first.product
    others = [make_listing(product=product, channel=make_channel("shopify")) for _ in range(5)]
    listing_update(listing=others[0], title="Own title on this channel")
    product_versions_before = ProductVersion.objects.filter(product=product).count()

    product_update(product=product, user=admin_user, title="New product title", seo_title="SEO")

    # one product version, holding the text
    assert ProductVersion.objects.filter(product=product).count() == product_versions_before + 1
    newest = ProductVersion.objects.filter(product=product).order_by("-version_number").first()
    # each of the six listings gets a version pointing at it; none stores the text again
    new_listing_versions = ListingVersion.objects.filter(product_version=newest)
    assert new_listing_versions.count() == 6
    assert all("title" not in v.overrides for v in new_listing_versions if v.listing_id != others[0].pk)
    own = new_listing_versions.get(listing=others[0])
    # the override hides the title change: only the SEO title changed for that listing
    assert own.changed_fields == ["seo_title"]
    assert listing_version_content(own)["title"] == "Own title on this channel"


def test_listing_override_edit_records_a_listing_version_only(make_listing):
    listing = make_listing()
    products_before = ProductVersion.objects.count()
    listing_update(listing=listing, bullet_points=["Own bullet"], search_terms="kettle steel")
    version = ListingVersion.objects.filter(listing=listing).order_by("-version_number").first()
    assert set(version.changed_fields) == {"bullet_points", "search_terms"}
    assert ProductVersion.objects.count() == products_before
    assert listing_version_content(version)["bullet_points"] == ["Own bullet"]


def test_api_and_bulk_contexts_name_the_change_type(listable_product):
    with content_change(change_type=ChangeType.API):
        product_update(product=listable_product, title="From the API")
    assert ProductVersion.objects.filter(product=listable_product).latest("version_number").change_type == "api"


def test_record_is_set_wise(make_listable_product):
    products = [make_listable_product() for _ in range(3)]
    for p in products:
        Category.objects.filter(pk=p.category_id)  # noqa: B018
    type(products[0]).objects.filter(pk__in=[p.pk for p in products]).update(title="Changed in bulk")
    with CaptureQueriesContext(connection) as few:
        content_versions_record(product_ids=[products[0].pk], change_type=ChangeType.BULK)
    more = [make_listable_product() for _ in range(5)]
    type(products[0]).objects.filter(pk__in=[p.pk for p in more]).update(title="Changed in bulk")
    with CaptureQueriesContext(connection) as many:
        recorded = content_versions_record(product_ids=[p.pk for p in more], change_type=ChangeType.BULK)
    assert recorded.products == 5
    assert len(many) == len(few)


# --- Rollback ---


def test_product_rollback_writes_a_new_rollback_version_with_the_old_content(listable_product, admin_user):
    product_update(product=listable_product, title="Second title", short_description="<p>short</p>")
    old = ProductVersion.objects.filter(product=listable_product).latest("version_number")
    product_update(product=listable_product, title="Third title")

    result = product_version_rollback(
        product=listable_product, version_number=old.version_number, reason="Typo", user=admin_user
    )

    listable_product.refresh_from_db()
    assert listable_product.title == "Second title"
    assert result.version.change_type == ChangeType.ROLLBACK
    assert result.version.change_reason == "Typo"
    assert result.version.source == f"rollback to v{old.version_number}"
    assert result.version.version_number == old.version_number + 2  # history is never rewritten
    assert result.skipped == {}


def test_rollback_needs_a_reason_and_an_existing_version(listable_product):
    with pytest.raises(ValidationError, match="a reason is required"):
        product_version_rollback(product=listable_product, version_number=1, reason="  ")
    with pytest.raises(ApplicationError, match=r"has no version 99 \(the latest is 2\)") as exc:
        product_version_rollback(product=listable_product, version_number=99, reason="why")
    assert exc.value.extra["code"] == "not_found"
    with pytest.raises(ApplicationError, match="'x' is not a version number"):
        product_version_rollback(product=listable_product, version_number="x", reason="why")


def test_rollback_of_a_version_of_another_product_is_refused(make_listable_product):
    one, other = make_listable_product(), make_listable_product()
    product_update(product=other, title="x")
    product_update(product=other, title="y")
    with pytest.raises(ApplicationError, match=f"Product {one.sku} has no version 4"):
        product_version_rollback(product=one, version_number=4, reason="why")


def test_second_of_two_concurrent_rollbacks_gets_a_conflict(make_listing):
    listing = make_listing()
    listing_update(listing=listing, title="First override")
    listing_update(listing=listing, title="Second override")
    latest = ListingVersion.objects.filter(listing=listing).latest("version_number").version_number
    listing_version_rollback(listing=listing, version_number=1, reason="A", expected_version=latest)
    with pytest.raises(ApplicationError, match="changed while you were looking") as exc:
        listing_version_rollback(listing=listing, version_number=2, reason="B", expected_version=latest)
    assert exc.value.extra["code"] == "version_conflict"


def test_rollback_to_a_deleted_category_is_refused_or_skipped(make_listable_product):
    old_category = category_create(name="Old shelf")
    product = make_listable_product(category=old_category)
    v = ProductVersion.objects.filter(product=product).latest("version_number").version_number
    product_update(product=product, category=category_create(name="New shelf"), title="Moved")
    Category.objects.filter(pk=old_category.pk).delete()

    with pytest.raises(ApplicationError, match=f"category #{old_category.pk} was deleted") as exc:
        product_version_rollback(product=product, version_number=v, reason="undo move")
    assert exc.value.extra["code"] == "invalid_restore"
    product.refresh_from_db()
    assert product.title == "Moved"  # nothing applied

    result = product_version_rollback(product=product, version_number=v, reason="undo move", skip_invalid=True)
    product.refresh_from_db()
    assert product.title != "Moved"
    assert product.category.name == "New shelf"
    assert "category_id" in result.skipped


def test_rollback_names_removed_images(listable_product):
    v = ProductVersion.objects.filter(product=listable_product).latest("version_number").version_number
    image = listable_product.images.get()
    image_pk = image.pk
    image_delete(image=image)
    with pytest.raises(ApplicationError, match=f"image\\(s\\) #{image_pk} were removed"):
        product_version_rollback(product=listable_product, version_number=v, reason="images")


def test_listing_rollback_restores_text_through_overrides(make_listing):
    listing = make_listing()
    first = ListingVersion.objects.filter(listing=listing).latest("version_number")
    listing_update(listing=listing, title="Override", seo_description="desc")
    product_update(product=listing.product, bullet_point_1="New bullet")
    listing.refresh_from_db()

    result = listing_version_rollback(listing=listing, version_number=first.version_number, reason="back")

    listing.refresh_from_db()
    assert listing.title is None
    assert listing.seo_description is None
    assert listing.bullet_points == []  # the product gained a bullet since: the listing shows none, as then
    assert result.version.change_type == ChangeType.ROLLBACK
    assert listing_version_content(result.version)["title"] == listing_version_content(first)["title"]


def test_listing_rollback_refuses_product_values(make_listing):
    listing = make_listing()
    first = ListingVersion.objects.filter(listing=listing).latest("version_number").version_number
    product_update(product=listing.product, handle="new-handle")
    with pytest.raises(ApplicationError, match=r"product values this listing cannot restore \(handle\)"):
        listing_version_rollback(listing=listing, version_number=first, reason="back")
    result = listing_version_rollback(listing=listing, version_number=first, reason="back", skip_invalid=True)
    assert "handle" in result.skipped


# --- Changesets ---


def _bulk_edit(products, user, title):
    changeset = changeset_open(kind=ChangesetKind.BULK_EDIT, description="titles", user=user)
    with content_change(change_type=ChangeType.BULK, source=f"changeset #{changeset.pk}", changeset_id=changeset.pk):
        for p in products:
            product_update(product=p, user=user, title=f"{title} {p.pk}")
    return changeset


def test_undo_changeset_restores_items_and_names_those_changed_since(make_listable_product, admin_user):
    products = [make_listable_product() for _ in range(3)]
    titles = {p.pk: p.title for p in products}
    changeset = _bulk_edit(products, admin_user, "Bulk")
    product_update(product=products[1], title="Edited after the bulk edit")

    report = changeset_undo(changeset=changeset, user=admin_user)

    assert report.restored == 2
    assert report.conflicts == [f"{products[1].sku}: changed since (version 4, Manual edit by user)"]
    for p in (products[0], products[2]):
        p.refresh_from_db()
        assert p.title == titles[p.pk]
    products[1].refresh_from_db()
    assert products[1].title == "Edited after the bulk edit"  # nothing lost
    changeset.refresh_from_db()
    assert changeset.status == ChangesetStatus.UNDONE
    assert changeset.undo_report["restored"] == 2


def test_undo_of_a_changeset_already_undone_is_refused(listable_product, admin_user):
    changeset = _bulk_edit([listable_product], admin_user, "Bulk")
    changeset_undo(changeset=changeset, user=admin_user)
    with pytest.raises(ApplicationError, match=f"Changeset #{changeset.pk} was already undone") as exc:
        changeset_undo(changeset=changeset, user=admin_user)
    assert exc.value.extra["code"] == "already_undone"


def test_undo_restores_listing_overrides(make_listing, admin_user):
    listing = make_listing()
    changeset = changeset_open(kind=ChangesetKind.BULK_EDIT, user=admin_user)
    with content_change(change_type=ChangeType.BULK, changeset_id=changeset.pk):
        listing_update(listing=listing, title="Bulk override")
    report = changeset_undo(changeset=changeset, user=admin_user)
    listing.refresh_from_db()
    assert (report.restored, listing.title) == (1, None)


def test_large_undo_runs_as_a_job_with_progress(make_listable_product, admin_user, settings, monkeypatch):
    from listings.services import versions as versions_service
    from listings.tasks import changeset_undo_task

    monkeypatch.setattr(versions_service, "UNDO_SYNC_MAX", 1)
    queued = []
    monkeypatch.setattr("common.enqueue.enqueue", lambda func, *args, **kw: queued.append((func, args)))
    products = [make_listable_product() for _ in range(2)]
    changeset = _bulk_edit(products, admin_user, "Bulk")

    report = changeset_undo(changeset=changeset, user=admin_user)

    assert report.queued
    changeset.refresh_from_db()
    assert (changeset.status, changeset.undo_total) == (ChangesetStatus.UNDOING, 2)
    with pytest.raises(ApplicationError, match="is being undone already"):
        changeset_undo(changeset=changeset, user=admin_user)
    func, args = queued[0]
    assert func is changeset_undo_task
    func(*args)
    changeset.refresh_from_db()
    assert (changeset.status, changeset.undo_done, changeset.undo_report["restored"]) == ("undone", 2, 2)
    changeset_undo_task(changeset.pk, None)  # a second run finds nothing to do


def test_undo_skips_products_created_by_the_changeset(admin_user):
    changeset = changeset_open(kind=ChangesetKind.IMPORT, user=admin_user)
    with content_change(change_type=ChangeType.IMPORT, changeset_id=changeset.pk):
        product_create(sku="NEW-1", title="New", price="1.00")
    report = changeset_undo(changeset=changeset, user=admin_user)
    assert report.skipped == ["NEW-1: created by this changeset (nothing before it)"]
    assert str(Changeset.objects.get()) == f"Changeset #{changeset.pk} (Import commit)"


# --- Diff ---


def test_diff_highlights_changed_words_and_escapes_html(listable_product):
    product_update(product=listable_product, description="<p>The quick brown fox</p>")
    older = ProductVersion.objects.filter(product=listable_product).latest("version_number")
    product_update(product=listable_product, description="<p>The slow brown fox</p>", bullet_point_2="B")
    newer = ProductVersion.objects.filter(product=listable_product).latest("version_number")
    diff = {d.name: d for d in version_diff(older, newer)}
    assert set(diff) == {"description", "bullet_point_2"}
    assert "<del>quick</del>" in diff["description"].old_html
    assert "<ins>slow</ins>" in diff["description"].new_html
    assert "&lt;p&gt;" in diff["description"].new_html
    assert diff["bullet_point_2"].label == "Bullet point 2"
    assert content_diff(None, {"title": "x", "attributes": {"a": 1}}, ("title", "attributes"))[1].new == "a: 1"
    assert str(older) == f"Product #{listable_product.pk} v{older.version_number}"


def test_many_versions_go_in_one_plain_insert_and_listings_still_point_at_them(make_listing, monkeypatch):
    from listings.services import versions as versions_service

    monkeypatch.setattr(versions_service, "RAW_INSERT_MIN", 1)
    listing = make_listing()
    type(listing.product).objects.filter(pk=listing.product_id).update(title="Changed by a bulk write")

    recorded = content_versions_record(product_ids=[listing.product_id], change_type=ChangeType.BULK)

    assert (recorded.products, recorded.listings) == (1, 1)
    newest = ListingVersion.objects.filter(listing=listing).latest("version_number")
    assert newest.product_version.snapshot["title"] == "Changed by a bulk write"
    assert newest.changed_fields == ["title"]
