"""Browser flow (docs/pricing.md#pages): a supplier, a component and its price entered through the pages, a BOM
line added on the product's bill page, the landed cost and the listing's net margin shown (pricing table, filtered
and sorted on the stored margin; listing page)."""

import pytest
from playwright.sync_api import expect

from inventory.cost_models import CurrencyRate
from tests.e2e.conftest import run_queue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_supplier_component_bom_to_margin(page, staff_login, make_listing):
    # The migration seeds these rates, but an earlier transactional test's flush may have removed them.
    for currency, rate in (("USD", "1"), ("GBP", "0.79")):
        CurrencyRate.objects.update_or_create(currency=currency, defaults={"rate": rate})
    listing = make_listing()  # USD, price 20.00, no cost price
    staff_login()

    page.goto("/costs/suppliers/new/")
    page.fill("#id_name", "UK Fasteners")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("h1")).to_contain_text("UK Fasteners")

    page.goto("/costs/components/new/")
    page.fill("#id_name", "Screw")
    page.select_option("#id_preferred_supplier", label="UK Fasteners")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("h1")).to_contain_text("Screw")

    page.locator("#add-price").click()
    page.select_option("#id_supplier", label="UK Fasteners")
    page.fill("#id_unit_cost", "0.79")
    page.fill("#id_currency", "GBP")
    page.fill("#id_valid_from", "2026-01-01")
    page.fill("#id_valid_to", "2025-12-31")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("form[aria-label='Component price']")).to_contain_text(
        "valid_to 2025-12-31 is before valid_from 2026-01-01."
    )
    page.fill("#id_valid_to", "")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("table", name="Component prices")).to_contain_text("0.7900")

    page.goto(f"/costs/products/{listing.product_id}/bom/")
    page.select_option("#id_component", label="Screw")
    page.fill("#id_quantity", "4")
    page.get_by_role("button", name="Add line").click()
    expect(page.locator(".messages")).to_contain_text("Added Screw to the bill.")
    # 4 × (0.79 GBP = 1.00 USD) × 1.10 overhead
    expect(page.locator("[data-landed]").first).to_have_text("4.40 USD")

    run_queue()  # the recompute the BOM change enqueued stores the landed cost for the lists
    page.goto("/pricing/")
    row = page.get_by_role("table", name="Pricing table").locator("tr", has_text=listing.product.sku)
    expect(row).to_contain_text("4.40")
    expect(row.locator("[data-margin-pct]")).to_have_text("78.00 %")  # (20 − 4.40) / 20, no fees set

    # the stored margin (refreshed by the recompute) filters and sorts the table; a bad range is named
    page.fill("#id_margin_min", "70")
    page.select_option("#id_sort", label="Margin % descending")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("table", name="Pricing table")).to_contain_text(listing.product.sku)
    page.fill("#id_margin_min", "80")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("table", name="Pricing table")).to_contain_text("No listings here.")
    page.fill("#id_margin_max", "10")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#id_margin_max_errors")).to_contain_text("Margin % to (10) is below Margin % from (80).")
    page.goto("/pricing/")
    row = page.get_by_role("table", name="Pricing table").locator("tr", has_text=listing.product.sku)

    row.get_by_role("link", name=listing.product.sku).click()
    expect(page.locator("#listing-costs")).to_contain_text("20.00 − 4.40 − 0.00 = 15.60 USD")
