"""Issue 20, forms and lists: search by variant SKU and barcode, words matched separately; human filter labels."""

import django_filters
import pytest

from catalog.filters import ProductFilterSet
from catalog.models import Product
from catalog.services import variant_create
from listings.filters import ListingFilterSet
from operations.filters import SystemLogFilterSet
from orders.filters import CustomerFilterSet, OrderFilterSet
from syncing.filters import SyncEventFilterSet, SyncJobFilterSet
from tests.catalog.factories import ProductFactory

pytestmark = pytest.mark.django_db

PRODUCTS = "/catalog/products/"
LISTINGS = "/listings/"


@pytest.fixture
def skirt():
    product = ProductFactory(sku="ACM-SK", title="Acme pleated skirt", barcode="4006381333931")
    variant_create(product=product, sku="ACM-SK-RED-M", options={"Colour": "Red"}, barcode="5901234123457")
    ProductFactory(sku="ACM-TEE", title="Acme tee")
    ProductFactory(sku="OTH-SK", title="Other skirt")
    return product


def _skus(response):
    return sorted(p.sku for p in response.context["products"])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("acme skirt", ["ACM-SK"]),  # both words, in any field, in any order
        ("skirt acme", ["ACM-SK"]),
        ("ACM-SK-RED", ["ACM-SK"]),  # a variant's SKU prefix finds its product
        ("acm-sk-red-m", ["ACM-SK"]),
        ("5901234123457", ["ACM-SK"]),  # a variant's barcode
        ("4006381333931", ["ACM-SK"]),  # the product's barcode
        ("skirt", ["ACM-SK", "OTH-SK"]),
        ("acme", ["ACM-SK", "ACM-TEE"]),
        ("acme dress", []),  # every word must match
        ("   ", ["ACM-SK", "ACM-TEE", "OTH-SK"]),  # blank is no filter
        ("59012341", []),  # barcodes match whole, not by prefix
    ],
)
def test_product_search_page(editor_client, skirt, query, expected):
    assert _skus(editor_client.get(PRODUCTS, {"q": query})) == expected


def test_product_search_api_uses_the_same_filter(api, skirt):
    response = api.get("/api/v1/products/", {"q": "ACM-SK-RED"})
    assert response.status_code == 200
    assert [row["sku"] for row in response.json()["results"]] == ["ACM-SK"]


def test_product_search_odd_input_is_harmless(editor_client, skirt):
    for query in ["%", "_", "'; drop table", "a" * 300, "ü€"]:
        response = editor_client.get(PRODUCTS, {"q": query})
        assert response.status_code == 200


def test_listing_search_by_variant_sku_barcode_and_words(editor_client, api, make_listing, make_listable_product):
    family = make_listable_product(sku="FAM-1", title="Acme wool scarf", barcode="4006381333931")
    variant_create(product=family, sku="FAM-1-BLU", options={"Colour": "Blue"}, barcode="5901234123457")
    listing = make_listing(product=family)
    make_listing(product=make_listable_product(sku="OTH-1", title="Acme cotton shirt"))

    for query in ["FAM-1-BLU", "5901234123457", "4006381333931", "scarf acme", "ACME WOOL"]:
        page = editor_client.get(LISTINGS, {"q": query})
        assert [row.pk for row in page.context["listings"]] == [listing.pk], query
        rows = api.get("/api/v1/listings/", {"q": query}).json()["results"]
        assert [row["id"] for row in rows] == [listing.pk], query
    assert list(editor_client.get(LISTINGS, {"q": "acme silk"}).context["listings"]) == []


def test_search_query_count_does_not_grow(editor_client, skirt, django_assert_max_num_queries):
    editor_client.get(PRODUCTS)
    with django_assert_max_num_queries(13):  # the same budget as a plain search (tests/catalog/test_views.py)
        editor_client.get(PRODUCTS, {"q": "acme skirt 5901234123457"})
    assert Product.objects.count() == 3


FILTERSETS = [
    ProductFilterSet,
    ListingFilterSet,
    SyncJobFilterSet,
    SyncEventFilterSet,
    SystemLogFilterSet,
    OrderFilterSet,
    CustomerFilterSet,
]
BAD_LABEL_PARTS = ["[invalid name]", "is greater than", "is less than", "Http", "_"]


@pytest.mark.parametrize("filterset_class", FILTERSETS, ids=lambda c: c.__name__)
def test_filter_labels_are_human(filterset_class, rf, editor_user):
    request = rf.get("/")
    request.user = editor_user
    form = filterset_class(data={}, request=request).form
    for name, field in form.fields.items():
        label = str(field.label)
        assert label, name
        assert not any(part in label for part in BAD_LABEL_PARTS), (name, label)
        choices = [str(text) for _, text in getattr(field, "choices", [])]
        assert "---------" not in choices, (name, choices)
        assert "Unknown" not in choices, (name, choices)


@pytest.mark.parametrize("filterset_class", FILTERSETS, ids=lambda c: c.__name__)
def test_date_filters_use_a_picker(filterset_class):
    for name, flt in filterset_class.base_filters.items():
        if isinstance(flt, django_filters.IsoDateTimeFilter):
            assert flt.extra["widget"].input_type == "datetime-local", name


def test_has_error_defaults_to_any_and_renders_the_labels(editor_client):
    page = editor_client.get(LISTINGS).content.decode()
    assert '<option value="" selected>Any</option>' in page
    assert "Has an error" in page
    assert "[invalid name]" not in page


def test_sync_pages_show_human_labels_and_take_picked_dates(editor_client):
    jobs = editor_client.get("/sync/", {"created_after": "2026-12-01T10:30", "has_failures": "true"})
    assert jobs.status_code == 200
    page = jobs.content.decode()
    assert "Has failures" in page
    assert "Started from" in page
    assert "[invalid name]" not in page
    assert 'type="datetime-local"' in page
    events = editor_client.get("/sync/events/", {"job": "7", "created_before": "not a date"})
    assert events.status_code == 200
    body = events.content.decode()
    assert "HTTP status code" in body
    assert "Http status" not in body
    assert "Enter a valid date/time." in body


def test_sync_events_scoped_to_a_job_name_it_with_a_link(editor_client, make_listing):
    from syncing.models import SyncJob

    listing = make_listing()
    job = SyncJob.objects.create(channel=listing.channel, kind="push")
    page = editor_client.get("/sync/events/", {"job": job.pk}).content.decode()
    assert f"job #{job.pk}" in page
    assert f"/sync/jobs/{job.pk}/" in page
    assert "show all" in page
    assert f'type="hidden" name="job" value="{job.pk}"' in page
