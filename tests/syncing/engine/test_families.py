"""Variation families through the engine on the sandbox: publish on Amazon and Shopee, change one variant, only that
child/model is sent, and a refresh reads the family back (docs/sync.md#variation-families)."""

from decimal import Decimal

import pytest

from catalog.services import variant_create, variant_update
from channels.services import category_mapping_set
from listings.choices import ListingStatus
from listings.models import Listing
from syncing.models import SyncEvent, SyncJob
from syncing.services import listing_remote_refresh, listings_offers_sync, listings_publish
from syncing.services.pull import as_text

from .conftest import run_queue

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

CATEGORY = {"amazon": "SHIRT", "shopee": "100644"}


@pytest.fixture
def family_listing(make_sandbox_channel, make_listable_product, make_listing, sandbox, settings, media_server):
    settings.SYNC_RETRY_SCHEDULE = (0.1, 0.1)

    def make(code):
        channel = make_sandbox_channel(code, auto_push_offers=False)
        product = make_listable_product()
        for size, colour, qty in (("S", "Red", 3), ("M", "Red", 4), ("M", "Blue", 5)):
            variant_create(
                product=product, sku=f"{product.sku}-{size}-{colour}", options={"Size": size, "Color": colour},
                quantity=qty, price=Decimal("20.00"),
            )  # fmt: skip
        category_mapping_set(channel=channel, category=product.category, external_category_id=CATEGORY[code])
        listing = make_listing(product=product, channel=channel, map_category=False)
        assert listing.readiness_blocking == 0, listing.readiness_issues
        listings_publish(channel=channel, listing_ids=[listing.pk])
        run_queue()
        listing.refresh_from_db()
        assert listing.status in (ListingStatus.LIVE, ListingStatus.IN_REVIEW), listing.last_error_message
        return listing

    return make


def _amazon_child(sandbox, sku):
    return next(i for i in sandbox.items("amazon") if i["sku"] == sku)


def _shopee_models(sandbox):
    [item] = sandbox.items("shopee")
    return {m["model_sku"]: m for m in item["models"].values()}


@pytest.mark.parametrize("code", ["amazon", "shopee"])
def test_family_publish_then_one_variant_change_sends_only_that_variant(family_listing, sandbox, code):
    listing = family_listing(code)
    sku = listing.product.sku
    if code == "amazon":
        assert sorted(i["sku"] for i in sandbox.items(code)) == sorted(
            [sku, f"{sku}-S-Red", f"{sku}-M-Red", f"{sku}-M-Blue"]
        )
    else:
        assert set(_shopee_models(sandbox)) == {f"{sku}-S-Red", f"{sku}-M-Red", f"{sku}-M-Blue"}
    assert set(listing.channel_payload["variant_offers"]) == {f"{sku}-S-Red", f"{sku}-M-Red", f"{sku}-M-Blue"}

    # when one variant's stock changes and the price/stock path runs
    variant = listing.product.variants.get(sku=f"{sku}-M-Red")
    variant_update(variant=variant, quantity=9)
    before = len(sandbox.log(code))
    job = listings_offers_sync(channel=listing.channel, listing_ids=[listing.pk])
    run_queue()
    job.refresh_from_db()
    assert (job.succeeded, job.failed) == (1, 0), list(SyncEvent.objects.filter(job=job).values("message"))

    # then only that child/model was sent, with its own stock
    calls = sandbox.log(code)[before:]
    if code == "amazon":
        patched = [e["path"].rsplit("/", 1)[-1] for e in calls if e["method"] == "PATCH"]
        assert patched == [f"{sku}-M-Red"]
        stock = _amazon_child(sandbox, f"{sku}-M-Red")["fulfillmentAvailability"][0]["quantity"]
    else:
        assert [e["path"].rsplit("/", 1)[-1] for e in calls if e["method"] == "POST"] == [
            "update_price",
            "update_stock",
        ]
        stock = _shopee_models(sandbox)[f"{sku}-M-Red"]["stock"]
    assert stock == 9
    listing.refresh_from_db()
    assert listing.channel_payload["variant_offers"][f"{sku}-M-Red"][1] == 9

    # when nothing changed, the next price/stock run sends nothing
    before = len(sandbox.log(code))
    again = listings_offers_sync(channel=listing.channel, listing_ids=[listing.pk])
    run_queue()
    again.refresh_from_db()
    assert again.skipped == 1
    assert [e for e in sandbox.log(code)[before:] if e["method"] in ("PATCH", "POST")] == []


@pytest.mark.parametrize("code", ["amazon", "shopee"])
def test_refresh_reads_the_family_back(family_listing, sandbox, code):
    listing = family_listing(code)
    sandbox.advance_clock(3600)  # past any review
    job = listing_remote_refresh(listing=listing)
    run_queue()
    job.refresh_from_db()
    listing = Listing.objects.get(pk=listing.pk)
    assert listing.status == ListingStatus.LIVE, (listing.remote_raw_status, job.error)
    assert listing.drift == {}
    sku = listing.product.sku
    sent_price = listing.channel_payload["variant_offers"][f"{sku}-M-Blue"][0]
    assert listing.remote_snapshot["variants"][f"{sku}-M-Blue"] == {
        "price": as_text(sent_price, numeric=True),
        "quantity": "5",
    }
    assert SyncJob.objects.filter(pk=job.pk, failed=0).exists()
