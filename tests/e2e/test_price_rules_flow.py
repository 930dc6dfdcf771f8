"""Browser flow (docs/pricing.md#price-rules): a rule typed in the editor previews live (static/js/price_rules.js)
without being saved, a bad config is refused naming its field, then the rule is saved and listed."""

import json
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from catalog.services.products import product_update
from pricing.models import PriceRule

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_rule_editor_live_preview_then_save(page, staff_login, make_listing):
    listing = make_listing()  # USD, price 20.00
    product_update(product=listing.product, cost_price=Decimal("8.00"))
    staff_login()

    page.goto("/pricing/rules/new/")
    page.fill("#id_name", "Beat by 0.50")
    page.select_option("#id_rule_type", "competitor_beat")
    page.fill("#id_config", json.dumps({"beat_by_amount": "0.50"}))
    page.fill("#id_q", listing.product.sku)
    page.fill("#id_competitor_price", "18.00")
    page.locator("#id_competitor_price").dispatch_event("change")  # the script previews on change
    preview = page.get_by_role("table", name="Rule preview")
    expect(preview).to_contain_text("lowest competitor landed 18.00 − 0.50 = 17.50")
    assert not PriceRule.objects.exists()

    page.fill("#id_config", "{}")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("form[aria-label='Price rule']")).to_contain_text("config.beat_by_amount")

    page.fill("#id_config", json.dumps({"beat_by_amount": "0.50"}))
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("table", name="Price rules")).to_contain_text("Beat by 0.50")
