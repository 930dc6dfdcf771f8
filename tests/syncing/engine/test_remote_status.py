"""The marketplace's word applied to our listings (docs/sync.md#remote-status): for each marketplace, what the
sandbox does to an item on its side reaches the listing through a pull and through a refresh; incremental pulls
follow the cursor with its overlap; pending values are confirmed; "marketplace wins" keeps what it discarded."""

import logging
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from channels.choices import ChannelConflictPolicy
from listings.choices import ListingStatus
from listings.models import Listing
from syncing.connectors import CONNECTORS
from syncing.connectors.base import ChannelConfig, ListingPayload
from syncing.models import SyncEvent, SyncJob
from syncing.services import (
    channel_listings_pull,
    listing_discarded_push_again,
    listing_remote_refresh,
    listings_publish,
)
from tests.syncing.connectors.markets import MARKETS
from tests.syncing.connectors.test_remote_status import STATES

from .conftest import run_queue

EXPECTED = {
    "rejected": ListingStatus.ERROR,
    "suppressed": ListingStatus.SUPPRESSED,
    "inactive": ListingStatus.PAUSED,
    "deleted": ListingStatus.DELISTED,
}
CASES = [(m, state) for m in MARKETS for state in STATES[m.code]]


def _connector(sandbox, market):
    sandbox.set_rate(market.code, rate=1000, burst=1000)
    account = sandbox.account(market.code)
    config = ChannelConfig(
        base_url=sandbox.url(market.code),
        shop_id=account["shop_id"],
        credentials=account["credentials"],
        **market.config,
    )
    return CONNECTORS[market.code](config)


@pytest.fixture
def linked(make_channel, make_listing, sandbox):
    """`linked(market)`: a live listing on a sandbox-connected channel, linked to an item created on the sandbox."""

    def make(market, **channel_fields):
        account = sandbox.account(market.code)
        channel = make_channel(
            market.code,
            base_url=sandbox.url(market.code),
            shop_id=account["shop_id"],
            credentials=account["credentials"],
            rate_limit_per_second=500,
            rate_limit_burst=50,
            **{**market.config, **channel_fields},
        )
        listing = make_listing(channel=channel)
        product = listing.product  # the item shows our values: no drift
        payload = ListingPayload(
            **{
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
                **market.payload,
            }
        )
        created = _connector(sandbox, market).push_listing(payload)
        Listing.objects.filter(pk=listing.pk).update(external_id=created.external_id, status=ListingStatus.LIVE)
        listing.refresh_from_db()
        return listing

    return make


def _read_back(listing, via):
    job = (
        channel_listings_pull(channel=listing.channel, full=True)
        if via == "pull"
        else listing_remote_refresh(listing=listing)
    )
    run_queue()
    job.refresh_from_db()
    listing.refresh_from_db()
    return job


@pytest.mark.parametrize("via", ["pull", "refresh"])
@pytest.mark.parametrize(("market", "state"), CASES, ids=[f"{m.code}-{s}" for m, s in CASES])
def test_marketplace_side_change_reaches_the_listing(linked, sandbox, market, state, via):
    # given a live listing whose item the marketplace then rejects, suppresses, deactivates or deletes
    listing = linked(market)
    external_id = listing.external_id
    sandbox.advance_clock(5)
    sandbox.set_remote_state(market.code, external_id, state, reasons=["Main image shows a watermark"])
    # when we read it back
    job = _read_back(listing, via)
    # then the listing follows through the state machine, with the marketplace's words stored and shown
    assert job.status == "succeeded", job.message
    assert listing.status == EXPECTED[state], (listing.status_reason, listing.remote_raw_status)
    assert listing.remote_status == state
    assert listing.remote_raw_status
    if state in ("rejected", "suppressed"):
        assert "watermark" in listing.status_reason
        assert any("watermark" in issue["message"] for issue in listing.remote_issues)
    if state == "rejected":
        assert "watermark" in listing.last_error_message
    if state == "deleted":
        assert listing.external_id == ""  # publishing again creates a new item
        assert listing.marketplace_ids["deleted_external_id"] == external_id
    # and the change is in this listing's own sync history
    history = SyncEvent.objects.filter(listing=listing, job=job, message__startswith="Read from the marketplace")
    assert history.count() == 1


def test_a_second_read_of_the_same_state_changes_nothing(linked, sandbox):
    listing = linked(MARKETS[1])  # lazada
    sandbox.set_remote_state("lazada", listing.external_id, "suppressed", reasons=["Counterfeit suspicion"])
    _read_back(listing, "pull")
    _read_back(listing, "pull")
    assert listing.status == ListingStatus.SUPPRESSED
    assert SyncEvent.objects.filter(listing=listing, message__startswith="Read from the marketplace").count() == 1


def test_suppressed_listing_goes_live_when_the_issue_is_resolved(linked, sandbox):
    listing = linked(MARKETS[5])  # amazon
    sandbox.set_remote_state("amazon", listing.external_id, "suppressed")
    _read_back(listing, "refresh")
    assert listing.status == ListingStatus.SUPPRESSED
    sandbox.set_remote_state("amazon", listing.external_id, "live")
    _read_back(listing, "refresh")
    assert (listing.status, listing.remote_status, listing.remote_issues) == (ListingStatus.LIVE, "live", [])
    assert listing.marketplace_ids["asin"].startswith("B0")


def test_unknown_raw_status_is_stored_shown_and_logged(linked, sandbox, caplog):
    listing = linked(MARKETS[1])  # lazada
    sandbox.edit_item("lazada", listing.external_id, status="Frozen-By-Ops")
    with caplog.at_level(logging.WARNING, logger="syncing.services.remote_status"):
        job = _read_back(listing, "pull")
    assert job.status == "succeeded"
    assert (listing.status, listing.remote_status, listing.remote_raw_status) == (
        ListingStatus.LIVE,
        "unknown",
        "Frozen-By-Ops",
    )
    assert "Frozen-By-Ops" in caplog.text


def test_review_passing_moves_in_review_to_live_and_confirms_pending(linked, sandbox):
    from listings.services import listing_update

    listing = linked(MARKETS[1])  # lazada
    listing_update(listing=listing, price=Decimal("21.50"))  # our new price, sent and awaiting review
    sent = timezone.now() - timedelta(minutes=1)
    Listing.objects.filter(pk=listing.pk).update(
        status=ListingStatus.IN_REVIEW, pending={"price": "21.5", "description": "<p>new</p>"}, pending_since=sent
    )
    listing.refresh_from_db()
    sandbox.advance_clock(5)
    sandbox.edit_item("lazada", listing.external_id, price="21.50")  # the marketplace shows our pending price
    _read_back(listing, "refresh")
    assert listing.status == ListingStatus.LIVE
    assert (listing.pending, listing.pending_since) == ({}, None)


def test_pending_value_the_marketplace_does_not_show_yet_stays_pending(linked, sandbox):
    listing = linked(MARKETS[1])  # lazada
    Listing.objects.filter(pk=listing.pk).update(pending={"price": "99"}, pending_since=timezone.now())
    listing.refresh_from_db()
    _read_back(listing, "refresh")
    assert listing.pending == {"price": "99"}


def test_incremental_pull_follows_the_cursor_with_its_overlap(linked, sandbox, make_listing):
    # given two linked Lazada items and a full pull that set the cursor
    first = linked(MARKETS[1])
    channel = first.channel
    _read_back(first, "pull")
    channel.refresh_from_db()
    created_at = first.remote_updated_at
    assert channel.pull_cursor == created_at - timedelta(minutes=10)
    assert channel.last_full_pull_at is not None
    # when, an hour later on the marketplace, the seller changes the price there and we pull incrementally
    sandbox.advance_clock(3600)
    sandbox.edit_item("lazada", first.external_id, price="31.00")
    job = channel_listings_pull(channel=channel, full=False)
    assert job.message.startswith("Incremental pull")
    run_queue()
    job.refresh_from_db()
    channel.refresh_from_db()
    first.refresh_from_db()
    # then the request asked for what changed since the cursor, and the cursor moved to that change minus overlap
    asked = [e for e in sandbox.log("lazada") if e["path"].endswith("/products/get")][-1]
    assert asked["query"]["update_after"] == (created_at - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert channel.pull_cursor == first.remote_updated_at - timedelta(minutes=10)
    assert first.remote_updated_at - created_at >= timedelta(minutes=59)
    assert first.drift["price"]["remote"] == "31"
    events = SyncEvent.objects.filter(listing=first).count()
    # and pulling again (the overlap re-reads the item) changes nothing
    job = channel_listings_pull(channel=channel, full=False)
    run_queue()
    job.refresh_from_db()
    first.refresh_from_db()
    assert "read 1 remote listings" in job.message
    assert SyncEvent.objects.filter(listing=first).count() == events
    assert first.drift["price"]["remote"] == "31"


def test_marketplace_wins_keeps_the_discarded_change_and_pushes_it_again(
    make_channel, make_listable_product, make_listing, sandbox, settings
):
    from channels.services import category_mapping_set

    settings.SYNC_RETRY_SCHEDULE = (0.1, 0.1, 0.1)
    account = sandbox.account("lazada")
    channel = make_channel(
        "lazada",
        base_url=sandbox.url("lazada"),
        shop_id=account["shop_id"],
        credentials=account["credentials"],
        rate_limit_per_second=200,
        rate_limit_burst=5,
        conflict_policy=ChannelConflictPolicy.REMOTE_WINS,
    )
    product = make_listable_product(weight_grams=500, length_mm=200, width_mm=100, height_mm=50)
    category_mapping_set(channel=channel, category=product.category, external_category_id="10000123")
    listing = make_listing(product=product, channel=channel, map_category=False)
    listings_publish(channel=channel, listing_ids=[listing.pk])
    run_queue()
    listing.refresh_from_db()
    assert listing.status == ListingStatus.LIVE
    assert listing.marketplace_ids["item_id"] == listing.external_id  # captured at push
    # when the seller changes the price on Lazada and we pull
    sandbox.edit_item("lazada", listing.external_id, price="25.00")
    _read_back(listing, "pull")
    # then the marketplace's price is ours now and our discarded one is kept
    assert listing.price == Decimal("25.00")
    assert listing.discarded_change["price"]["ours"] == "20"
    assert listing.discarded_change["price"]["remote"] == "25"
    assert listing.discarded_change["price"]["override"] is None
    # when the operator pushes their value again
    job = listing_discarded_push_again(listing=listing)
    run_queue()
    job.refresh_from_db()
    listing.refresh_from_db()
    assert job.succeeded == 1
    assert listing.discarded_change == {}
    assert listing.price is None  # no override any more: the product's price applies again, as before
    item = next(i for i in sandbox.items("lazada") if str(i["item_id"]) == listing.external_id)
    assert Decimal(str(item["skus"][0]["price"])) == Decimal("20")


def test_a_title_the_marketplace_changed_becomes_a_marketplace_version(
    make_channel, make_listable_product, make_listing, sandbox, settings
):
    from channels.services import category_mapping_set
    from common import events
    from listings.models import ListingVersion
    from syncing.events import VERSION_MARKETPLACE

    # given a live Lazada listing on a channel where the marketplace wins
    settings.SYNC_RETRY_SCHEDULE = (0.1, 0.1, 0.1)
    account = sandbox.account("lazada")
    channel = make_channel(
        "lazada",
        name="Lazada MY",
        base_url=sandbox.url("lazada"),
        shop_id=account["shop_id"],
        credentials=account["credentials"],
        rate_limit_per_second=200,
        rate_limit_burst=5,
        conflict_policy=ChannelConflictPolicy.REMOTE_WINS,
    )
    product = make_listable_product(weight_grams=500, length_mm=200, width_mm=100, height_mm=50)
    category_mapping_set(channel=channel, category=product.category, external_category_id="10000123")
    listing = make_listing(product=product, channel=channel, map_category=False)
    listings_publish(channel=channel, listing_ids=[listing.pk])
    run_queue()
    listing.refresh_from_db()
    assert listing.status == ListingStatus.LIVE
    versions_before = ListingVersion.objects.filter(listing=listing).count()
    heard = []

    def hear(**payload):
        heard.append(payload)

    # when the marketplace rewrites the title (an automatic fix) and we pull
    sandbox.edit_item("lazada", listing.external_id, name="Mug, ceramic (fixed by Lazada)")
    events.subscribe(VERSION_MARKETPLACE, hear)
    try:
        _read_back(listing, "pull")
    finally:
        events._handlers[VERSION_MARKETPLACE].remove(hear)

    # then the title is ours now, and the listing's history has a version made by the marketplace
    assert listing.title == "Mug, ceramic (fixed by Lazada)"
    version = ListingVersion.objects.filter(listing=listing).order_by("-version_number").first()
    assert ListingVersion.objects.filter(listing=listing).count() == versions_before + 1
    assert version.change_type == "marketplace"
    assert version.source == "Lazada MY (Lazada)"
    assert "title" in version.changed_fields
    assert version.change_reason == "Accepted the marketplace's values: title."
    assert version.created_by is None
    # and one event tells the upper apps (automation, notifications)
    assert heard == [{"listing_id": listing.pk, "channel_id": channel.pk, "fields": ["title"], "user": None}]

    # and a pull that finds nothing new records no further version
    _read_back(listing, "pull")
    assert ListingVersion.objects.filter(listing=listing).count() == versions_before + 1


def test_refresh_and_push_again_refuse_what_they_cannot_do(linked, make_listing, make_channel):
    from common.errors import ApplicationError

    listing = linked(MARKETS[0])  # shopify
    never = make_listing(channel=listing.channel)
    with pytest.raises(ApplicationError, match="never published"):
        listing_remote_refresh(listing=never)
    with pytest.raises(ApplicationError, match="nothing to push again"):
        listing_discarded_push_again(listing=listing)
    listing_remote_refresh(listing=listing)
    with pytest.raises(ApplicationError, match="already running"):
        listing_remote_refresh(listing=listing)
    channel_listings_pull(channel=listing.channel)  # a refresh does not block a channel pull
    with pytest.raises(ApplicationError, match="already running"):
        channel_listings_pull(channel=listing.channel, full=False)
    assert SyncJob.objects.count() == 2


def test_a_lost_pull_is_ended_so_the_next_one_can_start(make_channel):
    from syncing.services.maintenance import sync_pulls_fail_stuck

    channel = make_channel("shopify")
    lost = channel_listings_pull(channel=channel)
    SyncJob.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(hours=1))
    fresh_channel = make_channel("lazada")
    fresh = channel_listings_pull(channel=fresh_channel)
    assert sync_pulls_fail_stuck(stuck_after_minutes=30) == [lost.pk]
    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert (lost.status, fresh.status) == ("failed", "queued")
    assert "no progress" in lost.message
    channel_listings_pull(channel=channel)  # the channel is free again


def test_incremental_pull_delists_a_listing_deleted_on_the_marketplace(linked, sandbox):
    listing = linked(MARKETS[1])  # lazada
    _read_back(listing, "pull")  # the full pull sets the cursor
    sandbox.advance_clock(3600)
    sandbox.set_remote_state("lazada", listing.external_id, "deleted")
    channel_listings_pull(channel=listing.channel, full=False)
    run_queue()
    listing.refresh_from_db()
    assert (listing.status, listing.remote_status, listing.external_id) == (ListingStatus.DELISTED, "deleted", "")
    lists = [e["query"].get("filter") for e in sandbox.log("lazada") if e["path"].endswith("/products/get")]
    assert lists[-2:] == ["all", "deleted"]


def test_suppression_and_push_answers_reach_the_automation_rules(linked, sandbox):
    """The sandbox suppresses an item: the refresh publishes syncing.listing_suppressed and a rule waiting for
    listing.suppressed fires; a push's answer publishes syncing.listing_pushed (listing.synced) (docs/automation.md)."""
    from workflow.models import RuleEvaluation
    from workflow.rule_services import automation_rule_create

    listing = linked(MARKETS[5])  # amazon
    tag = {"action_type": "tag_listing", "cooldown_minutes": 0}
    suppressed = automation_rule_create(name="Suppressed", trigger_type="event",
                                        trigger_config={"event_type": "listing.suppressed"},
                                        action_config={"tag": "suppressed"}, **tag)  # fmt: skip
    synced = automation_rule_create(name="Synced", trigger_type="event",
                                    trigger_config={"event_type": "listing.synced"},
                                    action_config={"tag": "pushed"}, **tag)  # fmt: skip
    sandbox.set_remote_state("amazon", listing.external_id, "suppressed")
    _read_back(listing, "refresh")
    assert list(RuleEvaluation.objects.filter(rule=suppressed).values_list("listing_id", "outcome")) == [
        (listing.pk, "matched")
    ]
    assert list(listing.workflow_tags.values_list("tag", flat=True)) == ["suppressed"]
    shop = linked(MARKETS[0])
    Listing.objects.filter(pk=shop.pk).update(price=Decimal("21.50"))
    listings_publish(channel=shop.channel, listing_ids=[shop.pk])
    run_queue()
    assert list(RuleEvaluation.objects.filter(rule=synced).values_list("listing_id", "outcome")) == [
        (shop.pk, "matched")
    ]
    assert list(shop.workflow_tags.values_list("tag", flat=True)) == ["pushed"]


def test_a_sync_job_with_failures_notifies_its_starter_and_the_admins(
    linked, sandbox, admin_user, make_user, django_capture_on_commit_callbacks
):
    """Amazon refuses the update (no productType): the job ends failed and one job_failed notification links to it
    (docs/operations.md#notifications)."""
    from operations.models import Notification

    starter = make_user("starter", "editor")
    listing = linked(MARKETS[5])  # amazon
    Listing.objects.filter(pk=listing.pk).update(price=Decimal("21.50"))
    with django_capture_on_commit_callbacks(execute=True):
        job = listings_publish(channel=listing.channel, listing_ids=[listing.pk], user=starter)
        run_queue()
    job.refresh_from_db()
    assert (job.status, job.failed, job.total) == ("failed", 1, 1)
    notes = Notification.objects.filter(kind="job_failed").order_by("user_id")
    assert [n.user_id for n in notes] == sorted([admin_user.pk, starter.pk])
    assert notes[0].title == f"Sync job #{job.pk} on {listing.channel.name} failed"
    assert notes[0].link == f"/sync/jobs/{job.pk}/"
