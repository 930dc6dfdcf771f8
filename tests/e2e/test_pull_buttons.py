"""Browser: the channel page's pull buttons (docs/orders.md#pulling, docs/sync.md#pull-and-drift). A buyer orders on the
marketplace sandbox; "Pull orders now" queues the pull, the worker's run brings the order in and the orders page
lists it; "Pull now" queues a listings pull whose job page shows it done."""

import pytest
import requests
from playwright.sync_api import expect

from listings.models import Listing
from orders.models import Order
from syncing.models import SyncJob

from .conftest import run_queue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pull_orders_now_and_pull_now_from_the_channel_page(page, staff_login, live_on_sandbox_shopify, sandbox):
    shop, listing = live_on_sandbox_shopify("Shopify Pull")
    sku = listing.product.sku
    bought = requests.post(
        f"{sandbox.base_url}/_control/orders",
        json={"marketplace": "shopify", "lines": [{"sku": sku, "quantity": 1}], "paid": True},
        timeout=5,
    )
    assert bought.status_code == 200, bought.text
    assert not Order.objects.exists()
    staff_login()

    page.goto(f"/channels/{shop.pk}/")
    page.locator("#pull-orders-now-button").click()
    expect(page.locator(".messages")).to_contain_text("Pulling the orders of Shopify Pull")
    assert not Order.objects.exists()  # queued, not pulled in the request
    run_queue()
    order = Order.objects.get(channel=shop)
    assert order.lines.get().sku == sku
    page.goto("/orders/")
    expect(page.get_by_role("link", name=order.external_id)).to_be_visible()

    page.goto(f"/channels/{shop.pk}/")
    page.locator("#pull-now-button").click()
    expect(page.locator(".messages")).to_be_visible()
    run_queue()
    job = SyncJob.objects.filter(channel=shop, kind="pull").latest("pk")
    page.goto(f"/sync/jobs/{job.pk}/")
    expect(page.locator("body")).to_contain_text("Succeeded")
    listing = Listing.objects.get(pk=listing.pk)
    # the marketplace sold one, our ledger took it off too: the pull finds the same stock, no drift
    assert (listing.status, listing.drift) == ("live", {})
