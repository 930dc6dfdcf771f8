"""Browser flow (docs/orders.md#pages): an ingested order's page shows its lines and the stock movement it caused;
the SKU's stock page shows the buckets, each linking to its movements; a manual adjustment needs a reason and is
refused below zero, then applied."""

import pytest
from playwright.sync_api import expect

from orders.services import order_ingest
from tests.catalog.factories import ProductFactory
from tests.orders.conftest import remote_line, remote_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_order_to_stock_to_adjustment(page, staff_login, make_channel):
    ProductFactory(sku="MUG-1", title="Blue mug", quantity=10)
    channel = make_channel("shopify", currency="USD")
    order = order_ingest(channel=channel, remote=remote_order(order_id="5001", lines=[remote_line(quantity=3)]))
    staff_login()

    page.goto("/orders/")
    page.get_by_role("link", name="5001").click()
    expect(page.locator("h1")).to_contain_text("Order 5001")
    movements = page.get_by_role("table", name="Stock movements")
    expect(movements).to_contain_text("Order paid")
    expect(movements).to_contain_text("+3")

    page.get_by_role("table", name="Order lines").get_by_role("link", name="MUG-1").click()
    expect(page.locator("#bucket-committed")).to_have_text("3")
    expect(page.locator("#bucket-available")).to_have_text("7")
    page.locator("#bucket-committed").click()
    expect(page.get_by_role("table", name="Stock movements")).not_to_contain_text("Opening count")
    page.get_by_role("table", name="Stock movements").get_by_role(
        "link", name=f"order line {order.lines.get().pk}"
    ).click()
    expect(page.locator("h1")).to_contain_text("Order 5001")
    page.go_back()

    page.fill("#id_delta", "-20")
    page.fill("#id_reason", "water damage")
    page.get_by_role("button", name="Adjust").click()
    expect(page.locator(".messages")).to_contain_text('Going below zero is allowed only with the reason "count"')
    expect(page.locator("#bucket-on_hand")).to_have_text("10")

    page.fill("#id_delta", "-2")
    page.fill("#id_reason", "water damage")
    page.get_by_role("button", name="Adjust").click()
    expect(page.locator(".messages")).to_contain_text("on hand -2 (water damage)")
    expect(page.locator("#bucket-on_hand")).to_have_text("8")
    expect(page.locator("#bucket-available")).to_have_text("5")
    expect(page.get_by_role("table", name="Stock movements")).to_contain_text("Manual adjustment")
