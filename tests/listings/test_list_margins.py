"""The listing list page and `GET /api/v1/listings/` filter and sort on the stored margins
(docs/pricing.md#stored-margins): below floor, a margin % range, sort by margin % (listings without one last)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _order(body, listings):
    return [x for _, x in sorted((body.index(x.product.sku), x) for x in listings if x.product.sku in body)]


def test_the_list_page_sorts_filters_and_shows_the_margin(viewer_client, margin_listings):
    high, low, unknown = margin_listings
    url = reverse("listings:listing_list")
    descending = viewer_client.get(url + "?sort=-margin").content.decode()
    ascending = viewer_client.get(url + "?sort=margin").content.decode()
    assert _order(descending, margin_listings) == [high, low, unknown]
    assert _order(ascending, margin_listings) == [low, high, unknown]  # without a margin: last either way
    assert 'data-margin="60.00"' in descending
    assert set(_order(viewer_client.get(url + "?below_floor=true").content.decode(), margin_listings)) == {low, unknown}
    assert _order(viewer_client.get(url + "?below_floor=false").content.decode(), margin_listings) == [high]
    assert _order(viewer_client.get(url + "?margin_min=5&margin_max=50").content.decode(), margin_listings) == [low]


def test_the_list_page_names_a_bad_margin_range(viewer_client, margin_listings):
    body = viewer_client.get(reverse("listings:listing_list") + "?margin_min=50&margin_max=5").content.decode()
    assert "The minimum margin 50 % is above the maximum 5 %." in body
    assert not _order(body, margin_listings)


def test_the_api_filters_and_sorts_on_the_margin(api, margin_listings):
    high, low, unknown = margin_listings
    rows = api.get("/api/v1/listings/?sort=-margin").json()["results"]
    assert [r["id"] for r in rows] == [high.pk, low.pk, unknown.pk]
    below = api.get("/api/v1/listings/?below_floor=true").json()["results"]
    assert {r["id"] for r in below} == {low.pk, unknown.pk}
    bad = api.get("/api/v1/listings/?margin_min=abc")
    assert bad.status_code == 400
    assert "margin_min" in str(bad.json())
