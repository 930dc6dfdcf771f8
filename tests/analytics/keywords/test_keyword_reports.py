"""The Search Terms report pulled from the sandbox's Reports API into keywords (docs/analytics.md#keywords)."""

import datetime as dt
from decimal import Decimal

import pytest

from analytics.models import Keyword
from analytics.services.keyword_reports import keywords_search_terms_pull, last_whole_week
from common.errors import ApplicationError
from listings.models import Listing
from syncing.connectors.base import ListingPayload
from syncing.services.connection import connector_for
from tests.catalog.factories import ProductFactory

pytestmark = pytest.mark.django_db


def no_sleep(seconds):
    return None


@pytest.fixture(autouse=True)
def _fast_polls(settings):
    settings.ANALYTICS_REPORT_POLL_SECONDS = 0


def test_last_whole_week_runs_sunday_to_saturday():
    assert last_whole_week(dt.date(2026, 12, 7)) == (dt.date(2026, 11, 29), dt.date(2026, 12, 5))  # a Monday
    assert last_whole_week(dt.date(2026, 12, 6)) == (dt.date(2026, 11, 29), dt.date(2026, 12, 5))  # a Sunday


def test_search_terms_of_last_week_become_keywords_with_their_rank(make_sandbox_channel, make_listing, sandbox):
    # given our mug listed on the sandbox's Amazon shop, published in ours with its ASIN
    amazon = make_sandbox_channel("amazon", currency="USD", country="US")
    payload = ListingPayload(
        sku="MUG-1", title="Nordic Ceramic Coffee Mug", description="A stoneware mug.", price=Decimal("12.50"),
        currency="USD", quantity=20, brand="Acme", category_id="DRINKING_CUP",
        image_urls=(f"{sandbox.base_url}/_static/mug.png",),
    )  # fmt: skip
    connector = connector_for(amazon)
    connector.push_listing(payload)
    asin = connector.get_listing("MUG-1").marketplace_ids["asin"]
    listing = make_listing(product=ProductFactory(sku="MUG-1"), channel=amazon)
    Listing.objects.filter(pk=listing.pk).update(external_id="MUG-1", marketplace_ids={"sku": "MUG-1", "asin": asin})

    # when the Search Terms report of the last whole week is pulled
    today = dt.datetime.fromtimestamp(sandbox.sandbox.clock.now(), dt.UTC).date()
    result = keywords_search_terms_pull(channel=amazon, today=today, sleep=no_sleep)

    # then the terms that clicked through to our ASIN are keywords of the listing, the rank kept as a rank
    assert result.created > 0
    assert result.errors == []
    keywords = list(Keyword.objects.filter(listing=listing))
    assert len(keywords) == result.created
    assert all(k.search_frequency_rank and k.search_frequency_rank >= 1 for k in keywords)
    assert all(k.search_volume is None for k in keywords)
    assert {k.keyword_normalized for k in keywords} & {"nordic ceramic", "coffee mug", "mug"}

    # and pulling the same week again adds nothing new
    again = keywords_search_terms_pull(channel=amazon, today=today, sleep=no_sleep)
    assert again.created == 0
    assert Keyword.objects.filter(listing=listing).count() == len(keywords)


def test_other_marketplaces_and_paused_channels_are_refused(make_sandbox_channel):
    with pytest.raises(ApplicationError, match="not an Amazon channel"):
        keywords_search_terms_pull(channel=make_sandbox_channel("shopify"), sleep=no_sleep)
    paused = make_sandbox_channel("amazon", is_active=False)
    with pytest.raises(ApplicationError, match="is paused"):
        keywords_search_terms_pull(channel=paused, sleep=no_sleep)


def test_the_weekly_schedule_pulls_every_active_amazon_channel(make_sandbox_channel, monkeypatch):
    from analytics.models import KeywordReportPull
    from analytics.schedules import schedule_specs
    from analytics.services import keyword_reports
    from analytics.tasks import keywords_weekly_task

    spec = next(s for s in schedule_specs() if s.name == "analytics.keywords_weekly")
    assert spec.func == "analytics.tasks.keywords_weekly_task"
    first = make_sandbox_channel("amazon", name="Amazon US")
    make_sandbox_channel("amazon", name="Amazon paused", is_active=False)
    make_sandbox_channel("shopify")
    asked = []

    def pull(*, channel, **_):
        asked.append(channel.name)
        raise ApplicationError("still being prepared")

    monkeypatch.setattr(keyword_reports, "keywords_search_terms_pull", pull)
    monkeypatch.setattr(keyword_reports, "keywords_query_performance_pull", pull)
    keywords_weekly_task()  # a failing channel is logged, not raised
    assert asked == [first.name, first.name]  # Search Terms, then Search Query Performance
    # each scheduled pull is recorded like a "Pull now", failed with Amazon's answer
    assert list(KeywordReportPull.objects.order_by("pk").values_list("report", "status", "message")) == [
        ("search_terms", "failed", "still being prepared"),
        ("search_query_performance", "failed", "still being prepared"),
    ]


def test_a_pull_now_while_the_scheduled_pull_runs_is_refused(make_sandbox_channel, monkeypatch):
    from analytics.models import KeywordReportPull
    from analytics.services import keyword_reports
    from analytics.services.keyword_imports import KeywordImportResult

    amazon = make_sandbox_channel("amazon", name="Amazon US")
    refusals = []

    def pull(*, channel, **_):  # the scheduled pull is running when a seller presses "Pull now"
        with pytest.raises(ApplicationError) as refused:
            keyword_reports.keyword_report_pull_queue(channel=channel, report="search_terms")
        refusals.append(str(refused.value))
        return KeywordImportResult()

    monkeypatch.setattr(keyword_reports, "keywords_search_terms_pull", pull)
    results = keyword_reports.keywords_search_terms_weekly()

    assert list(results) == [amazon.pk]
    assert len(refusals) == 1
    assert "already running" in refusals[0]
    (row,) = KeywordReportPull.objects.all()
    assert (row.status, row.message) == ("done", "0 rows: 0 added, 0 updated, 0 refused.")


def test_a_weekly_pull_skips_a_channel_whose_pull_now_is_queued(make_sandbox_channel, monkeypatch):
    from analytics.services import keyword_reports

    amazon = make_sandbox_channel("amazon", name="Amazon US")
    keyword_reports.keyword_report_pull_queue(channel=amazon, report="search_query_performance")
    monkeypatch.setattr(keyword_reports, "keywords_search_terms_pull", lambda **_: pytest.fail("pulled twice"))

    assert keyword_reports.keywords_search_terms_weekly() == {}


def test_setup_schedules_replaces_the_two_old_weekly_keyword_schedules():
    from django_q.models import Schedule

    from common.schedules import schedules_sync

    for name in ("analytics.keywords_search_terms", "analytics.keywords_query_performance"):
        Schedule.objects.create(name=name, func="analytics.tasks.keywords_search_terms_weekly_task")
    schedules_sync()
    assert list(Schedule.objects.filter(name__startswith="analytics.keywords_").values_list("name", flat=True)) == [
        "analytics.keywords_weekly"
    ]
