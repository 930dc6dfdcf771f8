"""Amazon best-seller rank with the daily performance pull (docs/analytics.md#best-seller-rank): read from the
sandbox's catalog over HTTP, the lowest classification rank stored on the pull's last day, batched 20 ASINs a
call, throttling retried then left unread; the listing page's chart and the API."""

import datetime as dt
from decimal import Decimal

import pytest
import requests
from django.utils import timezone

from analytics.models import MetricSource, PerformanceMetric
from analytics.services.performance import performance_pull
from analytics.services.sales_ranks import sales_ranks_store
from listings.models import Listing
from syncing.connectors.base import ListingPayload
from syncing.services.connection import connector_for
from tests.catalog.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_polls(settings):
    settings.ANALYTICS_REPORT_POLL_SECONDS = 0


@pytest.fixture
def amazon(make_sandbox_channel):
    return make_sandbox_channel("amazon", currency="USD", country="US")


def push(amazon, sandbox, make_listing, sku, *, with_asin=True):
    """A listing pushed to the sandbox's Amazon shop (processed at once) and published in ours with its ASIN."""
    connector = connector_for(amazon)
    payload = ListingPayload(
        sku=sku, title=f"Nordic Ceramic Coffee Mug {sku}", description="A stoneware mug.", price=Decimal("12.50"),
        currency="USD", quantity=20, brand="Acme", category_id="DRINKING_CUP",
        image_urls=(f"{sandbox.base_url}/_static/mug.png",),
    )  # fmt: skip
    connector.push_listing(payload)
    asin = connector.get_listing(sku).raw["summaries"][0]["asin"]
    listing = make_listing(product=ProductFactory(sku=sku, quantity=20), channel=amazon)
    ids = {"sku": sku, **({"asin": asin} if with_asin else {})}
    Listing.objects.filter(pk=listing.pk).update(external_id=sku, marketplace_ids=ids)
    listing.refresh_from_db()
    return listing, asin


def pin(sandbox, asin, ranks, display=()):
    body = {"sales_ranks": [{"asin": asin, "classification_ranks": [{"title": t, "rank": r} for t, r in ranks],
                             "display_group_ranks": [{"title": t, "rank": r} for t, r in display]}]}  # fmt: skip
    assert requests.post(sandbox.url("amazon") + "/_control/catalog", json=body, timeout=5).status_code == 200


def sandbox_today(sandbox):
    return dt.datetime.fromtimestamp(sandbox.sandbox.clock.now(), dt.UTC).date()


def searches(sandbox):
    return [e for e in sandbox.log("amazon") if e.get("op") == "searchCatalogItems"]


def no_sleep(seconds):
    return None


def test_pull_stores_the_lowest_classification_rank_and_its_title_on_the_last_day(amazon, sandbox, make_listing):
    listing, asin = push(amazon, sandbox, make_listing, "MUG-1")
    pin(sandbox, asin, [("Kitchen & Dining", 4200), ("Coffee Mugs", 312)], display=[("Home & Kitchen", 9)])
    today = sandbox_today(sandbox)

    pull = performance_pull(channel=amazon, start=today - dt.timedelta(days=1), end=today, sleep=no_sleep)

    assert pull.errors == []
    assert (pull.ranks.day, pull.ranks.ranked, pull.ranks.unread) == (today, 1, [])
    rows = {r.report_date: r for r in PerformanceMetric.objects.filter(listing=listing)}
    assert (rows[today].bsr, rows[today].bsr_category) == (312, "Coffee Mugs")  # not the display group's 9
    assert rows[today].sessions is not None  # the report's figures are on the same row
    assert rows[today - dt.timedelta(days=1)].bsr is None  # Amazon gives today's rank, never a past day's

    # a later pull of earlier days leaves the stored rank alone
    performance_pull(channel=amazon, start=today - dt.timedelta(days=1), end=today - dt.timedelta(days=1),
                     sleep=no_sleep)  # fmt: skip
    assert PerformanceMetric.objects.get(listing=listing, report_date=today).bsr == 312


def test_a_day_without_report_data_gets_a_row_with_only_the_rank(amazon, sandbox, make_listing):
    listing, asin = push(amazon, sandbox, make_listing, "MUG-1")
    pin(sandbox, asin, [("Coffee Mugs", 58)])
    today = sandbox_today(sandbox)
    sandbox.set_reports(missing_days=[today.isoformat()])

    pull = performance_pull(channel=amazon, start=today, end=today, sleep=no_sleep)

    assert pull.days_missing == [today]
    row = PerformanceMetric.objects.get(listing=listing, report_date=today)
    assert (row.bsr, row.sessions, row.units_ordered) == (58, None, None)  # traffic stays a gap, never zero


def test_ranks_are_read_twenty_asins_a_call(amazon, sandbox, make_listing):
    sandbox.set_rate("amazon", rate=1000, burst=1000)  # the 21 listings' setup pushes, not what is measured here
    listings = [push(amazon, sandbox, make_listing, f"MUG-{n}") for n in range(21)]
    today = sandbox_today(sandbox)
    before = len(searches(sandbox))

    read = sales_ranks_store(channel=amazon, connector=connector_for(amazon), day=today, sleep=no_sleep, today=today)

    calls = searches(sandbox)[before:]
    assert [len(c["query"]["identifiers"].split(",")) for c in calls] == [20, 1]
    assert read.ranked == 21
    assert PerformanceMetric.objects.filter(report_date=today, bsr__isnull=False).count() == 21
    assert all(r.bsr >= 1 for r in PerformanceMetric.objects.filter(listing__in=[lst for lst, _ in listings]))


def test_an_unranked_listing_and_one_without_asin_get_no_rank(amazon, sandbox, make_listing):
    ranked, asin = push(amazon, sandbox, make_listing, "MUG-1")
    no_asin, _ = push(amazon, sandbox, make_listing, "MUG-2", with_asin=False)
    today = sandbox_today(sandbox)
    read = sales_ranks_store(channel=amazon, connector=connector_for(amazon), day=today, sleep=no_sleep, today=today)
    assert read.ranked == 1
    pin(sandbox, asin, [])  # Amazon ranks a new listing nowhere

    read = sales_ranks_store(channel=amazon, connector=connector_for(amazon), day=today, sleep=no_sleep, today=today)

    assert (read.ranked, read.unranked) == (0, 1)
    assert PerformanceMetric.objects.get(listing=ranked, report_date=today).bsr is None  # the earlier read cleared
    assert not PerformanceMetric.objects.filter(listing=no_asin).exists()


def test_throttling_waits_retry_after_then_leaves_the_asins_unread(amazon, sandbox, make_listing):
    listing, _asin = push(amazon, sandbox, make_listing, "MUG-1")
    seller = sandbox.account("amazon")["shop_id"]
    sandbox.set_rate("amazon", rate=0.0001, burst=1, shop_id=f"{seller}:searchCatalogItems")
    connector = connector_for(amazon)
    connector.sales_ranks(["B000000000"])  # spends the one token
    waits = []
    today = sandbox_today(sandbox)

    read = sales_ranks_store(channel=amazon, connector=connector, day=today, sleep=waits.append, today=today)

    assert len(waits) == 3
    assert all(w > 0 for w in waits)
    assert read.unread == [listing.marketplace_ids["asin"]]
    assert "throttling catalog requests; 1 ASIN(s) got no rank" in read.errors[0]
    assert not PerformanceMetric.objects.exists()


def test_a_backfill_of_past_days_reads_no_rank(amazon, sandbox, make_listing):
    push(amazon, sandbox, make_listing, "MUG-1")
    today = timezone.localdate()
    before = len(searches(sandbox))

    read = sales_ranks_store(channel=amazon, connector=connector_for(amazon), day=today - dt.timedelta(days=2),
                             sleep=no_sleep, today=today)  # fmt: skip

    assert (read.day, read.ranked, len(searches(sandbox))) == (None, 0, before)


# --- page and API ---


def metric(listing, day, **values):
    data = {"currency": "USD", "source": MetricSource.AMAZON_REPORT, "fetched_at": timezone.now()}
    return PerformanceMetric.objects.create(listing=listing, report_date=day, **(data | values))


def test_listing_page_charts_the_rank_best_at_the_top(staff_client, make_listing):
    listing = make_listing()
    last = timezone.localdate() - dt.timedelta(days=1)
    metric(listing, last - dt.timedelta(days=1), bsr=900, bsr_category="Coffee Mugs")
    metric(listing, last, bsr=300, bsr_category="Coffee Mugs")

    page = staff_client.get(f"/listings/{listing.pk}/").content.decode()

    chart = page.split('data-metric="bsr"', 1)[1].split("</figure>", 1)[0]
    assert "Best-seller rank" in chart
    assert "#300 in Coffee Mugs" in chart
    points = chart.split('points="', 1)[1].split('"', 1)[0].split()
    (_x1, y_worse), (_x2, y_better) = (p.split(",") for p in points)
    assert float(y_better) < float(y_worse)  # the better rank is drawn higher


def test_listing_page_says_rank_is_not_available_elsewhere(staff_client, make_listing):
    listing = make_listing()  # not Amazon: units from orders only
    metric(listing, timezone.localdate() - dt.timedelta(days=1), units_ordered=3, source=MetricSource.ORDERS)

    page = staff_client.get(f"/listings/{listing.pk}/").content.decode()

    chart = page.split('data-metric="bsr"', 1)[1].split("</figure>", 1)[0]
    assert "Not available from this marketplace." in chart


def test_listing_page_of_an_amazon_listing_without_rank_says_none_was_read(staff_client, make_listing, amazon):
    listing = make_listing(channel=amazon)
    metric(listing, timezone.localdate() - dt.timedelta(days=1), sessions=4)

    page = staff_client.get(f"/listings/{listing.pk}/").content.decode()

    chart = page.split('data-metric="bsr"', 1)[1].split("</figure>", 1)[0]
    assert "No best-seller rank read yet" in chart
    assert "Not available from this marketplace." not in chart


def test_api_gives_the_rank_and_its_category(viewer_api, make_listing):
    listing = make_listing()
    metric(listing, dt.date(2026, 11, 2), bsr=41, bsr_category="Coffee Mugs")

    body = viewer_api.get("/api/v1/performance/", {"listing": listing.pk}).json()

    [row] = body["results"]
    assert (row["bsr"], row["bsr_category"]) == (41, "Coffee Mugs")
