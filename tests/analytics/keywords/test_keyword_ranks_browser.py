"""Browser check (docs/analytics.md#rank-tracker-files): an editor uploads a rank tracker's CSV on the keywords tab
and sees the organic and sponsored ranks in the table, the '>306' note and a refused row."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import browser, page, staff_login  # noqa: F401 - the browser fixtures live with e2e

from .conftest import KETTLE

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CSV = b"Keyword,Search Volume,Organic Rank,Sponsored Position\nelectric kettle,12400,7,3\ntea kettle,900,>306,12\n" \
      b"glass kettle,100,abc,1\n"  # fmt: skip


def test_import_ranks_and_see_them_on_the_tab(page, staff_login, make_channel, make_listable_product, make_listing):  # noqa: F811
    listing = make_listing(product=make_listable_product(sku="KETTLE-1", **KETTLE), channel=make_channel("amazon"))
    staff_login()

    page.goto(f"/analytics/listings/{listing.pk}/keywords/")
    page.set_input_files("#id_file", files=[{"name": "tracker.csv", "mimeType": "text/csv", "buffer": CSV}])
    page.get_by_role("button", name="Import ranks").click()

    messages = page.locator(".messages")
    expect(messages).to_contain_text(
        "Ranks imported from tracker.csv: 2 keyword(s) added, 0 updated, 1 row(s) refused."
    )
    expect(messages).to_contain_text("Organic Rank '>306' is beyond the tracked depth (306), stored as empty")
    expect(messages).to_contain_text("Row 4 ('glass kettle'): Organic Rank 'abc' is not a whole number.")
    table = page.get_by_role("table", name="Keywords")
    electric = table.locator('tr[data-keyword="electric kettle"]')
    expect(electric.locator("[data-organic-rank]")).to_have_text("#7")
    expect(electric.locator("[data-sponsored-rank]")).to_have_text("#3")
    tea = table.locator('tr[data-keyword="tea kettle"]')
    expect(tea.locator("[data-organic-rank]")).to_have_text("—")
    expect(tea.locator("[data-sponsored-rank]")).to_have_text("#12")
