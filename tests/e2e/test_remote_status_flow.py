"""Browser flow (docs/sync.md#remote-status): a live Lazada listing is suppressed on the marketplace; the operator
presses "Refresh from marketplace" and the page shows it suppressed, with Lazada's reason and the fix; "Pull now"
on the channel page starts a pull job."""

import pytest
from playwright.sync_api import expect

from channels.services import category_mapping_set
from listings.models import Listing
from syncing.services import listings_publish

from .conftest import run_queue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def live_lazada_listing(make_channel, make_listable_product, make_listing, sandbox, settings):
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
    )
    product = make_listable_product(weight_grams=500, length_mm=200, width_mm=100, height_mm=50)
    category_mapping_set(channel=channel, category=product.category, external_category_id="10000123")
    listing = make_listing(product=product, channel=channel, map_category=False)
    listings_publish(channel=channel, listing_ids=[listing.pk])
    run_queue()
    listing.refresh_from_db()
    assert listing.status == "live", listing.last_error_message
    return listing


def test_suppressed_on_the_marketplace_shows_after_refresh(page, staff_login, live_lazada_listing, sandbox):
    listing = live_lazada_listing
    staff_login()
    page.goto(f"/listings/{listing.pk}/")
    expect(page.locator("#remote")).to_contain_text(f"item_id {listing.external_id}")
    # the marketplace suppresses the item
    sandbox.set_remote_state("lazada", listing.external_id, "suppressed", reasons=["Prohibited claim in title"])
    page.get_by_role("button", name="Refresh from marketplace").click()
    expect(page.locator(".messages")).to_contain_text("Reading the listing back from the marketplace")
    run_queue()
    page.reload()
    expect(page.locator(".page-head")).to_contain_text("Suppressed")
    expect(page.locator("#remote-raw-status")).to_have_text("Suspended")
    expect(page.locator("#remote-issues")).to_contain_text("Prohibited claim in title")
    expect(page.locator("#remote-issues")).to_contain_text("publish again")
    expect(page.locator("#history")).to_contain_text("Read the listing back from Lazada MY")
    # and Pull now on the channel page starts a pull job
    page.goto(f"/channels/{listing.channel_id}/")
    page.get_by_role("button", name="Pull now").click()
    expect(page.locator("h1")).to_contain_text("#")
    assert Listing.objects.get(pk=listing.pk).status == "suppressed"
