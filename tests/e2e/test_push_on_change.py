"""Browser: a price edited on the product page shows "Changes not pushed", then goes out by itself and the
listing reads "Live" with the new price on the marketplace sandbox (`/_control/items`)."""

import json
import urllib.request
from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from listings.models import Listing

from .conftest import run_queue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _remote_price(sandbox, external_id: str) -> str:
    with urllib.request.urlopen(f"{sandbox.base_url}/_control/items?marketplace=shopify", timeout=10) as response:
        items = json.load(response)["items"]
    item = next(i for i in items if i["id"] == external_id)
    return item["variants"]["nodes"][0]["price"]


def test_price_edit_on_the_product_page_goes_live(page, staff_login, live_on_sandbox_shopify, sandbox, settings):
    settings.SYNC_RETRY_SCHEDULE = (0.1, 0.1, 0.1)
    shop, listing = live_on_sandbox_shopify("Shopify US")
    staff_login()

    # A person changes the price on the product page.
    page.goto(reverse("catalog:product_update", kwargs={"pk": listing.product_id}))
    page.fill("#id_price", "27.40")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".messages")).to_be_visible()
    page.goto(reverse("catalog:product_detail", kwargs={"pk": listing.product_id}))
    expect(page.locator("[data-changes-not-pushed]")).to_have_text("Changes not pushed")
    page.goto(reverse("listings:listing_detail", kwargs={"pk": listing.pk}))
    expect(page.locator("[data-changes-not-pushed]")).to_have_text("Changes not pushed")
    expect(page.locator("#changes-not-pushed")).to_contain_text("offers")

    # The worker sends it a debounce later; the listing is Live again with the new price on the marketplace.
    run_queue()
    page.reload()
    expect(page.locator(".page-head .badge.status-live")).to_have_text("Live")
    expect(page.locator("[data-changes-not-pushed]")).to_have_count(0)
    expect(page.locator("#changes-not-pushed")).to_have_text("none")
    listing = Listing.objects.get(pk=listing.pk)
    assert Decimal(_remote_price(sandbox, listing.external_id)) == Decimal("27.40")
