"""Browser flow (docs/analytics.md#the-page): the Analytics link opens per-channel charts and tables; an order
ingested while the page is open shows on reload (the cache is bumped by our own write); a bad range is refused
on the field; the dashboard draws the same chart."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.analytics.conftest import ingest
from tests.catalog.factories import ProductFactory
from tests.orders.conftest import remote_line

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_analytics_page(page, staff_login, make_channel):
    ProductFactory(sku="MUG-1", title="Blue mug", quantity=10)
    shop = make_channel("shopify", currency="USD", name="Shop US")
    make_channel("etsy", name="Etsy shop")
    now = timezone.now()
    ingest(shop, "W1", lines=[remote_line("W1", quantity=2)], total="20.00", placed=now)
    ingest(shop, "W2", lines=[remote_line("W2")], total="15.00", placed=now - timedelta(days=3))
    staff_login()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Analytics").click()
    expect(page.locator("h1")).to_have_text("Shop analytics")
    chart = page.locator(f'figure[data-channel="{shop.pk}"]')
    expect(chart.locator("figcaption")).to_contain_text("2 orders · 35.00 USD")
    bars = chart.locator("rect.ok-bar")
    expect(bars).to_have_count(2)
    assert bars.first.bounding_box()["height"] > 10  # drawn, not only in the markup
    expect(chart.locator("polyline.revenue-line")).to_have_count(1)
    table = page.get_by_role("table", name="Daily figures of Shop US")
    expect(table.locator("tfoot")).to_contain_text("35.00")
    expect(page.locator("#channel-" + str(shop.pk))).to_contain_text("Shop US")
    expect(page.locator(".traffic-note").first).to_have_text(
        "Traffic (sessions, page views): not available from this marketplace."
    )

    # our own write, then a reload: the new figure, not the cached one
    ingest(shop, "W3", lines=[remote_line("W3")], total="5.00", placed=now)
    page.reload()
    expect(chart.locator("figcaption")).to_contain_text("3 orders · 40.00 USD")

    page.fill("#id_from", (now + timedelta(days=2)).date().isoformat())
    page.fill("#id_to", now.date().isoformat())
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".filters .error")).to_contain_text("is after 'to'")
    expect(page.get_by_role("table")).to_have_count(0)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    expect(page.locator(f'#sales figure[data-channel="{shop.pk}"] figcaption')).to_contain_text("3 orders")
