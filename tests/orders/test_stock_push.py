"""Stock follows an order to the other marketplaces (docs/orders.md#stock-follows-the-order), end to end against
the sandbox: an order paid on one channel, read by webhook or by poll, makes every other channel's listing of the SKU
advertise the new available quantity through push on change (syncing/services/autopush.py); an oversell pushes 0
everywhere."""

import pytest

from channels.services import category_mapping_set
from inventory.models import Stock
from listings.choices import ListingStatus
from orders.services.pull import channel_orders_pull
from syncing.services import listings_publish
from syncing.services.connection import connector_for

CATEGORY = {"shopify": "cat-1", "lazada": "10000123"}


@pytest.fixture
def two_shops(order_channel, make_listable_product, make_listing, settings, run_tasks):
    """A product (5 in stock) live on Shopify and on Lazada through our own publish."""
    settings.SYNC_RETRY_SCHEDULE = (0.1, 0.1, 0.1)
    shopify, lazada = order_channel("shopify"), order_channel("lazada")
    product = make_listable_product(quantity=5)
    for channel in (shopify, lazada):
        listing = make_listing(product=product, channel=channel)
        category_mapping_set(
            channel=channel, category=product.category, external_category_id=CATEGORY[channel.marketplace]
        )
        listings_publish(channel=channel, listing_ids=[listing.pk])
        run_tasks()
        listing.refresh_from_db()
        assert listing.status == ListingStatus.LIVE, listing.last_error_message
    return shopify, lazada, product


def advertised(channel, sku):
    return connector_for(channel).find_by_sku(sku).quantity


@pytest.mark.slow
def test_an_order_on_one_marketplace_lowers_the_others(two_shops, buyer, run_tasks):
    shopify, lazada, product = two_shops
    assert advertised(lazada, product.sku) == 5
    status, placed = buyer("place", "shopify", lines=[{"sku": product.sku, "quantity": 2}], paid=True)
    assert status == 200, placed
    channel_orders_pull(channel=shopify)
    run_tasks()
    stock = Stock.objects.get(product=product)
    assert (stock.on_hand, stock.committed, stock.available) == (5, 2, 3)
    assert advertised(lazada, product.sku) == 3
    assert advertised(shopify, product.sku) == 3

    buyer("cancel", "shopify", placed["order_id"])  # the units come back everywhere
    channel_orders_pull(channel=shopify)
    run_tasks()
    assert advertised(lazada, product.sku) == 5


def test_an_oversell_is_accepted_and_zero_is_pushed_everywhere(two_shops, buyer, run_tasks):
    shopify, lazada, product = two_shops
    # Both marketplaces sell in the sync gap: 4 on Shopify and 3 on Lazada, of 5.
    assert buyer("place", "shopify", lines=[{"sku": product.sku, "quantity": 4}], paid=True)[0] == 200
    assert buyer("place", "lazada", lines=[{"sku": product.sku, "quantity": 3}], paid=True)[0] == 200
    channel_orders_pull(channel=shopify)
    channel_orders_pull(channel=lazada)
    run_tasks()
    stock = Stock.objects.get(product=product)
    assert stock.available == -2
    assert stock.oversold
    assert (advertised(shopify, product.sku), advertised(lazada, product.sku)) == (0, 0)
