"""Query-count guard: every list endpoint costs the same number of queries for 2 rows as for a full page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.services import image_add, variant_create
from tests.catalog.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db

LIST_ENDPOINTS = ["/api/v1/products/", "/api/v1/categories/", "/api/v1/variants/", "/api/v1/images/"]
SYNC_LIST_ENDPOINTS = ["/api/v1/channels/", "/api/v1/listings/", "/api/v1/sync-jobs/", "/api/v1/sync-events/"]


def _seed(count, png_bytes, start):
    parent = CategoryFactory(name=f"Root {start}")
    for n in range(start, start + count):
        category = CategoryFactory(name=f"Leaf {n}", parent=parent)
        product = ProductFactory(sku=f"Q-{n}", category=category)
        variant_create(product=product, sku=f"Q-{n}-A", options={"Size": "S"})
        variant_create(product=product, sku=f"Q-{n}-B", options={"Size": "M"})
        image_add(product=product, upload=png_bytes((n % 250, 0, 0)), filename="a.png")


def _count(api, url, page_size):
    api.get(url)  # warm-up: the token's last-used time is written at most once a minute
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(url, {"page_size": page_size})
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries), len(response.json()["results"])


@pytest.mark.parametrize("url", LIST_ENDPOINTS)
def test_list_endpoint_query_count_is_constant_in_page_size(api, png_bytes, url):
    # given two rows of everything
    _seed(2, png_bytes, 0)
    small, small_rows = _count(api, url, 50)
    # when there are twenty more
    _seed(20, png_bytes, 100)
    large, large_rows = _count(api, url, 50)
    # then a page of 20+ rows costs exactly what a page of 2 did
    assert small_rows >= 2
    assert large_rows >= 20
    assert large == small
    assert large <= 8


def _seed_sync(count, make_channel, make_listing):
    from syncing.models import SyncEvent, SyncJob

    for _ in range(count):
        channel = make_channel("shopify")
        listing = make_listing(channel=channel)
        SyncJob.objects.create(kind="push", channel=channel, total=1)
        SyncEvent.objects.create(channel=channel, listing=listing, operation="push", outcome="failed")


@pytest.mark.parametrize("url", SYNC_LIST_ENDPOINTS)
def test_channel_listing_sync_lists_query_count_is_constant(admin_api, make_channel, make_listing, url):
    _seed_sync(2, make_channel, make_listing)
    small, small_rows = _count(admin_api, url, 50)
    _seed_sync(12, make_channel, make_listing)
    large, large_rows = _count(admin_api, url, 50)
    assert small_rows >= 2
    assert large_rows >= 12
    assert large == small
    assert large <= 8


@pytest.mark.django_db
def test_datetime_filter_with_an_impossible_utc_offset_is_a_400():
    from django.contrib.auth import get_user_model
    from rest_framework.test import APIClient

    user = get_user_model().objects.create_superuser("tz", "tz@example.com", "pw-tz-123")
    api = APIClient()
    api.force_authenticate(user)
    response = api.get("/api/v1/sync-jobs/", {"created_after": "2026-09-07T03:26:34+20:10"})
    assert response.status_code == 400
    assert "offset" in response.content.decode()
    ok = api.get("/api/v1/sync-jobs/", {"created_after": "2026-09-07T03:26:34+14:00"})
    assert ok.status_code == 200
