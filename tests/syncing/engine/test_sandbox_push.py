"""The engine with a real connector over HTTP against the in-process sandbox (no workers: tasks run inline)."""

import pytest

from listings.choices import ListingStatus
from syncing.choices import SyncErrorKind, SyncOutcome
from syncing.models import SyncEvent
from syncing.services import channel_listings_pull, listings_publish

from .conftest import run_queue


@pytest.fixture
def lazada(make_channel, sandbox, settings):
    settings.SYNC_RETRY_SCHEDULE = (0.1, 0.1, 0.1)
    account = sandbox.account("lazada")
    return make_channel(
        "lazada",
        base_url=sandbox.url("lazada"),
        shop_id=account["shop_id"],
        credentials=account["credentials"],
        rate_limit_per_second=200,
        rate_limit_burst=5,
    )


@pytest.fixture
def lazada_listing(lazada, make_listing, make_listable_product):
    from channels.services import category_mapping_set

    def make(category_id="10000123"):
        product = make_listable_product(weight_grams=500, length_mm=200, width_mm=100, height_mm=50)
        category_mapping_set(channel=lazada, category=product.category, external_category_id=category_id)
        return make_listing(product=product, channel=lazada, map_category=False)

    return make


def _lazada_items(sandbox):
    return sandbox.items("lazada")


def test_publish_to_lazada_sandbox(lazada, lazada_listing, sandbox):
    listings = [lazada_listing() for _ in range(3)]
    job = listings_publish(channel=lazada, listing_ids=[lst.pk for lst in listings])
    run_queue()
    job.refresh_from_db()
    assert job.succeeded == 3, list(SyncEvent.objects.values_list("message", flat=True))
    items = _lazada_items(sandbox)
    assert len(items) == 3
    for listing in listings:
        listing.refresh_from_db()
        assert listing.status in (ListingStatus.LIVE, ListingStatus.IN_REVIEW)
        assert listing.external_id


def test_lost_create_response_on_lazada_finds_item_by_sku(lazada, lazada_listing, sandbox):
    listing = lazada_listing()
    sandbox.set_faults("lazada", lose_response_after_create=True, times=1, path_contains="/product/create")
    job = listings_publish(channel=lazada, listing_ids=[listing.pk])
    run_queue()
    job.refresh_from_db()
    listing.refresh_from_db()
    assert job.succeeded == 1
    assert len(_lazada_items(sandbox)) == 1
    ops = list(SyncEvent.objects.filter(listing=listing).order_by("pk").values_list("operation", "outcome"))
    assert ops[0] == ("create", SyncOutcome.RETRY_SCHEDULED)
    assert ops[1] == ("lookup", SyncOutcome.SUCCEEDED)
    assert ops[2][0] == "update"
    creates = [e for e in sandbox.log("lazada") if e["path"].endswith("/product/create")]
    assert len(creates) == 1


def test_lazada_validation_error_is_not_retried(lazada, lazada_listing, sandbox):
    # given a listing mapped to a Lazada category that is not a leaf (the sandbox refuses it, as Lazada does)
    listing = lazada_listing(category_id="10000001")
    listings_publish(channel=lazada, listing_ids=[listing.pk])
    run_queue()
    listing.refresh_from_db()
    # then one create was sent, none retried, and the listing shows Lazada's message
    event = SyncEvent.objects.get(listing=listing)
    assert event.error_kind == SyncErrorKind.REJECTED
    assert listing.status == ListingStatus.ERROR
    assert "leaf category" in listing.last_error_message
    creates = [e for e in sandbox.log("lazada") if e["path"].endswith("/product/create")]
    assert len(creates) == 1


def test_pull_links_by_sku_and_detects_drift(lazada, lazada_listing, sandbox):
    listing = lazada_listing()
    listings_publish(channel=lazada, listing_ids=[listing.pk])
    run_queue()
    listing.refresh_from_db()
    sandbox.edit_item("lazada", listing.external_id, price="99.00")
    job = channel_listings_pull(channel=lazada)
    run_queue()
    job.refresh_from_db()
    listing.refresh_from_db()
    assert job.status == "succeeded", job.message
    assert listing.status == ListingStatus.OUT_OF_SYNC
    assert listing.drift["price"]["remote"] == "99"
