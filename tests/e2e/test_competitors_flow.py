"""Browser flow (docs/competitors.md#pages): add a competitor on Amazon, observe it now, the seller drops its
price in the sandbox, observe again, the alert is in the inbox and is dismissed."""

import pytest
from playwright.sync_api import expect

from tests.competitors.conftest import KETTLE, SELLERS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_add_competitor_observe_alert_dismiss(page, staff_login, make_sandbox_channel, sandbox):
    amazon = make_sandbox_channel("amazon", name="Amazon US")
    staff_login()

    page.goto("/competitors/new/")
    page.select_option("#id_channel", label="Amazon US")
    page.fill("#id_item_id", KETTLE)
    page.fill("#id_seller_id", SELLERS[2])
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("Tracking")

    page.get_by_role("button", name="Observe now").click()
    expect(page.locator("[data-current-price]")).to_have_text("52.00 USD")

    sandbox.set_competitor("amazon", KETTLE, seller_id=SELLERS[2], price="46.00")
    page.get_by_role("button", name="Observe now").click()
    expect(page.locator("[data-current-price]")).to_have_text("46.00 USD")
    expect(page.locator("svg polyline[data-series=landed]")).to_have_count(1)

    page.get_by_role("link", name="Alerts", exact=True).click()
    row = page.get_by_role("table", name="Alerts").locator("tr", has_text="Price drop")
    expect(row).to_contain_text("52.00 → 46.00")
    expect(row).to_contain_text("High")  # 11.5 %
    row.get_by_role("button", name="Dismiss").click()
    expect(page.locator(".messages")).to_contain_text("Alert marked dismissed.")
    expect(page.get_by_role("table", name="Alerts").locator("tr", has_text="Price drop")).to_have_count(0)
    assert amazon.competitors.get().alerts.filter(alert_type="price_drop", status="dismissed").count() == 1
