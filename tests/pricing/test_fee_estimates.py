"""Amazon Product Fees estimates per listing (docs/pricing.md#amazon-fee-estimates): the service over the sandbox,
margins taking the estimated fulfilment fee when the fee row says so, the API action and the page button."""

from decimal import Decimal

import pytest
from django.urls import reverse

from common.errors import ApplicationError
from listings.models import Listing
from pricing.models import ChannelFee, FeeEstimate
from pricing.selectors import listing_costs, listings_margins
from pricing.services import channel_fee_create, fee_estimates_refresh
from syncing.connectors.base import ListingPayload
from syncing.services.connection import connector_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def amazon_listing(make_sandbox_channel, make_listing, make_listable_product):
    """A listing whose SKU is on the sandbox's Amazon shop (pushed there by the connector), priced 20.00 USD."""
    channel = make_sandbox_channel("amazon", currency="USD", country="US", language="en")
    product = make_listable_product(sku="MUG-1", price=Decimal("20.00"), cost_price=Decimal("8.00"), weight_grams=400)
    listing = make_listing(product=product, channel=channel)
    connector_for(channel).push_listing(
        ListingPayload(sku="MUG-1", title="Mug", description="A mug.", price=Decimal("20.00"), currency="USD",
                       quantity=3, brand="Acme", category_id="DRINKING_CUP", image_urls=(), weight_grams=400)
    )  # fmt: skip
    Listing.objects.filter(pk=listing.pk).update(external_id="MUG-1")
    listing.refresh_from_db()
    return listing


def test_estimates_are_kept_per_listing_and_feed_the_margin_when_the_fee_row_says_so(amazon_listing):
    channel = amazon_listing.channel
    fee = channel_fee_create(channel=channel, referral_pct=Decimal("15"), fulfilment_fee=Decimal("1.00"))
    typed = listing_costs(amazon_listing)
    assert typed.margin.fees.fulfilment == Decimal("1.00")

    # when Amazon is asked for FBA fees
    run = fee_estimates_refresh(channel=channel, fulfilled_by_amazon=True)

    # then the listing keeps the estimate (referral 3.00 + FBA 3.77 for 400 g)
    assert (run.estimated, run.refused, run.skipped) == (1, 0, 0)
    estimate = FeeEstimate.objects.get(listing=amazon_listing)
    assert (estimate.total_fee, estimate.referral_fee, estimate.fulfilment_fee) == (
        Decimal("6.77"), Decimal("3.00"), Decimal("3.77")
    )  # fmt: skip
    assert estimate.price == Decimal("20.00")
    # and the margin still uses the typed fee until the fee row asks for estimates
    assert listing_costs(amazon_listing).estimate is None
    ChannelFee.objects.filter(pk=fee.pk).update(use_fee_estimates=True)
    used = listing_costs(amazon_listing)
    assert used.margin.fees.fulfilment == Decimal("3.77")
    assert used.estimate == estimate
    assert used.margin.net_margin == typed.margin.net_margin - Decimal("2.77")
    # and the list's batch computation agrees
    (row,) = listings_margins([Listing.objects.select_related("product", "product__category", "variant", "channel")
                               .get(pk=amazon_listing.pk)])  # fmt: skip
    assert row.margin.fees.fulfilment == Decimal("3.77")


def test_a_second_run_replaces_the_estimate_and_a_refusal_keeps_the_reason(amazon_listing):
    channel = amazon_listing.channel
    fee_estimates_refresh(channel=channel, fulfilled_by_amazon=True)
    Listing.objects.filter(pk=amazon_listing.pk).update(external_id="GONE-1")  # not on Amazon any more
    run = fee_estimates_refresh(channel=channel)
    assert (run.estimated, run.refused) == (0, 1)
    estimate = FeeEstimate.objects.get(listing=amazon_listing)
    assert estimate.error == "The SKU GONE-1 is not in the seller's catalog."
    assert estimate.total_fee is None
    assert FeeEstimate.objects.count() == 1


def test_other_marketplaces_and_paused_channels_are_refused(make_sandbox_channel, amazon_listing):
    with pytest.raises(ApplicationError, match="not an Amazon channel"):
        fee_estimates_refresh(channel=make_sandbox_channel("shopify"))
    channel = amazon_listing.channel
    channel.is_active = False
    channel.save(update_fields=["is_active"])
    with pytest.raises(ApplicationError, match="is paused"):
        fee_estimates_refresh(channel=channel)


def test_use_fee_estimates_is_refused_on_a_non_amazon_fee_row(admin_api, make_channel):
    shop = make_channel("shopify")
    response = admin_api.post("/api/v1/channel-fees/", {"channel": shop.pk, "use_fee_estimates": True}, format="json")
    assert response.status_code == 400
    assert "Amazon channels only" in str(response.json())


def test_api_estimate_action_and_costs_name_the_source(admin_api, amazon_listing):
    fee = channel_fee_create(channel=amazon_listing.channel, referral_pct=Decimal("15"), use_fee_estimates=True)
    response = admin_api.post(f"/api/v1/channel-fees/{fee.pk}/estimate/", {"fulfilled_by_amazon": True}, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {"estimated": 1, "refused": 0, "skipped": 0}
    costs = admin_api.get(f"/api/v1/listings/{amazon_listing.pk}/costs/").json()
    assert costs["fees"]["fulfilment"] == "3.77"
    assert costs["fees"]["fulfilment_source"] == "amazon_estimate"
    bad = admin_api.post(f"/api/v1/channel-fees/{fee.pk}/estimate/", {"fulfilled_by_amazon": "maybe"}, format="json")
    assert bad.status_code == 400
    assert "fulfilled_by_amazon" in str(bad.json())


def test_fee_page_button_runs_the_estimate_and_says_what_came_of_it(staff_client, amazon_listing, make_channel):
    fee = channel_fee_create(channel=amazon_listing.channel, referral_pct=Decimal("15"))
    page = staff_client.get(reverse("pricing:fee_list"))
    assert b"Estimate fees from Amazon" in page.content
    response = staff_client.post(reverse("pricing:fee_estimate", args=[fee.pk]), follow=True)
    texts = [str(m) for m in response.context["messages"]]
    assert any("1 listing(s) estimated by Amazon" in t for t in texts)
    other = channel_fee_create(channel=make_channel("etsy"))
    response = staff_client.post(reverse("pricing:fee_estimate", args=[other.pk]), follow=True)
    assert any("not an Amazon channel" in str(m) for m in response.context["messages"])


def test_the_nightly_refresh_asks_again_only_where_the_price_moved_or_the_estimate_is_old(amazon_listing):
    from datetime import timedelta

    from django.utils import timezone

    from pricing.services import fee_estimates_refresh_nightly

    channel = amazon_listing.channel
    channel_fee_create(channel=channel, referral_pct=Decimal("15"), use_fee_estimates=True)
    assert fee_estimates_refresh_nightly()["estimated"] == 1  # no estimate yet
    first = FeeEstimate.objects.get(listing=amazon_listing)
    assert fee_estimates_refresh_nightly()["estimated"] == 0  # same price, fresh estimate: not asked again
    Listing.objects.filter(pk=amazon_listing.pk).update(price=Decimal("30.00"))
    assert fee_estimates_refresh_nightly()["estimated"] == 1
    again = FeeEstimate.objects.get(listing=amazon_listing)
    assert (again.price, again.referral_fee) == (Decimal("30.00"), Decimal("4.50"))
    assert again.estimated_at > first.estimated_at
    later = timezone.now() + timedelta(days=8)
    assert fee_estimates_refresh_nightly(now=later)["estimated"] == 1  # older than a week


def test_the_nightly_refresh_skips_a_channel_that_refuses(amazon_listing, sandbox):
    from pricing.services import fee_estimates_refresh_nightly

    channel_fee_create(channel=amazon_listing.channel, referral_pct=Decimal("15"), use_fee_estimates=True)
    sandbox.set_faults("amazon", status_5xx=503, path_contains="feesEstimate")
    totals = fee_estimates_refresh_nightly()
    assert (totals["failed_channels"], totals["estimated"]) == (1, 0)
    assert not FeeEstimate.objects.exists()


def test_the_price_rules_floor_uses_the_estimated_fulfilment_fee(amazon_listing):
    from django.utils import timezone

    from pricing.rule_selectors import listings_for_rules, listings_inputs

    channel = amazon_listing.channel
    channel_fee_create(channel=channel, referral_pct=Decimal("15"), fulfilment_fee=Decimal("1.00"),
                       use_fee_estimates=True)  # fmt: skip
    loaded = list(listings_for_rules().filter(pk=amazon_listing.pk))
    assert listings_inputs(loaded, timezone.now())[0].terms.fulfilment_fee == Decimal("1.00")  # no estimate yet
    fee_estimates_refresh(channel=channel, fulfilled_by_amazon=True)
    assert listings_inputs(loaded, timezone.now())[0].terms.fulfilment_fee == Decimal("3.77")
