"""Oversell → 0 everywhere (docs/orders.md#oversell), over HTTP against the sandbox: the last unit of a SKU is live on
all six marketplaces; two of them sell it in the sync gap; afterwards every marketplace's item advertises 0, read
back through each connector."""

import pytest

from catalog.models import Product
from inventory.services import stock_for_sku
from listings.choices import ListingStatus
from listings.models import Listing
from listings.selectors import listing_marketplace_payload_hash, listings_with_payload_inputs
from orders.services import order_ingest
from syncing.connectors.base import ListingPayload
from tests.orders.conftest import remote_line, remote_order
from tests.syncing.connectors.markets import MARKETS
from tests.syncing.engine.conftest import run_queue
from tests.syncing.engine.test_remote_status import _connector

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _live_on_sandbox(sandbox, listing, market):
    """Create the item on the marketplace with our values and link the listing to it (live, nothing to push)."""
    product = listing.product
    values = {
        "sku": product.sku,
        "title": product.title,
        "description": "A sturdy stoneware mug, dishwasher safe, holds 350 ml.",
        "price": product.price,
        "currency": "SGD",
        "quantity": product.quantity,
        "brand": "Acme",
        "category_id": "100644",
        "image_urls": (f"{sandbox.base_url}/_static/mug.png",),
        "weight_grams": 400,
        "length_mm": 120,
        "width_mm": 90,
        "height_mm": 100,
    }
    payload = ListingPayload(**{**values, **market.payload})
    created = _connector(sandbox, market).push_listing(payload)
    Listing.objects.filter(pk=listing.pk).update(external_id=created.external_id, status=ListingStatus.LIVE)
    fresh = listings_with_payload_inputs(Listing.objects.filter(pk=listing.pk)).get()
    Listing.objects.filter(pk=listing.pk).update(last_pushed_hash=listing_marketplace_payload_hash(fresh))
    return created.external_id


def test_an_oversold_sku_advertises_zero_on_every_marketplace(
    sandbox, make_channel, make_listing, make_listable_product
):
    # given the last unit of a SKU, live on six marketplaces
    product = make_listable_product(quantity=1)
    remote = {}
    channels = []
    for market in MARKETS:
        account = sandbox.account(market.code)
        channel = make_channel(
            market.code,
            base_url=sandbox.url(market.code),
            shop_id=account["shop_id"],
            credentials=account["credentials"],
            rate_limit_per_second=500,
            rate_limit_burst=50,
            push_debounce_seconds=0,
            **market.config,
        )
        listing = make_listing(product=product, channel=channel)
        remote[market.code] = (market, _live_on_sandbox(sandbox, listing, market))
        channels.append(channel)
    assert all(_connector(sandbox, m).get_listing(i).quantity == 1 for m, i in remote.values())
    # when two marketplaces sell it before either heard of the other's sale
    for n, channel in enumerate(channels[:2]):
        order = remote_order(order_id=f"OS-{n}", currency=channel.currency, lines=[remote_line(sku=product.sku)])
        order_ingest(channel=channel, remote=order)
    run_queue()
    # then the SKU is oversold, the catalog says 0, and every marketplace advertises 0
    stock = stock_for_sku(product.sku)
    assert (stock.oversold, stock.available, Product.objects.get(pk=product.pk).quantity) == (True, -1, 0)
    advertised = {m.code: _connector(sandbox, m).get_listing(i).quantity for m, i in remote.values()}
    assert advertised == {m.code: 0 for m in MARKETS}
    assert not Listing.objects.filter(product=product, changed_since_push=True).exists()
