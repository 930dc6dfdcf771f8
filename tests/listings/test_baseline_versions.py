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


# --- API: POST /api/v1/versions/baseline/ ---


def test_api_records_the_baseline_through_the_service_then_nothing(api, make_listing):
    listing, other = make_listing(), make_listing()
    _forget_versions()

    response = api.post("/api/v1/versions/baseline/", {"products": [listing.product_id]}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json() == {"products": 1, "listings": 1, "chunks": 1}
    [version] = ProductVersion.objects.all()
    assert (version.product_id, version.change_type, version.created_by.username) == (
        listing.product_id,
        ChangeType.BASELINE,
        "api-editor",
    )
    assert not ListingVersion.objects.filter(listing=other).exists()
    everything = api.post("/api/v1/versions/baseline/", {"chunk_size": 1}, format="json")
    assert everything.json() == {"products": 1, "listings": 1, "chunks": 2}
    again = api.post("/api/v1/versions/baseline/", {}, format="json")
    assert again.json() == {"products": 0, "listings": 0, "chunks": 1}


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"products": [999999]}, "products", "No product with id 999999."),
        ({"products": []}, "products", "This list may not be empty."),
        ({"products": "all"}, "products", 'Expected a list of items but got type "str".'),
        ({"products": ["x"]}, "products", "A valid integer is required."),
        ({"products": [0]}, "products", "Ensure this value is greater than or equal to 1."),
        ({"products": [2**63]}, "products", "Ensure this value is less than or equal to 9223372036854775807."),
        ({"chunk_size": 0}, "chunk_size", "Ensure this value is greater than or equal to 1."),
        ({"chunk_size": "big"}, "chunk_size", "A valid integer is required."),
        ({"chunk_size": 10_001}, "chunk_size", "Ensure this value is less than or equal to 10000."),
    ],
    ids=[
        "unknown_product",
        "empty_list",
        "not_a_list",
        "not_an_id",
        "zero_id",
        "id_too_large",
        "zero_chunk",
        "text_chunk",
        "huge",
    ],  # fmt: skip
)
def test_api_refuses_bad_input_naming_the_field_and_writes_nothing(api, make_listing, body, field, message):
    make_listing()
    _forget_versions()
    response = api.post("/api/v1/versions/baseline/", body, format="json")
    assert response.status_code == 400
    assert message in str(response.json()), response.json()
    assert field in str(response.json())
    assert not ProductVersion.objects.exists()
    assert not ListingVersion.objects.exists()


def test_api_refuses_a_body_that_is_not_an_object_and_viewers(api, viewer_api, make_listing):
    make_listing()
    _forget_versions()
    not_object = api.post("/api/v1/versions/baseline/", [1, 2], format="json")
    assert not_object.status_code == 400
    assert "Expected a dictionary" in str(not_object.json())
    assert viewer_api.post("/api/v1/versions/baseline/", {}, format="json").status_code == 403
    assert not ProductVersion.objects.exists()


def test_the_schema_has_the_baseline_endpoint(api):
    operation = api.get("/api/schema/?format=json").json()["paths"]["/api/v1/versions/baseline/"]["post"]
    assert operation["operationId"] == "versions_baseline"
    assert "200" in operation["responses"]


def test_rows_whose_version_appeared_meanwhile_are_skipped_and_not_counted(make_listing):
    """The race the ON CONFLICT guards: a chunk read two products without versions, then an edit versioned one of
    them before the INSERT. The count is of rows written (sqlite3's and psycopg's executemany rowcount), so this
    runs on both databases (docs/deploy.md#tests)."""
    from listings.services.baseline import _listings_record, _meta, _products_record

    first, second = make_listing(), make_listing()
    _forget_versions()
    content_versions_baseline(product_ids=[first.product_id])
    edited = ProductVersion.objects.get(product=first.product)

    products = _products_record([first.product_id, second.product_id], _meta(None))
    listings = _listings_record([first.product_id, second.product_id], _meta(None))

    assert (products, listings) == (1, 1)
    assert ProductVersion.objects.get(product=first.product) == edited
    assert ProductVersion.objects.filter(product=second.product).count() == 1
    assert ListingVersion.objects.count() == 2
