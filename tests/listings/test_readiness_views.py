"""Readiness filters over the stored verdicts: product list (shared FilterSet), listing list and the API."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from listings.models import Listing
from listings.services import listings_bulk_assign
from tests.fixtures.channels import bulk_products

pytestmark = pytest.mark.django_db

LIST = "/catalog/products/"


@pytest.fixture
def catalog(make_channel, make_listing, make_listable_product):
    """A: ready on both channels; B: ready on shopify, blocked on etsy (unmapped category); C: not listed;
    D: listed on shopify with no verdict yet."""
    shopify, etsy = make_channel("shopify"), make_channel("etsy")
    a = make_listing(channel=shopify).product
    make_listing(product=a, channel=etsy)
    b = make_listing(channel=shopify).product
    make_listing(product=b, channel=etsy, map_category=False)
    c = make_listable_product()
    d = make_listing(channel=shopify).product
    Listing.objects.filter(product=d).update(readiness_blocking=None, readiness_checked_at=None)
    return {"shopify": shopify, "etsy": etsy, "A": a, "B": b, "C": c, "D": d}


def _skus(client, params, catalog):
    response = client.get(LIST, params)
    assert response.status_code == 200
    names = {catalog[k].sku: k for k in "ABCD"}
    return sorted(names[p.sku] for p in response.context["products"] if p.sku in names)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"readiness": "ready"}, ["A"]),
        ({"readiness": "blocked"}, ["B"]),
        ({"readiness": "ready", "channel": "shopify"}, ["A", "B"]),
        ({"readiness": "blocked", "channel": "shopify"}, []),
        ({"readiness": "blocked", "channel": "etsy"}, ["B"]),
        ({"readiness": "ready", "channel": "etsy"}, ["A"]),
        ({}, ["A", "B", "C", "D"]),
    ],
    ids=[
        "ready_case",
        "blocked_case",
        "ready_on_channel_case",
        "none_blocked_case",
        "blocked_on_channel_case",
        "ready_on_other_channel_case",
        "no_filter_case",
    ],
)
def test_product_list_filters_by_stored_readiness(viewer_client, catalog, params, expected):
    if "channel" in params:
        params = params | {"channel": catalog[params["channel"]].pk}
    assert _skus(viewer_client, params, catalog) == expected


def test_product_list_summarises_each_products_listings(viewer_client, catalog):
    # when
    response = viewer_client.get(LIST)
    # then: counts from the stored verdicts, one grouped query for the page
    summaries = {p.sku: p.listing_summary for p in response.context["products"]}
    assert summaries[catalog["A"].sku] == {"listed": 2, "ready": 2, "blocked": 0, "unchecked": 0}
    assert summaries[catalog["B"].sku] == {"listed": 2, "ready": 1, "blocked": 1, "unchecked": 0}
    assert summaries[catalog["C"].sku] == {"listed": 0, "ready": 0, "blocked": 0, "unchecked": 0}
    assert summaries[catalog["D"].sku] == {"listed": 1, "ready": 0, "blocked": 0, "unchecked": 1}
    body = response.content.decode()
    assert (
        '<span class="badge status-error">1 blocked</span> <span class="badge status-live">1 can be published</span>'
        in body
    )
    assert "1 not checked" in body
    assert body.count("not listed") == 1


def test_product_list_offers_the_readiness_filter(viewer_client):
    body = viewer_client.get(LIST).content.decode()
    assert 'name="readiness"' in body
    assert "Blocked on some channel" in body


def test_product_list_readiness_filter_query_count_is_constant(editor_client, make_channel):
    # given: products without images or category, so every listing is blocked
    channel = make_channel("shopify")
    listings_bulk_assign(products=bulk_products(60, prefix="RQ"), channels=[channel])
    params = {"readiness": "blocked", "channel": channel.pk, "sort": "title", "page": 2}
    editor_client.get(LIST)  # first request of a session also records the session (accounts)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = editor_client.get(LIST, params)
        return len(ctx.captured_queries), len(response.context["products"])

    small = count()
    listings_bulk_assign(products=bulk_products(300, prefix="RQ", start=60), channels=[channel])
    # when
    large = count()
    # then: same number of queries for 60 and 360 matches (10 and 50 rows on page 2), within the page's budget
    assert (small[1], large[1]) == (10, 50)
    assert small[0] == large[0] <= 15  # the list page's 14 (see test_views: the bulk move's categories) + the channel


def test_listing_list_filters_by_stored_readiness(viewer_client, catalog):
    url = reverse("listings:listing_list")
    blocked = viewer_client.get(url, {"readiness": "blocked"}).context["listings"]
    unchecked = viewer_client.get(url, {"readiness": "unchecked"}).context["listings"]
    ready = viewer_client.get(url, {"readiness": "ready"}).context["listings"]
    assert [(x.product_id, x.channel_id) for x in blocked] == [(catalog["B"].pk, catalog["etsy"].pk)]
    assert [x.product_id for x in unchecked] == [catalog["D"].pk]
    assert len(ready) == 3
    body = viewer_client.get(url).content.decode()
    assert body.count(">Blocked</span>") == 1
    assert body.count(">Can be published</span>") == 3
    assert "not checked" in body
    assert "has no mapped Etsy category on" in body  # the blocking reason, in the Why column


def test_api_readiness_filter_reads_the_stored_verdict_without_a_cap(token_client_for, editor_user, catalog):
    # given: a verdict that only the stored field knows (the live check would say "ready")
    listing = Listing.objects.get(product=catalog["A"], channel=catalog["shopify"])
    Listing.objects.filter(pk=listing.pk).update(readiness_blocking=2)
    api = token_client_for(editor_user)
    # when
    body = api.get("/api/v1/listings/", {"readiness": "blocked"}).json()
    # then
    assert sorted(row["id"] for row in body["results"]) == sorted(
        [listing.pk, Listing.objects.get(product=catalog["B"], channel=catalog["etsy"]).pk]
    )
    assert {row["readiness_blocking"] for row in body["results"]} == {1, 2}


def test_a_user_limited_to_one_channel_gets_readiness_on_that_channel(viewer_client, viewer_user, catalog):
    from accounts.services import user_channels_restrict

    # given: the viewer works on shopify only, where B is ready (it is blocked on etsy)
    user_channels_restrict(target=viewer_user, channel_ids=[catalog["shopify"].pk])
    # when / then
    assert _skus(viewer_client, {"readiness": "ready"}, catalog) == ["A", "B"]
    assert _skus(viewer_client, {"readiness": "blocked"}, catalog) == []
    summaries = {p.sku: p.listing_summary for p in viewer_client.get(LIST).context["products"]}
    assert summaries[catalog["B"].sku] == {"listed": 1, "ready": 1, "blocked": 0, "unchecked": 0}


def test_listing_page_says_can_be_published_or_blocked_and_the_status_keeps_ready(viewer_client, catalog):
    # "Ready" means one thing on screen: the status; readiness reads "Can be published" / "Blocked"
    ok = Listing.objects.get(product=catalog["A"], channel=catalog["shopify"])
    blocked = Listing.objects.get(product=catalog["B"], channel=catalog["etsy"])
    Listing.objects.filter(pk=ok.pk).update(status="ready")
    page = viewer_client.get(reverse("listings:listing_detail", kwargs={"pk": ok.pk})).content.decode()
    assert "Can be published" in page
    assert "Ready to publish" not in page
    assert ">Ready<" in page  # the status badge
    page = viewer_client.get(reverse("listings:listing_detail", kwargs={"pk": blocked.pk})).content.decode()
    assert "<strong>Blocked:</strong>" in page
    assert "Not ready" not in page
