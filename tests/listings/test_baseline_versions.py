"""Baseline versions (docs/catalog.md#baseline-versions): products and listings from before versions were kept get
a first `baseline` version, chunk by chunk with a fixed number of queries; a second run writes nothing."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.services import product_update
from listings.choices import ChangeType
from listings.models import ListingVersion, ProductVersion
from listings.selectors import listing_version_content
from listings.services import (
    content_versions_baseline,
    listing_update,
    listing_version_rollback,
    product_version_rollback,
)
from listings.services.versions import products_content_read
from tests.catalog.factories import ProductFactory

pytestmark = pytest.mark.django_db


def _forget_versions():
    """As before versions were kept: no version of anything."""
    ListingVersion.objects.all().delete()
    ProductVersion.objects.all().delete()


def _versions(model, **owner):
    return list(model.objects.filter(**owner).order_by("version_number").values_list("version_number", "change_type"))


def test_products_and_listings_without_versions_get_a_baseline_of_what_they_show(make_listing, admin_user):
    # given a listing with its own title, and a product without listings, neither versioned
    listing = make_listing()
    listing_update(listing=listing, title="Channel title")
    plain = ProductFactory(sku="PLAIN-1", title="Plain", bullet_point_1="Soft")
    _forget_versions()
    # when the baseline is recorded
    result = content_versions_baseline(user=admin_user)
    # then each product and the listing have version 1, of type baseline, holding their current content
    assert (result.products, result.listings, result.chunks) == (2, 1, 1)
    for product in (listing.product, plain):
        [version] = ProductVersion.objects.filter(product=product)
        assert (version.version_number, version.change_type, version.source) == (1, ChangeType.BASELINE, "baseline")
        assert version.snapshot == products_content_read([product.pk])[product.pk]
        assert (version.changed_fields, version.created_by) == ([], admin_user)
    [listing_version] = ListingVersion.objects.filter(listing=listing)
    assert (listing_version.version_number, listing_version.change_type) == (1, ChangeType.BASELINE)
    assert listing_version.product_version.product_id == listing.product_id
    assert listing_version.overrides == {"title": "Channel title"}
    assert listing_version_content(listing_version)["title"] == "Channel title"


def test_a_second_run_writes_nothing(make_listing):
    make_listing()
    _forget_versions()
    content_versions_baseline()
    counts = (ProductVersion.objects.count(), ListingVersion.objects.count())

    again = content_versions_baseline()

    assert (again.products, again.listings) == (0, 0)
    assert (ProductVersion.objects.count(), ListingVersion.objects.count()) == counts


def test_objects_with_versions_keep_theirs_and_a_listing_without_one_points_at_the_latest(make_listing):
    # given a versioned product (3 versions) whose listing lost its versions
    listing = make_listing()
    product_update(product=listing.product, title="Edited title")
    ListingVersion.objects.filter(listing=listing).delete()
    product_versions = _versions(ProductVersion, product=listing.product)
    # when the baseline runs
    result = content_versions_baseline()
    # then the product keeps its versions; the listing's baseline points at the product's latest
    assert (result.products, result.listings) == (0, 1)
    assert _versions(ProductVersion, product=listing.product) == product_versions
    [baseline] = ListingVersion.objects.filter(listing=listing)
    assert baseline.product_version.version_number == product_versions[-1][0]
    assert listing_version_content(baseline)["title"] == "Edited title"


def test_only_the_named_products_when_asked():
    first, second = ProductFactory(sku="ONLY-1"), ProductFactory(sku="ONLY-2")
    _forget_versions()
    result = content_versions_baseline(product_ids=[second.pk])
    assert result.products == 1
    assert list(ProductVersion.objects.values_list("product_id", flat=True)) == [second.pk]
    assert not ProductVersion.objects.filter(product=first).exists()


def test_chunks_take_a_fixed_number_of_queries_whatever_their_size(make_listing):
    # given 12 products, each with a listing, and no versions
    for _ in range(12):
        make_listing()
    # when recorded in 1, 2 and 4 chunks (forgetting the versions before each run)
    queries, results = [], []
    for size in (12, 6, 3):
        _forget_versions()
        with CaptureQueriesContext(connection) as captured:
            results.append(content_versions_baseline(chunk_size=size))
        queries.append(len(captured))
    # then each run wrote the same, and every chunk costs the same few queries, whatever its size
    assert [(r.products, r.listings, r.chunks) for r in results] == [(12, 12, 1), (12, 12, 2), (12, 12, 4)]
    per_chunk = queries[1] - queries[0]
    assert per_chunk <= 10  # chunk read, content (2), product and listing reads, 2 inserts, savepoints
    assert queries[2] - queries[1] == 2 * per_chunk


def test_the_next_change_compares_with_the_baseline_and_a_rollback_restores_it(make_listing, admin_user):
    listing = make_listing()
    original_title = listing.product.title
    _forget_versions()
    content_versions_baseline()

    product_update(product=listing.product, title="After the baseline")
    latest = ProductVersion.objects.filter(product=listing.product).order_by("-version_number").first()
    assert (latest.version_number, latest.changed_fields) == (2, ["title"])

    product_version_rollback(product=listing.product, version_number=1, reason="Back to the start", user=admin_user)
    listing.product.refresh_from_db()
    assert listing.product.title == original_title
    assert _versions(ProductVersion, product=listing.product)[-1] == (3, ChangeType.ROLLBACK)
    listing_version_rollback(listing=listing, version_number=1, reason="Same for the listing", user=admin_user)


def test_a_chunk_size_below_one_is_refused():
    with pytest.raises(ValueError, match="chunk_size must be at least 1"):
        content_versions_baseline(chunk_size=0)


# --- Pages, command, Admin ---


def test_history_page_says_baseline(viewer_client, make_listing):
    listing = make_listing()
    _forget_versions()
    content_versions_baseline()
    for url in (f"/listings/product/{listing.product_id}/history/", f"/listings/{listing.pk}/history/"):
        page = viewer_client.get(url).content.decode()
        assert 'Version 1 <small class="muted">Baseline</small>' in page
        assert "Baseline: the content as it stood when versions began to be kept" in page


def test_api_lists_the_baseline_version(api, make_listing):
    listing = make_listing()
    _forget_versions()
    content_versions_baseline()
    body = api.get(f"/api/v1/listings/{listing.pk}/versions/").json()
    rows = body["results"] if isinstance(body, dict) else body
    assert [(r["version_number"], r["change_type"]) for r in rows] == [(1, "baseline")]


def test_command_records_then_reports_nothing_to_do(make_listing):
    make_listing()
    _forget_versions()
    out = StringIO()
    call_command("record_baseline_versions", "--chunk-size", "1", stdout=out)
    assert out.getvalue().strip() == "baseline: 1 product version(s) and 1 listing version(s) recorded in 1 chunk(s)"
    again = StringIO()
    call_command("record_baseline_versions", stdout=again)
    assert again.getvalue().strip() == "baseline: 0 product version(s) and 0 listing version(s) recorded in 1 chunk(s)"


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--chunk-size", "0"], "--chunk-size must be at least 1."), (["--user", "nobody"], "No user 'nobody'.")],
    ids=["zero_chunk_case", "unknown_user_case"],
)
def test_command_refuses_bad_options_and_writes_nothing(make_listing, args, message):
    make_listing()
    _forget_versions()
    with pytest.raises(CommandError, match=message):
        call_command("record_baseline_versions", *args)
    assert not ProductVersion.objects.exists()


def test_admin_action_records_the_selected_listings_baseline(staff_client, make_listing):
    listing, other = make_listing(), make_listing()
    _forget_versions()
    response = staff_client.post(
        "/admin/listings/listing/", {"action": "record_baseline", "_selected_action": [listing.pk]}, follow=True
    )
    assert "Baseline: 1 product version(s) and 1 listing version(s) recorded." in response.content.decode()
    assert list(ProductVersion.objects.values_list("product_id", flat=True)) == [listing.product_id]
    assert not ListingVersion.objects.filter(listing=other).exists()
