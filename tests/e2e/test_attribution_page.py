"""Browser flow (docs/analytics.md#attribution): from the analytics page to "Changes and their effect", the
worked example's title change with its figures, verdict and chart, a confounder badge, the filter (and a bad value on
its field), and the link to the version diff."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from analytics.services.attribution import attribution_analyse
from pricing.history import price_history_record
from pricing.history_models import PriceHistory
from tests.analytics.attribution_data import CHANGE_DAY, LONG_AGO, TODAY, at, worked_example

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_attribution_page(page, staff_login, make_channel):
    scene = worked_example(make_channel)
    PriceHistory.objects.filter(listing=scene.listing).delete()
    price_history_record(listing=scene.listing, price=20, source="manual", at=LONG_AGO)
    price_history_record(listing=scene.listing, price=18, source="manual", at=at(CHANGE_DAY + timedelta(days=20)))
    price_history_record(listing=scene.listing, price=17, source="manual", at=at(CHANGE_DAY + timedelta(days=3)))
    attribution_analyse(since=CHANGE_DAY - timedelta(days=3), today=TODAY)
    staff_login()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Analytics").click()
    page.get_by_role("link", name="Changes and their effect").click()
    expect(page.locator("h1")).to_have_text("Changes and their effect")
    table = page.get_by_role("table", name="Changes and their effect")
    row = table.locator("tr", has_text="MUG-T").filter(has_text="Title")
    expect(row).to_contain_text("10.00 → 12.00")
    expect(row.locator("td.control")).to_contain_text("15.00 → 16.50 (2 listings)")
    expect(row.locator("td.impact")).to_have_text("+10.00")
    expect(row.locator("td.confidence")).to_have_text("90.84 %")
    expect(row.locator(".verdict")).to_have_text("Positive")
    badge = row.locator('.confounder[data-code="price_change"]')
    expect(badge).to_have_text("Price change inside the window")
    expect(badge).to_have_attribute("title", (CHANGE_DAY + timedelta(days=3)).isoformat())
    chart = row.locator('svg[data-chart="attribution"]')  # the listing page's SVG chart, drawn with no script
    expect(chart).to_be_visible()
    expect(chart.locator('polyline[data-series="listing"]')).to_have_count(2)
    expect(chart.locator('polyline[data-series="control"]')).to_have_count(2)
    assert chart.bounding_box()["width"] >= 150

    page.select_option("#id_verdict", "negative")
    page.get_by_role("button", name="Filter").click()
    expect(table.locator("tr[data-event]")).to_have_count(0)
    # the listing filter comes from a listing page's link (hidden, the page names the listing); a stale id says so
    page.goto(page.url.split("?")[0] + "?listing=99999")
    expect(page.locator(".filters .error")).to_have_text("Listing 99999 does not exist.")

    page.get_by_role("link", name="All").click()
    table.locator("tr", has_text="MUG-T").filter(has_text="Title").locator("a.change-link").click()
    expect(page.get_by_role("heading", name="Version 1 → version 2")).to_be_visible()
    assert f"/listings/{scene.listing.pk}/history/compare/?a=1&b=2" in page.url
    expect(page.get_by_role("table")).to_contain_text("Better title 2")
