"""Browser flow (docs/analytics.md#performance-metrics): the listing page's performance section draws its SVG
charts under the CSP, a missing day breaks the line (a gap, not a zero), a metric the marketplace does not give
says so; the movers page links back to the listing's section."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from analytics.models import MetricSource, PerformanceMetric

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_performance_section_and_movers(page, staff_login, make_listing):
    listing = make_listing()
    yesterday = timezone.localdate() - timedelta(days=1)
    for back in (0, 1, 2, 4, 5, 9, 10, 11):  # no rows 3 and 6-8 days back
        PerformanceMetric.objects.create(
            listing=listing, report_date=yesterday - timedelta(days=back), units_ordered=12 - back,
            ordered_product_sales=Decimal(12 - back) * 4, currency="USD", source=MetricSource.ORDERS,
            fetched_at=timezone.now(),
        )  # fmt: skip
    staff_login()

    page.goto(f"/listings/{listing.pk}/")
    section = page.locator("#performance")
    expect(section.locator("h2")).to_contain_text("Performance")
    expect(section).to_contain_text("8 days with data, 82 without (shown as gaps, not zeros)")
    units = section.locator('figure[data-metric="units"]')
    expect(units.locator("polyline[data-segment]")).to_have_count(3)  # three runs of days between the gaps
    box = units.locator("polyline[data-segment]").first.bounding_box()
    assert box is not None
    assert box["width"] > 0  # drawn, not only in the markup
    expect(section.locator('figure[data-metric="sessions"] [data-not-available]')).to_have_text(
        "Not available from this marketplace."
    )
    expect(section.locator('figure[data-metric="buy_box"] [data-not-available]')).to_be_visible()

    page.goto("/analytics/performance/movers/")
    top = page.locator("#movers-top")
    expect(top.locator(f'tr[data-listing="{listing.pk}"]')).to_be_visible()
    top.locator(f'tr[data-listing="{listing.pk}"] a').click()
    expect(page.locator("#performance")).to_be_visible()
