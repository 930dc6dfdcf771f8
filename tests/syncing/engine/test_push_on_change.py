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
    assert listing.changed_since_push
    assert listing.changed_parts == ["offers"]
    run_queue()
    listing.refresh_from_db()
    print(sandbox.items("shopify"))
    assert not listing.changed_since_push
    assert listing.pending == {}
    print(list(SyncJob.objects.values("kind", "message", "succeeded", "skipped")))


def _shopify_price(sandbox, external_id: str) -> str:
    item = next(i for i in sandbox.items("shopify") if i["id"] == external_id)
    return item["variants"]["nodes"][0]["price"]


def test_five_edits_in_a_second_end_as_the_last_value_in_one_batch(live_listing, sandbox):
    product = live_listing.product
    log_before = len(sandbox.log("shopify"))
    product_update(product=product, price=Decimal("20.50"))
    run_queue()
    one_update = len(sandbox.log("shopify")) - log_before  # the calls of one price/stock update
    log_before = len(sandbox.log("shopify"))
    for cents in (101, 202, 303, 404, 505):
        product_update(product=product, price=Decimal(cents) / 100 + 20)
    run_queue()
    assert _shopify_price(sandbox, live_listing.external_id) == "25.05"
    jobs = SyncJob.objects.filter(kind="reprice")
    assert jobs.count() == 2  # one per burst: the later pushes found the listing already on its way
    assert len(sandbox.log("shopify")) - log_before == one_update
    live_listing.refresh_from_db()
    assert (live_listing.changed_since_push, live_listing.pending) == (False, {})


def test_an_edit_made_while_the_batch_is_sending_is_sent_by_the_next_push(live_listing, sandbox, monkeypatch):
    from syncing.services import offers

    product = live_listing.product
    original = offers.listings_pending_set
    edits = iter([Decimal("41.00")])

    def edit_between_read_and_send(**kwargs):
        original(**kwargs)
        price = next(edits, None)
        if price is not None:  # a person saves a new price after the batch read the listing
            product_update(product=product, price=price)

    monkeypatch.setattr(offers, "listings_pending_set", edit_between_read_and_send)
    product_update(product=product, price=Decimal("40.00"))
    run_queue()
    assert _shopify_price(sandbox, live_listing.external_id) == "41.00"
    assert SyncJob.objects.filter(kind="reprice").count() == 2
    live_listing.refresh_from_db()
    assert live_listing.changed_since_push is False


def test_unchanged_payload_is_skipped_unsent(live_listing, sandbox):
    from listings.services import listings_changes_mark

    log_before = len(sandbox.log("shopify"))
    listings_changes_mark(listings=Listing.objects.filter(pk=live_listing.pk), parts={"offers"})
    run_queue()
    assert len(sandbox.log("shopify")) == log_before
    job = SyncJob.objects.get(kind="reprice")
    assert (job.skipped, job.succeeded) == (1, 0)
    live_listing.refresh_from_db()
    assert live_listing.changed_since_push is False


def test_a_send_whose_answer_never_came_is_not_skipped_as_unchanged(live_listing, sandbox):
    from django.utils import timezone

    product = live_listing.product
    first_price, first_hash = product.price, live_listing.last_pushed_hash
    product_update(product=product, price=Decimal("30.00"))
    run_queue()
    assert _shopify_price(sandbox, live_listing.external_id) == "30.00"
    # the marketplace applied 30.00 but the worker died before its answer was recorded: the last pushed payload is
    # still the first one and 30.00 is pending
    Listing.objects.filter(pk=live_listing.pk).update(
        last_pushed_hash=first_hash, pending={"price": "30.00"}, pending_since=timezone.now()
    )
    # when the seller puts the first price back, its payload equals the last pushed one, yet it must be sent
    product_update(product=product, price=first_price)
    run_queue()
    assert Decimal(_shopify_price(sandbox, live_listing.external_id)) == first_price
    live_listing.refresh_from_db()
    assert (live_listing.changed_since_push, live_listing.pending, live_listing.pending_since) == (False, {}, None)


def test_a_republish_with_values_still_pending_is_sent_not_skipped(live_listing, sandbox):
    Listing.objects.filter(pk=live_listing.pk).update(pending={"title": "an unanswered title"})
    log_before = len(sandbox.log("shopify"))
    job = listings_publish(channel=live_listing.channel, listing_ids=[live_listing.pk])
    run_queue()
    job.refresh_from_db()
    assert (job.succeeded, job.skipped) == (1, 0)
    assert len(sandbox.log("shopify")) > log_before
    live_listing.refresh_from_db()
    assert live_listing.pending == {}


def test_pending_is_recorded_while_sending_and_cleared_by_the_answer(live_listing, sandbox, monkeypatch):
    from syncing.services import offers

    seen = {}
    original = offers.listings_pending_set

    def record(**kwargs):
        original(**kwargs)
        row = Listing.objects.get(pk=live_listing.pk)
        seen.update(pending=row.pending, since=row.pending_since)

    monkeypatch.setattr(offers, "listings_pending_set", record)
    product_update(product=live_listing.product, price=Decimal("33.00"), quantity=7)
    run_queue()
    assert seen["pending"] == {"price": "33.00", "quantity": "7"}
    assert seen["since"] is not None
    live_listing.refresh_from_db()
    assert (live_listing.pending, live_listing.pending_since) == ({}, None)


def test_5xx_answers_retry_and_the_update_still_arrives(live_listing, sandbox):
    sandbox.set_faults("shopify", status_5xx=503, times=2)
    product_update(product=live_listing.product, price=Decimal("34.00"))
    run_queue()
    assert _shopify_price(sandbox, live_listing.external_id) == "34.00"
    live_listing.refresh_from_db()
    assert (live_listing.changed_since_push, live_listing.pending) == (False, {})


def test_an_update_given_up_leaves_nothing_pending_and_no_mark(live_listing, sandbox, settings):
    settings.SYNC_MAX_ATTEMPTS = 2
    sandbox.set_faults("shopify", status_5xx=503)
    product_update(product=live_listing.product, price=Decimal("34.00"))
    run_queue()
    live_listing.refresh_from_db()
    assert (live_listing.changed_since_push, live_listing.pending) == (False, {})
    assert live_listing.last_error_message


def test_offers_wait_when_auto_push_offers_is_off_then_publish_changes_sends_them(live_listing, sandbox, api):
    from channels.services import channel_update

    channel_update(channel=live_listing.channel, auto_push_offers=False)
    product_update(product=live_listing.product, price=Decimal("36.00"))
    assert run_queue() == 0
    live_listing.refresh_from_db()
    assert live_listing.changed_since_push is True
    response = api.post("/api/v1/listings/publish-changes/", {"listings": [live_listing.pk]}, format="json")
    assert response.status_code == 202, response.json()
    assert response.json()["results"][0]["offers_job"]["kind"] == "reprice"
    run_queue()
    assert _shopify_price(sandbox, live_listing.external_id) == "36.00"
    response = api.post("/api/v1/listings/publish-changes/", {"listings": [live_listing.pk]}, format="json")
    assert response.status_code == 409


def test_content_changes_push_automatically_when_the_channel_says_so(live_listing, sandbox):
    from channels.services import channel_update

    channel_update(channel=live_listing.channel, auto_push_content=True)
    product_update(product=live_listing.product, title="Pushed by itself", price=Decimal("37.00"))
    run_queue()
    item = next(i for i in sandbox.items("shopify") if i["id"] == live_listing.external_id)
    assert item["title"] == "Pushed by itself"
    assert item["variants"]["nodes"][0]["price"] == "37.00"
    assert list(SyncJob.objects.filter(message="Push on change.").values_list("kind", flat=True)) == ["push"]
    live_listing.refresh_from_db()
    assert (live_listing.changed_since_push, live_listing.pending, live_listing.status) == (False, {}, "live")


def test_publish_changes_by_filter_pushes_content_and_an_in_review_answer_keeps_content_pending(
    make_channel, make_listable_product, make_listing, sandbox, api, settings
):
    from channels.services import category_mapping_set

    settings.SYNC_RETRY_SCHEDULE = (0.1, 0.1, 0.1)
    account = sandbox.account("lazada")
    lazada = make_channel(
        "lazada",
        base_url=sandbox.url("lazada"),
        shop_id=account["shop_id"],
        credentials=account["credentials"],
        rate_limit_per_second=200,
        rate_limit_burst=5,
    )
    product = make_listable_product(weight_grams=500, length_mm=200, width_mm=100, height_mm=50)
    category_mapping_set(channel=lazada, category=product.category, external_category_id="10000123")
    listing = make_listing(product=product, channel=lazada, map_category=False)
    sandbox.set_review("lazada", 600)  # Lazada's quality check holds the new item
    listings_publish(channel=lazada, listing_ids=[listing.pk])
    run_queue()
    listing.refresh_from_db()
    assert (listing.status, bool(listing.external_id)) == (ListingStatus.IN_REVIEW, True)
    product_update(product=product, title="Reviewed title")
    body = {"filters": {"channel": lazada.pk, "changed_since_push": "true"}}
    response = api.post("/api/v1/listings/publish-changes/", body, format="json")
    assert response.status_code == 202, response.json()
    run_queue()
    listing.refresh_from_db()
    assert listing.status == ListingStatus.IN_REVIEW
    assert listing.pending["title"] == "Reviewed title"  # until a status check or pull sees it live
    assert "price" not in listing.pending
    assert listing.pending_since is not None
    assert listing.changed_since_push is False


def test_an_edit_reverting_the_one_being_sent_is_sent_too(live_listing, sandbox, monkeypatch):
    from syncing.services import offers

    product = live_listing.product
    original_price = product.price
    original = offers.listings_pending_set
    reverted = []

    def revert_between_read_and_send(**kwargs):
        original(**kwargs)
        if not reverted:  # the person undoes the edit while it is on its way: back to what was last pushed
            reverted.append(True)
            product_update(product=product, price=original_price)

    monkeypatch.setattr(offers, "listings_pending_set", revert_between_read_and_send)
    product_update(product=product, price=Decimal("42.00"))
    run_queue()
    assert Decimal(_shopify_price(sandbox, live_listing.external_id)) == original_price
    live_listing.refresh_from_db()
    assert live_listing.changed_since_push is False
