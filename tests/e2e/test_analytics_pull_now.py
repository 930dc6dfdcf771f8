"""Browser flow (docs/analytics.md#pull-now): "Pull now" on the movers page queues a pull of a channel's performance
metrics (a plain form: no script, under the CSP), the worker's run stores the rows and the listing's performance
section shows them; a paused channel is refused with a message and nothing is queued."""

import pytest
from django_q.models import OrmQ
from playwright.sync_api import expect

from analytics.models import PerformanceMetric
from channels.models import Channel
from listings.models import Listing

from .conftest import run_queue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pull_now_from_the_movers_page(page, staff_login, make_channel, make_listing):
    shop = make_channel("shopify", name="Pull Shop")
    paused = make_channel("etsy", name="Paused Etsy")
    Channel.objects.filter(pk=paused.pk).update(is_active=False)
    listing = make_listing(channel=shop)
    Listing.objects.filter(pk=listing.pk).update(external_id="gid://shopify/Product/77")  # on the marketplace
    staff_login()

    page.goto("/analytics/performance/movers/")
    form = page.locator("#performance-pull")
    form.locator("select[name=channel]").select_option(label="Pull Shop")
    form.locator("input[name=days]").fill("3")
    form.locator("#performance-pull-button").click()

    expect(page.locator("body")).to_contain_text("Pull of the last 3 days queued for Pull Shop.")
    assert OrmQ.objects.count() == 1
    assert not PerformanceMetric.objects.exists()  # queued, not pulled in the request
    assert run_queue() == 1
    assert PerformanceMetric.objects.filter(listing=listing).count() == 3  # orders-based: a known 0 each day

    page.goto(f"/listings/{listing.pk}/")
    expect(page.locator("#performance")).to_contain_text("3 days with data")
    expect(page.locator("#performance #performance-pull-button")).to_be_visible()

    page.goto("/analytics/performance/movers/")
    form = page.locator("#performance-pull")
    form.locator("select[name=channel]").select_option(label="Paused Etsy")
    form.locator("#performance-pull-button").click()

    expect(page.locator("body")).to_contain_text("Channel Paused Etsy is paused; activate it before pulling")
    assert OrmQ.objects.count() == 0
