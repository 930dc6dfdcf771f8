"""Browser flow (docs/analytics.md#keywords): from the listing page open the Keywords tab, add a keyword, see its
coverage ticks; a keyword of only punctuation is refused on the field; a suggestion from a competitor's title is
added with one click and shows up as covered nowhere."""

import pytest
from playwright.sync_api import expect

from tests.analytics.keywords.conftest import KETTLE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_add_keyword_and_see_coverage(page, staff_login, make_channel, make_listable_product, make_listing):
    from competitors.models import Competitor
    from competitors.services import competitor_create

    amazon = make_channel("amazon", name="Amazon US")
    listing = make_listing(product=make_listable_product(sku="KETTLE-1", **KETTLE), channel=amazon)
    rival = competitor_create(channel=amazon, item_id="B0RIVAL001", listings=[listing])
    Competitor.objects.filter(pk=rival.pk).update(title="Glass Kettle with Temperature Control")
    staff_login()

    page.goto(f"/listings/{listing.pk}/")
    page.get_by_role("link", name="Keywords", exact=True).click()
    expect(page.locator("h1")).to_contain_text("Keywords")
    expect(page.locator("#frequency-rank-note")).to_contain_text("Search Frequency Rank is a rank, not a volume")

    page.fill("#id_keyword", "  ELECTRIC   kettle ")
    page.get_by_role("button", name="Add keyword").click()
    expect(page.locator(".messages")).to_contain_text("Added: ELECTRIC kettle.")
    row = page.get_by_role("table", name="Coverage").locator('tr[data-coverage="electric kettle"]')
    expect(row.locator('[data-field="title"]')).to_have_text("✓")
    expect(row.locator('[data-field="bullets"]')).to_have_text("✗")
    expect(row.locator('[data-field="search_terms"]')).to_have_text("✗")

    page.fill("#id_keyword", "?!")
    page.get_by_role("button", name="Add keyword").click()
    expect(page.locator("#id_keyword_errors")).to_contain_text("at least one letter or digit")

    suggestion = page.get_by_role("table", name="Suggestions").locator('tr[data-suggestion="temperature control"]')
    suggestion.get_by_role("button", name="Add").click()
    expect(page.locator(".messages")).to_contain_text("Added: temperature control.")
    covered = page.get_by_role("table", name="Coverage").locator('tr[data-coverage="temperature control"]')
    expect(covered.locator("td")).to_have_text(["✗", "✗", "✗"])
    expect(page.get_by_role("table", name="Keywords").locator("tbody tr")).to_have_count(2)
    expect(page.get_by_role("table", name="Keywords")).to_contain_text("Competitors' titles")
