"""Browser flow (docs/analytics.md#listing-score): the listing page shows the score breakdown with a fix link per
rule and the gate of a blocked listing; the listing list filters by score."""

import pytest
from playwright.sync_api import expect

from analytics.models import ListingScoreLatest
from analytics.services.scores import scores_recompute

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_listing_page_breakdown_and_list_filter_by_score(page, staff_login, make_listing, make_channel):
    channel = make_channel("shopify")
    blocked = make_listing(channel=channel, map_category=False, bullet_points=["Short."])
    ready = make_listing(channel=channel)
    scores_recompute([blocked.pk, ready.pk])
    blocked_total = ListingScoreLatest.objects.get(listing=blocked).total_score
    ready_total = ListingScoreLatest.objects.get(listing=ready).total_score
    assert blocked_total <= 40 < ready_total
    staff_login()

    page.goto(f"/listings/{blocked.pk}/")
    panel = page.get_by_role("region", name="Listing score")
    expect(panel).to_contain_text("Gate:")
    breakdown = panel.locator("#score-breakdown")
    expect(breakdown.locator("tbody[data-sub-score='content']")).to_contain_text("bullet_count")
    fix = breakdown.locator("tbody[data-sub-score='content'] a.fix-link").first
    expect(fix).to_have_attribute("href", f"/catalog/products/{blocked.product_id}/edit/#id_bullet_points")
    expect(breakdown.locator("tbody[data-sub-score='compliance']")).to_contain_text("readiness:category_not_mapped")

    page.goto("/listings/")
    page.fill("#id_score_min", "41")
    page.get_by_role("button", name="Filter").click()
    table = page.locator("#listing-table")
    expect(table.locator(f"a[href='/listings/{ready.pk}/#listing-score']")).to_be_visible()
    expect(table.locator(f"a[href='/listings/{blocked.pk}/']")).to_have_count(0)
