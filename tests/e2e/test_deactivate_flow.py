"""Browser flow: a live listing taken off Shopify from its page, after a confirmation naming the marketplace; the
status follows Shopify's answer (docs/sync.md#deactivation)."""

import pytest
from playwright.sync_api import expect

from listings.models import Listing
from syncing.services import listings_publish

from .conftest import run_queue, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def live_listing(make_sandbox_channel, make_listing, settings):
    settings.SYNC_RETRY_SCHEDULE = (0.1, 0.1, 0.1)
    channel = make_sandbox_channel("shopify", name="Shopify US")
    listing = make_listing(channel=channel)
    listings_publish(channel=channel, listing_ids=[listing.pk])
    run_queue()
    listing.refresh_from_db()
    assert listing.status == "live", listing.last_error_message
    return listing


def test_deactivate_a_live_listing_from_its_page(page, staff_login, live_listing, sandbox):
    staff_login()
    page.goto(f"/listings/{live_listing.pk}/")
    expect(page.locator(".page-head .badge")).to_have_text("Live")
    # The status form offers no marketplace status: delisting goes through the marketplace
    expect(page.locator("#id_to_status option[value=delisted]")).to_have_count(0)
    page.click("#deactivate-button")
    # The confirmation names the channel and the marketplace; nothing is sent yet
    expect(page.locator("#deactivate-confirm")).to_contain_text("Shopify US")
    expect(page.locator("#deactivate-confirm-button")).to_have_text("Yes, send it to Shopify")
    screenshot(page, "listing-deactivate-confirm")
    page.click("#deactivate-confirm-button")
    expect(page.locator(".messages")).to_contain_text("The status changes once Shopify")
    expect(page.locator(".page-head .badge")).to_have_text("Live")  # until Shopify has answered
    run_queue()
    page.reload()
    expect(page.locator(".page-head .badge")).to_have_text("Delisted")
    expect(page.locator("#history")).to_contain_text("Took the listing off Shopify US.")
    [item] = [i for i in sandbox.items("shopify") if i["id"] == live_listing.external_id]
    assert item["status"] == "ARCHIVED"
    assert Listing.objects.get(pk=live_listing.pk).status == "delisted"
