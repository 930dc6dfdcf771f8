"""Daily performance metrics (docs/analytics.md#performance-metrics): the pull for Amazon through the sandbox's
Reports API (missing days are gaps, not zeros) and for an orders-based marketplace, the task and schedule,
the API with its bad input, the listing page's charts and the movers page."""

import datetime as dt
from decimal import Decimal

import pytest
import requests
from django.core.exceptions import ValidationError
from django.utils import timezone

from analytics.models import MetricSource, PerformanceMetric
from analytics.schedules import schedule_specs
from analytics.services.performance import performance_pull
from analytics.tasks import performance_pull_task
from listings.models import Listing
from syncing.connectors.base import ListingPayload
from syncing.services.connection import connector_for
from tests.catalog.factories import ProductFactory

from .conftest import DAY

pytestmark = pytest.mark.django_db
URL = "/api/v1/performance/"


def no_sleep(seconds):
    return None


@pytest.fixture(autouse=True)
def _fast_polls(settings):
    settings.ANALYTICS_REPORT_POLL_SECONDS = 0


def publish(listing, external_id, **ids):
    Listing.objects.filter(pk=listing.pk).update(external_id=external_id, marketplace_ids={"sku": external_id, **ids})
    listing.refresh_from_db()
    return listing


@pytest.fixture
def amazon(make_sandbox_channel):
    return make_sandbox_channel("amazon", currency="USD", country="US")


@pytest.fixture
def amazon_listing(amazon, sandbox, make_listing):
    """MUG-1 listed in the sandbox's Amazon shop and published in ours."""
    payload = ListingPayload(
        sku="MUG-1", title="Nordic Ceramic Coffee Mug", description="A stoneware mug.", price=Decimal("12.50"),
        currency="USD", quantity=20, brand="Acme", category_id="DRINKING_CUP",
        image_urls=(f"{sandbox.base_url}/_static/mug.png",),
    )  # fmt: skip
    connector_for(amazon).push_listing(payload)
    return publish(make_listing(product=ProductFactory(sku="MUG-1", quantity=20), channel=amazon), "MUG-1")


def sandbox_today(sandbox):
    return dt.datetime.fromtimestamp(sandbox.sandbox.clock.now(), dt.UTC).date()


def place(sandbox, sku, quantity):
    body = {"marketplace": "amazon", "lines": [{"sku": sku, "quantity": quantity}], "paid": True}
    assert requests.post(f"{sandbox.base_url}/_control/orders", json=body, timeout=5).status_code == 200


# --- the pull ---


def test_amazon_pull_stores_the_report_and_leaves_a_missing_day_as_a_gap(amazon, amazon_listing, sandbox):
    today = sandbox_today(sandbox)
    gap = today - dt.timedelta(days=1)
    place(sandbox, "MUG-1", 2)
    sandbox.set_reports(
        missing_days=[gap.isoformat()],
        traffic=[{"sku": "MUG-1", "date": today.isoformat(), "sessions": 40, "page_views": 64, "buy_box_pct": 92.5}],
    )

    pull = performance_pull(channel=amazon, start=today - dt.timedelta(days=2), end=today, sleep=no_sleep)

    assert (pull.source, pull.rows, pull.errors) == (MetricSource.AMAZON_REPORT, 2, [])
    assert pull.days_missing == [gap]
    assert pull.days_with_data == [today - dt.timedelta(days=2), today]
    rows = {r.report_date: r for r in PerformanceMetric.objects.filter(listing=amazon_listing)}
    assert set(rows) == {today - dt.timedelta(days=2), today}  # no row, not zeros, for the gap
    row = rows[today]
    assert (row.sessions, row.page_views, row.units_ordered) == (40, 64, 2)
    assert row.ordered_product_sales == Decimal("25.00")
    assert row.unit_session_pct == Decimal("0.0500")  # 2 units / 40 sessions, as a fraction
    assert row.buy_box_pct == Decimal("92.50")
    assert row.page_views_pct == Decimal("1.0000")  # the shop's only listing
    assert (row.currency, row.source, row.bsr) == ("USD", MetricSource.AMAZON_REPORT, None)
    creates = [e for e in sandbox.log("amazon") if e.get("op") == "createReport"]
    assert len(creates) == 3  # one report per day (per-ASIN figures are per report, not per day)

    again = performance_pull(channel=amazon, start=today, end=today, sleep=no_sleep)
    assert again.rows == 1
    assert PerformanceMetric.objects.filter(listing=amazon_listing).count() == 2


def test_amazon_pull_counts_throttled_days_as_pending(amazon, amazon_listing, sandbox):
    seller = sandbox.account("amazon")["shop_id"]
    sandbox.set_rate("amazon", rate=0.0001, burst=1, shop_id=f"{seller}:createReport")  # one createReport, then 429
    today = sandbox_today(sandbox)

    pull = performance_pull(channel=amazon, start=today - dt.timedelta(days=1), end=today, sleep=no_sleep)

    assert pull.days_pending == [today]
    assert "throttling" in pull.errors[0]


def test_amazon_fatal_report_is_an_error_and_writes_nothing(amazon, amazon_listing, sandbox):
    sandbox.set_reports(fatal=True)
    today = sandbox_today(sandbox)

    pull = performance_pull(channel=amazon, start=today, end=today, sleep=no_sleep)

    assert "FATAL" in pull.errors[0]
    assert not PerformanceMetric.objects.exists()


@pytest.fixture
def shop_listing(worked_day, mug, make_listing):
    return publish(make_listing(product=mug, channel=worked_day), "gid://shopify/Product/1")


def test_orders_pull_gives_units_and_revenue_and_no_traffic(worked_day, shop_listing):
    first = DAY.date() - dt.timedelta(days=1)

    pull = performance_pull(channel=worked_day, start=first, end=DAY.date() + dt.timedelta(days=1))

    assert (pull.source, pull.rows) == (MetricSource.ORDERS, 3)
    rows = {r.report_date: r for r in PerformanceMetric.objects.filter(listing=shop_listing)}
    day = rows[DAY.date()]
    # paid lines of the worked day: 2 + 3 + 1 (EUR) + 1 (refunded) + 3 (4 less 1 cancelled); unpaid and cancelled out
    assert day.units_ordered == 10
    assert day.ordered_product_sales == Decimal("90.00")  # the EUR order's unit is not in the USD revenue
    assert (day.sessions, day.page_views, day.unit_session_pct, day.buy_box_pct) == (None, None, None, None)
    assert (rows[first].units_ordered, rows[first].ordered_product_sales) == (0, Decimal("0.00"))
    assert rows[DAY.date() + dt.timedelta(days=1)].units_ordered == 1
    assert day.source == MetricSource.ORDERS


def test_orders_pull_skips_unpublished_listings(worked_day, mug, make_listing):
    make_listing(product=mug, channel=worked_day)  # a draft: not on the marketplace
    assert performance_pull(channel=worked_day, start=DAY.date(), end=DAY.date()).rows == 0


@pytest.mark.parametrize(
    ("start_case", "end", "field"),
    [(dt.date(2026, 11, 5), dt.date(2026, 11, 1), "to"), (dt.date(2026, 1, 1), dt.date(2026, 11, 1), "from")],
)
def test_pull_refuses_a_bad_range(shop, start_case, end, field):
    with pytest.raises(ValidationError) as caught:
        performance_pull(channel=shop, start=start_case, end=end)
    assert field in caught.value.message_dict
    assert not PerformanceMetric.objects.exists()


def test_task_and_schedule(worked_day, shop_listing):
    performance_pull_task(worked_day.pk, DAY.date().isoformat(), DAY.date().isoformat())
    assert PerformanceMetric.objects.get(listing=shop_listing).units_ordered == 10
    performance_pull_task(999_999, "2026-11-01", "2026-11-01")  # a channel gone: nothing, no error
    spec = next(s for s in schedule_specs() if s.name == "analytics.performance_pull")
    assert spec.func == "analytics.tasks.performance_pull_recent_task"


# --- the API ---


def metric(listing, day, **values):
    data = {"units_ordered": 1, "ordered_product_sales": Decimal("10.00"), "currency": "USD",
            "source": MetricSource.ORDERS, "fetched_at": timezone.now()}  # fmt: skip
    return PerformanceMetric.objects.create(listing=listing, report_date=day, **(data | values))


def test_api_lists_days_with_data_only(viewer_api, make_listing, django_assert_max_num_queries):
    listing = make_listing()
    for day in (1, 2, 4):  # no row on the 3rd
        metric(listing, dt.date(2026, 11, day), sessions=10 * day)
    metric(make_listing(), dt.date(2026, 11, 2))

    with django_assert_max_num_queries(8):
        response = viewer_api.get(URL, {"listing": listing.pk, "from": "2026-11-02", "to": "2026-11-04"})

    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["report_date"] for r in results] == ["2026-11-02", "2026-11-04"]
    assert results[0]["sessions"] == 20
    assert results[0]["buy_box_pct"] is None


@pytest.mark.parametrize(
    ("params_case", "field"),
    [
        ({"from": "2026-13-01"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "2026-11-05", "to": "2026-11-01"}, "from"),
        ({"listing": "abc"}, "listing"),
        ({"listing": "999999"}, "listing"),
    ],
)
def test_api_bad_input_is_400_naming_the_field(viewer_api, db, params_case, field):
    response = viewer_api.get(URL, params_case)
    assert response.status_code == 400
    assert field in [e["field"] for e in response.json()["errors"]]


def test_api_is_in_the_schema(viewer_api):
    schema = viewer_api.get("/api/schema/", {"format": "json"}).json()
    names = {p["name"] for p in schema["paths"]["/api/v1/performance/"]["get"]["parameters"]}
    assert {"listing", "from", "to"} <= names


# --- the pages ---


def test_listing_page_draws_gaps_and_says_what_is_not_available(staff_client, make_listing):
    listing = make_listing()
    last = timezone.localdate() - dt.timedelta(days=1)
    for back in (0, 1, 3, 4):  # the day 2 back is missing
        metric(listing, last - dt.timedelta(days=back), units_ordered=back + 1)

    page = staff_client.get(f"/listings/{listing.pk}/").content.decode()

    section = page.split('id="performance"', 1)[1].split("</section>", 1)[0]
    units = section.split('data-metric="units"', 1)[1].split("</figure>", 1)[0]
    assert units.count("data-segment") == 2  # two runs of days, broken by the gap
    assert "1 day missing" not in units  # 90 days, of which 86 have no row
    assert "86 days missing" in units
    sessions = section.split('data-metric="sessions"', 1)[1].split("</figure>", 1)[0]
    assert "Not available from this marketplace." in sessions
    assert "4 days with data, 86 without (shown as gaps, not zeros)" in section


def test_listing_page_without_metrics(staff_client, make_listing):
    listing = make_listing()
    page = staff_client.get(f"/listings/{listing.pk}/").content.decode()
    assert "No performance data yet." in page


def test_movers_page_shows_rises_and_falls(staff_client, make_listing, django_assert_max_num_queries):
    riser, faller, flat = make_listing(), make_listing(), make_listing()
    today = timezone.localdate()
    for back in range(1, 15):
        day = today - dt.timedelta(days=back)
        recent = back <= 7
        metric(
            riser, day, units_ordered=5 if recent else 1, ordered_product_sales=Decimal("50.00" if recent else "10.00")
        )
        metric(
            faller, day, units_ordered=0 if recent else 3, ordered_product_sales=Decimal("0.00" if recent else "30.00")
        )
        metric(flat, day, units_ordered=2)

    with django_assert_max_num_queries(12):
        response = staff_client.get("/analytics/performance/movers/")

    page = response.content.decode()
    top = page.split('id="movers-top"', 1)[1].split("</section>", 1)[0]
    bottom = page.split('id="movers-bottom"', 1)[1].split("</section>", 1)[0]
    assert f'data-listing="{riser.pk}"' in top
    assert "+28" in top  # 35 units against 7
    assert "+280.00 USD" in top
    assert f'data-listing="{faller.pk}"' in bottom
    assert "-21" in bottom
    assert f'data-listing="{flat.pk}"' not in page


def test_movers_page_needs_login(client):
    assert client.get("/analytics/performance/movers/").status_code == 302


def test_command_pulls_and_refuses_bad_input(worked_day, shop_listing):
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    args = ("performance_pull", "--channel", worked_day.pk)
    call_command(*args, "--from", "2026-11-01", "--to", "2026-11-01", stdout=out)
    assert "1 rows (orders)" in out.getvalue()
    with pytest.raises(CommandError, match="to:"):
        call_command(*args, "--from", "2026-11-05", "--to", "2026-11-01")
    with pytest.raises(CommandError, match="not a date"):
        call_command(*args, "--from", "soon", "--to", "2026-11-01")
