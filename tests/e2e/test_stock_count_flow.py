"""Browser flow (docs/orders.md#stock-count-upload): upload a stock count from /stock/, see the preview with the bad
row, confirm, and find the counted figure and its movement on the SKU's stock page with its exposure section."""

import pytest
from playwright.sync_api import expect

from tests.catalog.factories import ProductFactory

from .conftest import run_queue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_stock_count_upload_preview_confirm_and_ledger(page, staff_login, tmp_path):
    ProductFactory(sku="MUG-1", title="Blue mug", quantity=10)
    sheet = tmp_path / "count.csv"
    sheet.write_text("sku,on_hand\nMUG-1,7\nNOPE-9,3\n", encoding="utf-8")
    staff_login()

    page.goto("/stock/")
    page.get_by_text("Upload a stock count").click()
    page.set_input_files("#id_count_file", str(sheet))
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_url("**/imports/*/")
    run_queue()  # the dry run
    page.reload()
    expect(page.locator("body")).to_contain_text("No variant, and no product without variants, has the SKU 'NOPE-9'")
    page.locator("#import-confirm-button").click()
    run_queue()  # the commit
    page.goto("/stock/?q=MUG-1")
    page.get_by_role("link", name="MUG-1").first.click()
    expect(page.locator("#bucket-on_hand")).to_have_text("7")
    expect(page.get_by_role("table", name="Stock movements")).to_contain_text("Stock count import #")
    expect(page.get_by_role("table", name="Exposure per channel")).to_contain_text("No channel lists this SKU.")
