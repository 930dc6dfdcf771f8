"""Exposure per channel (docs/orders.md#exposure): the quantity each channel's listing advertises vs available, on the
stock page and in the API, with over-exposure flagged and every figure linked to the ledger."""

import pytest
from django.urls import reverse
from django.utils import timezone

from inventory.services import movement_apply, stock_for_sku
from listings.choices import ListingStatus
from listings.exposure import stock_exposure
from listings.models import Listing
from listings.selectors import listing_marketplace_payload_hash, listings_with_payload_inputs

pytestmark = pytest.mark.django_db


def _pushed(listing, **fields):
    """The listing as after a confirmed push of its current payload, then `fields`."""
    fresh = listings_with_payload_inputs(Listing.objects.filter(pk=listing.pk)).get()
    Listing.objects.filter(pk=listing.pk).update(
        status=ListingStatus.LIVE,
        external_id=f"ext-{listing.pk}",
        last_pushed_hash=listing_marketplace_payload_hash(fresh),
        last_pushed_at=timezone.now(),
        **fields,
    )
    return Listing.objects.get(pk=listing.pk)


@pytest.fixture
def sku(make_listable_product, make_channel, make_listing):
    """A SKU with 10 available: confirmed on Shopify, 12 pending on Lazada, a draft on Shopee."""
    product = make_listable_product(quantity=10)
    shopify = make_channel("shopify", name="A Shopify")
    lazada = make_channel("lazada", name="B Lazada")
    shopee = make_channel("shopee", name="C Shopee")
    _pushed(make_listing(product=product, channel=shopify))
    _pushed(make_listing(product=product, channel=lazada), pending={"quantity": "12"})
    make_listing(product=product, channel=shopee)
    return stock_for_sku(product.sku)


def test_exposure_rows_and_states(sku):
    rows = stock_exposure(product_id=sku.product_id, variant=None, available=10)
    assert [(r.listing.channel.name, r.advertised, r.state, r.would_send, r.over_exposed) for r in rows] == [
        ("A Shopify", 10, "confirmed", 10, False),
        ("B Lazada", 12, "pending", 10, True),
        ("C Shopee", None, "not_listed", 10, False),
    ]


def test_an_order_makes_a_confirmed_listing_over_exposed_until_pushed(sku):
    movement_apply(stock=sku, bucket="committed", delta=4, reason="order_paid", idempotency_key="o-1")
    sku.refresh_from_db()
    rows = stock_exposure(product_id=sku.product_id, variant=None, available=sku.available)
    shopify = rows[0]
    # the write-back marked it: until the push, the marketplace still shows what it last showed (unknown here)
    assert (shopify.state, shopify.would_send) == ("last_read", 6)
    Listing.objects.filter(pk=shopify.listing.pk).update(remote_snapshot={"quantity": "10"})
    rows = stock_exposure(product_id=sku.product_id, variant=None, available=sku.available)
    assert (rows[0].advertised, rows[0].over_exposed) == (10, True)


def test_stock_page_shows_exposure_with_links_to_the_ledger(staff_client, sku):
    page = staff_client.get(reverse("inventory:stock_detail", args=[sku.pk])).content.decode()
    assert 'aria-label="Exposure per channel"' in page
    assert "over-exposed" in page
    assert "sent, not yet confirmed" in page
    assert "?until=" in page  # the advertised figure links to the movements up to its push
    older = staff_client.get(reverse("inventory:stock_detail", args=[sku.pk]), {"until": "2000-01-01T00:00:00Z"})
    assert "No movements." in older.content.decode()


def test_api_exposure_and_until_filter(api, sku):
    response = api.get(f"/api/v1/stock/{sku.pk}/exposure/")
    assert response.status_code == 200
    body = response.json()
    assert [(r["channel_name"], r["advertised"], r["state"], r["over_exposed"]) for r in body] == [
        ("A Shopify", 10, "confirmed", False),
        ("B Lazada", 12, "pending", True),
        ("C Shopee", None, "not_listed", False),
    ]
    assert body[0]["available"] == 10
    assert body[0]["movements_url"].endswith(f"/api/v1/stock-movements/?sku={sku.sku}")
    assert api.get("/api/v1/stock/999999/exposure/").status_code == 404
    ledger = api.get("/api/v1/stock-movements/", {"sku": sku.sku, "until": "2000-01-01T00:00:00Z"}).json()
    assert ledger["count"] == 0
    assert api.get("/api/v1/stock-movements/", {"sku": sku.sku, "until": "yesterday"}).status_code == 400
