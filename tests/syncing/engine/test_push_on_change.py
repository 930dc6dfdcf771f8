"""Push on change against the in-process sandbox (tasks run inline): marks, auto-push, coalescing, pending."""

from decimal import Decimal

import pytest

from catalog.services import product_update
from listings.choices import ListingStatus
from listings.models import Listing
from syncing.models import SyncJob
from syncing.services import listings_publish

from .conftest import run_queue


@pytest.fixture
def shopify(make_channel, sandbox, settings):
    settings.SYNC_RETRY_SCHEDULE = (0.1, 0.1, 0.1)
    account = sandbox.account("shopify")
    return make_channel(
        "shopify",
        base_url=sandbox.url("shopify"),
        shop_id=account["shop_id"],
        credentials=account["credentials"],
        rate_limit_per_second=200,
        rate_limit_burst=5,
    )


@pytest.fixture
def live_listing(shopify, make_listing):
    listing = make_listing(channel=shopify)
    listings_publish(channel=shopify, listing_ids=[listing.pk])
    run_queue()
    listing.refresh_from_db()
    assert listing.status == ListingStatus.LIVE, listing.last_error_message
    return listing


def test_price_edit_is_pushed_and_confirmed(live_listing, sandbox):
    product = live_listing.product
    product_update(product=product, price=Decimal("31.50"))
    listing = Listing.objects.get(pk=live_listing.pk)
    assert listing.changed_since_push and listing.changed_parts == ["offers"]
    run_queue()
    listing.refresh_from_db()
    print(sandbox.items("shopify"))
    assert not listing.changed_since_push
    assert listing.pending == {}
    print(list(SyncJob.objects.values("kind", "message", "succeeded", "skipped")))
