"""The weekly Search Query Performance pull (docs/analytics.md#keywords) from the sandbox's Reports API over HTTP,
and "Pull now" of a keyword report (docs/analytics.md#keyword-reports-pull-now): the service, the task, the
schedule, the page, the API, the admin action and the command, with each refusal queueing nothing; a request while
a pull of the same channel is queued or running is refused ("already queued since …"), a stale row is replaced
and a finished pull frees the channel."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_q.models import OrmQ

from analytics.models import Keyword, KeywordReportPull, QueryPerformanceCursor
from analytics.schedules import schedule_specs
from analytics.services import keyword_reports
from analytics.services.keyword_pulls import KEYWORD_PULL_STALE
from analytics.services.keyword_reports import (
    asin_batches,
    keyword_report_pull_queue,
    keywords_query_performance_pull,
    keywords_query_performance_weekly,
    last_whole_week,
    rotated,
)
from analytics.tasks import keyword_report_pull_task
from channels.models import Channel
from common.errors import ApplicationError
from listings.models import Listing
from syncing.connectors.base import ListingPayload
from syncing.services.connection import connector_for
from tests.catalog.factories import ProductFactory

pytestmark = pytest.mark.django_db
TASK = "analytics.tasks.keyword_report_pull_task"
SQP = "search_query_performance"


def no_sleep(seconds):
    return None


@pytest.fixture(autouse=True)
def _fast_polls(settings):
    settings.ANALYTICS_REPORT_POLL_SECONDS = 0


@pytest.fixture
def amazon(make_sandbox_channel):
    return make_sandbox_channel("amazon", currency="USD", country="US", name="Amazon US")


@pytest.fixture
def shop(make_channel):
    return make_channel("shopify", currency="USD", name="Shop US")


def list_on_amazon(amazon, sandbox, make_listing, sku, title):
    payload = ListingPayload(
        sku=sku, title=title, description="A stoneware mug.", price=Decimal("12.50"), currency="USD", quantity=20,
        brand="Acme", category_id="DRINKING_CUP", image_urls=(f"{sandbox.base_url}/_static/mug.png",),
    )  # fmt: skip
    connector = connector_for(amazon)
    connector.push_listing(payload)
    asin = connector.get_listing(sku).marketplace_ids["asin"]
    listing = make_listing(product=ProductFactory(sku=sku), channel=amazon)
    Listing.objects.filter(pk=listing.pk).update(external_id=sku, marketplace_ids={"sku": sku, "asin": asin})
    return listing, asin


@pytest.fixture
def mug(amazon, sandbox, make_listing):
    return list_on_amazon(amazon, sandbox, make_listing, "MUG-1", "Nordic Ceramic Coffee Mug")


def sandbox_today(sandbox):
    return dt.datetime.fromtimestamp(sandbox.sandbox.clock.now(), dt.UTC).date()


def creates(sandbox):
    return [e for e in sandbox.log("amazon") if e.get("op") == "createReport"]


def queued():
    return [(row.func(), row.args()) for row in OrmQ.objects.order_by("pk")]


# --- the pull ---


def test_asins_are_packed_into_the_200_character_option():
    asins = [f"B0{n:08d}" for n in range(20)]

    batches = asin_batches([*asins, asins[0]])

    assert [len(b.split()) for b in batches] == [18, 2]
    assert max(len(b) for b in batches) == 197  # 18 ASINs of 10 characters and 17 spaces
    assert batches[0].split()[0] == "B000000000"


def test_last_weeks_report_becomes_keyword_figures(amazon, mug, sandbox):
    listing, asin = mug
    today = sandbox_today(sandbox)

    pull = keywords_query_performance_pull(channel=amazon, today=today, sleep=no_sleep)

    assert (pull.first, pull.last) == last_whole_week(today)
    assert (pull.reports, pull.asins, pull.asins_pending, pull.errors) == (1, 1, [], [])
    assert pull.result.rows > 0
    assert pull.result.created == pull.result.rows  # new queries of our ASIN
    assert pull.result.errors == []
    [create] = creates(sandbox)
    assert f'"asin": "{asin}"' in create["body"]
    assert '"reportPeriod": "WEEK"' in create["body"]
    rows = Keyword.objects.filter(listing=listing)
    assert rows.count() == pull.result.rows
    top = rows.order_by("-search_volume").first()
    assert top.search_volume > 0
    assert top.search_frequency_rank is None  # a volume is never written as a rank, nor the reverse
    assert Decimal(0) <= top.click_share <= Decimal(1)
    assert top.report_date == pull.last


def test_throttled_batches_wait_for_the_next_run(amazon, mug, sandbox, make_listing, monkeypatch):
    _, second = list_on_amazon(amazon, sandbox, make_listing, "MUG-2", "Nordic Travel Mug Black")
    monkeypatch.setattr(keyword_reports, "SQP_ASIN_CHARS", 10)  # one ASIN per report
    seller = sandbox.account("amazon")["shop_id"]
    sandbox.set_rate("amazon", rate=0.0001, burst=1, shop_id=f"{seller}:createReport")

    pull = keywords_query_performance_pull(channel=amazon, today=sandbox_today(sandbox), sleep=no_sleep)

    assert (pull.reports, pull.asins) == (1, 2)
    assert pull.asins_pending == [max(mug[1], second)]  # batches are sorted: the later ASIN waits
    assert "throttling" in pull.errors[0]
    assert pull.result.rows > 0


def asked_asins(sandbox):
    """The ASINs of each createReport so far, in order."""
    return [json.loads(e["body"])["reportOptions"]["asin"].split() for e in creates(sandbox)]


def test_rotated_starts_at_the_cursor_and_wraps_round():
    assert rotated(["A", "B", "C", "D"], "C") == ["C", "D", "A", "B"]
    assert rotated(["A", "B", "D"], "C") == ["D", "A", "B"]  # the cursor's ASIN is gone: the next one
    assert rotated(["A", "B"], "Z") == ["A", "B"]
    assert rotated(["A", "B"], "") == ["A", "B"]


def test_runs_rotate_so_every_asin_is_read_over_successive_runs(amazon, mug, sandbox, make_listing, monkeypatch):
    # given three ASINs, one ASIN a report and two reports a run (so more ASINs than one run reads)
    second = list_on_amazon(amazon, sandbox, make_listing, "MUG-2", "Nordic Travel Mug Black")[1]
    third = list_on_amazon(amazon, sandbox, make_listing, "MUG-3", "Nordic Espresso Cup White")[1]
    a1, a2, a3 = sorted([mug[1], second, third])
    monkeypatch.setattr(keyword_reports, "SQP_ASIN_CHARS", 10)
    monkeypatch.setattr(keyword_reports, "SQP_MAX_REPORTS", 2)
    seller = sandbox.account("amazon")["shop_id"]
    sandbox.set_rate("amazon", rate=1000, burst=1000, shop_id=f"{seller}:getReport")  # polls never sleep here
    today = sandbox_today(sandbox)

    # when the weekly pull runs three times
    runs = [keywords_query_performance_pull(channel=amazon, today=today, sleep=no_sleep) for _ in range(3)]

    # then each run goes on where the last stopped, wrapping round, and the cursor is stored
    assert asked_asins(sandbox) == [[a1], [a2], [a3], [a1], [a2], [a3]]
    assert [(r.started_at_asin, r.asins_pending, r.next_asin) for r in runs] == [
        (a1, [a3], a3), (a3, [a2], a2), (a2, [a1], a1)
    ]  # fmt: skip
    cursor = QueryPerformanceCursor.objects.get(channel=amazon)
    assert (cursor.next_asin, cursor.asins_total) == (a1, 3)
    assert cursor.last_run_at is not None
    assert all(r.result.rows > 0 for r in runs)  # the reports were read, not only asked for


def test_the_page_shows_where_the_next_run_starts(amazon, editor_client, django_assert_max_num_queries):
    QueryPerformanceCursor.objects.create(channel=amazon, next_asin="B0NEXT0001", asins_total=300,
                                          last_run_at=timezone.now())  # fmt: skip

    with django_assert_max_num_queries(20):
        page = editor_client.get("/analytics/report-schedules/")

    assert b"Amazon US: Search Query Performance of 300 ASINs; the next run starts at <code>B0NEXT0001</code>" in (
        page.content
    )


def test_a_run_that_reads_every_asin_starts_from_the_first_next_time(amazon, mug, sandbox):
    QueryPerformanceCursor.objects.create(channel=amazon, next_asin="B0ZZZZZZZZ")  # a cursor past every ASIN

    pull = keywords_query_performance_pull(channel=amazon, today=sandbox_today(sandbox), sleep=no_sleep)

    assert (pull.started_at_asin, pull.asins_pending, pull.next_asin) == (mug[1], [], "")
    assert QueryPerformanceCursor.objects.get(channel=amazon).next_asin == ""


def test_a_throttled_run_starts_the_next_at_the_first_asin_it_could_not_ask(
    amazon, mug, sandbox, make_listing, monkeypatch
):
    second = list_on_amazon(amazon, sandbox, make_listing, "MUG-2", "Nordic Travel Mug Black")[1]
    monkeypatch.setattr(keyword_reports, "SQP_ASIN_CHARS", 10)
    seller = sandbox.account("amazon")["shop_id"]
    sandbox.set_rate("amazon", rate=0.0001, burst=1, shop_id=f"{seller}:createReport")

    keywords_query_performance_pull(channel=amazon, today=sandbox_today(sandbox), sleep=no_sleep)

    assert QueryPerformanceCursor.objects.get(channel=amazon).next_asin == max(mug[1], second)


def test_a_refused_pull_leaves_the_cursor_alone(amazon, shop, sandbox):
    QueryPerformanceCursor.objects.create(channel=amazon, next_asin="B0KEEP0001")
    Channel.objects.filter(pk=amazon.pk).update(is_active=False)
    amazon.refresh_from_db()

    with pytest.raises(ApplicationError, match="is paused"):
        keywords_query_performance_pull(channel=amazon, sleep=no_sleep)

    assert QueryPerformanceCursor.objects.get(channel=amazon).next_asin == "B0KEEP0001"


def test_the_pull_refuses_another_marketplace_and_a_paused_channel(amazon, shop, sandbox):
    with pytest.raises(ApplicationError, match="not an Amazon channel"):
        keywords_query_performance_pull(channel=shop, sleep=no_sleep)
    Channel.objects.filter(pk=amazon.pk).update(is_active=False)
    amazon.refresh_from_db()
    with pytest.raises(ApplicationError, match="is paused"):
        keywords_query_performance_pull(channel=amazon, sleep=no_sleep)
    assert creates(sandbox) == []
    assert not Keyword.objects.exists()


def test_weekly_pull_covers_active_amazon_channels_and_is_scheduled(amazon, mug, shop, sandbox, monkeypatch):
    monkeypatch.setattr(keyword_reports, "time", type("T", (), {"sleep": staticmethod(no_sleep)}))

    pulls = keywords_query_performance_weekly()

    assert list(pulls) == [amazon.pk]
    assert pulls[amazon.pk].result.rows > 0
    (recorded,) = KeywordReportPull.objects.all()  # recorded, so a "Pull now" meanwhile is refused
    assert (recorded.channel_id, recorded.report, recorded.status) == (amazon.pk, "search_query_performance", "done")
    spec = next(s for s in schedule_specs() if s.name == "analytics.keywords_weekly")
    assert spec.func == "analytics.tasks.keywords_weekly_task"


# --- "Pull now": service and task ---


def test_queue_puts_one_task_and_the_task_pulls_the_report(amazon, mug, sandbox):
    message = keyword_report_pull_queue(channel=amazon, report="search_query_performance")

    assert message == "Pull of last week's Search Query Performance report queued for Amazon US."
    assert [(f, a[:2]) for f, a in queued()] == [(TASK, (amazon.pk, "search_query_performance"))]
    assert creates(sandbox) == []  # queued, not pulled
    keyword_report_pull_task(*queued()[0][1])
    assert Keyword.objects.filter(listing=mug[0], search_volume__isnull=False).exists()


@pytest.mark.parametrize(
    ("report", "channel_name", "error", "text"),
    [
        pytest.param("search_volume", "amazon", ValidationError, "Pull one of", id="unknown_report_case"),
        pytest.param("search_terms", "shop", ValidationError, "not an Amazon channel", id="other_marketplace_case"),
        pytest.param("search_terms", "paused", ApplicationError, "is paused", id="paused_case"),
    ],
)
def test_queue_refusals_queue_nothing(amazon, shop, report, channel_name, error, text):
    if channel_name == "paused":
        Channel.objects.filter(pk=amazon.pk).update(is_active=False)
        amazon.refresh_from_db()
    channel = shop if channel_name == "shop" else amazon

    with pytest.raises(error, match=text):
        keyword_report_pull_queue(channel=channel, report=report)

    assert not OrmQ.objects.exists()


def test_task_of_a_gone_channel_does_nothing(sandbox):
    keyword_report_pull_task(99999, "search_terms")
    assert creates(sandbox) == []


# --- page, API, admin, command ---


def test_page_queues_for_an_editor_and_shows_bad_input(amazon, shop, editor_client):
    page = editor_client.get("/analytics/report-schedules/")
    assert b'id="keyword-report-pull"' in page.content

    url = "/analytics/keyword-reports/pull/"
    answer = editor_client.post(url, {"keywords-channel": amazon.pk, "keywords-report": "search_terms"}, follow=True)
    bad = editor_client.post(url, {"keywords-channel": shop.pk, "keywords-report": "search_terms"}, follow=True)

    assert b"Pull of last week&#x27;s Search Terms report queued for Amazon US." in answer.content
    assert b"Unknown Amazon channel, or not one you may use." in bad.content
    assert [(f, a[:2]) for f, a in queued()] == [(TASK, (amazon.pk, "search_terms"))]


def test_a_viewer_cannot_queue(amazon, viewer_client):
    answer = viewer_client.post("/analytics/keyword-reports/pull/",
                                {"keywords-channel": amazon.pk, "keywords-report": "search_terms"})  # fmt: skip
    assert answer.status_code == 403
    assert not OrmQ.objects.exists()


def test_api_queues_and_refuses_bad_input(amazon, shop, api, viewer_api, anon_api):
    answer = api.post("/api/v1/keywords/pull/", {"channel": amazon.pk, "report": "search_query_performance"},
                      format="json")  # fmt: skip
    bad_report = api.post("/api/v1/keywords/pull/", {"channel": amazon.pk, "report": "volume"}, format="json")
    other = api.post("/api/v1/keywords/pull/", {"channel": shop.pk, "report": "search_terms"}, format="json")
    text_id = api.post("/api/v1/keywords/pull/", {"channel": str(amazon.pk), "report": "search_terms"}, format="json")
    viewer = viewer_api.post("/api/v1/keywords/pull/", {"channel": amazon.pk, "report": "search_terms"}, format="json")

    assert answer.status_code == 202
    message = "Pull of last week's Search Query Performance report queued for Amazon US."
    assert answer.json() == {"channel": amazon.pk, "report": "search_query_performance", "message": message}
    assert (bad_report.status_code, other.status_code, text_id.status_code, viewer.status_code) == (400, 400, 400, 403)
    assert "report" in str(bad_report.json())
    assert "Unknown Amazon channel" in str(other.json())
    assert "Give the channel's id as a number." in str(text_id.json())
    assert [(f, a[:2]) for f, a in queued()] == [(TASK, (amazon.pk, "search_query_performance"))]
    schema = anon_api.get("/api/schema/", {"format": "json"}).json()
    assert "post" in schema["paths"]["/api/v1/keywords/pull/"]


def test_api_paused_channel_is_409(amazon, api):
    Channel.objects.filter(pk=amazon.pk).update(is_active=False)
    answer = api.post("/api/v1/keywords/pull/", {"channel": amazon.pk, "report": "search_terms"}, format="json")
    assert answer.status_code == 409
    assert not OrmQ.objects.exists()


def test_admin_action_queues_for_the_keywords_channels(amazon, mug, admin_client):
    keyword = Keyword.objects.create(listing=mug[0], keyword="coffee mug", keyword_normalized="coffee mug")

    admin_client.post("/admin/analytics/keyword/",
                      {"action": "pull_query_performance", "_selected_action": [keyword.pk]})  # fmt: skip

    assert [(f, a[:2]) for f, a in queued()] == [(TASK, (amazon.pk, "search_query_performance"))]


def test_command_pulls_now(amazon, mug, sandbox, capsys, monkeypatch):
    monkeypatch.setattr(keyword_reports, "time", type("T", (), {"sleep": staticmethod(no_sleep)}))
    call_command("keyword_report_pull", "--channel", str(amazon.pk), "--report", "search_query_performance")
    assert "keywords added" in capsys.readouterr().out
    assert Keyword.objects.filter(listing=mug[0]).exists()


# --- already queued or running ---
def statuses():
    return list(KeywordReportPull.objects.order_by("pk").values_list("status", flat=True))


def test_a_second_request_is_refused_and_queues_nothing(amazon):
    keyword_report_pull_queue(channel=amazon, report=SQP)
    [pull] = KeywordReportPull.objects.all()

    with pytest.raises(ApplicationError) as same:
        keyword_report_pull_queue(channel=amazon, report=SQP)
    with pytest.raises(ApplicationError, match="already queued since") as other_report:
        keyword_report_pull_queue(channel=amazon, report="search_terms")

    when = f"{pull.queued_at:%Y-%m-%d %H:%M} UTC"
    assert str(same.value) == (
        f"A Search Query Performance pull of Amazon US is already queued since {when}; nothing new was queued. "
        "Wait for it to finish."
    )
    assert "Search Query Performance pull" in str(other_report.value)  # names the pull that holds the channel
    assert queued() == [(TASK, (amazon.pk, SQP, pull.pk))]
    assert statuses() == ["queued"]


def test_another_channel_is_not_held(amazon, make_sandbox_channel):
    other = make_sandbox_channel("amazon", currency="USD", country="US", name="Amazon CA")
    keyword_report_pull_queue(channel=amazon, report=SQP)

    keyword_report_pull_queue(channel=other, report=SQP)

    assert [args[0] for _, args in queued()] == [amazon.pk, other.pk]


def test_running_is_refused_and_done_frees_the_channel(amazon, mug, sandbox):
    keyword_report_pull_queue(channel=amazon, report=SQP)
    [(_, args)] = queued()
    KeywordReportPull.objects.update(status="running", started_at=timezone.now())

    with pytest.raises(ApplicationError, match="already running since"):
        keyword_report_pull_queue(channel=amazon, report=SQP)

    KeywordReportPull.objects.update(status="queued", started_at=None)
    keyword_report_pull_task(*args)
    [pull] = KeywordReportPull.objects.all()
    assert pull.status == "done"
    assert pull.started_at is not None
    assert pull.finished_at is not None
    assert pull.message.endswith("0 refused.")
    assert pull.message.startswith(f"{Keyword.objects.filter(listing=mug[0]).count()} rows")
    keyword_report_pull_queue(channel=amazon, report=SQP)  # free again
    assert statuses() == ["done", "queued"]


def test_a_task_run_twice_pulls_once(amazon, mug, sandbox):
    keyword_report_pull_queue(channel=amazon, report=SQP)
    [(_, args)] = queued()

    keyword_report_pull_task(*args)
    reports_after_first = len(creates(sandbox))
    keyword_report_pull_task(*args)  # a redelivered task: its row is no longer queued

    assert reports_after_first == 1
    assert len(creates(sandbox)) == 1


def test_a_stale_row_is_abandoned_and_its_late_task_does_nothing(amazon, mug, sandbox):
    keyword_report_pull_queue(channel=amazon, report=SQP)
    [(_, old_args)] = queued()
    long_ago = timezone.now() - KEYWORD_PULL_STALE["queued"] - dt.timedelta(minutes=1)
    KeywordReportPull.objects.update(queued_at=long_ago)

    keyword_report_pull_queue(channel=amazon, report=SQP)
    keyword_report_pull_task(*old_args)

    assert statuses() == ["abandoned", "queued"]
    assert "No worker finished it within 6:00:00" in KeywordReportPull.objects.order_by("pk").first().message
    assert creates(sandbox) == []


def test_a_failed_pull_is_recorded_with_its_reason(amazon):
    keyword_report_pull_queue(channel=amazon, report=SQP)
    [(_, args)] = queued()
    Channel.objects.filter(pk=amazon.pk).update(is_active=False)

    with pytest.raises(ApplicationError, match="is paused"):
        keyword_report_pull_task(*args)

    [pull] = KeywordReportPull.objects.all()
    assert pull.status == "failed"
    assert "is paused" in pull.message


def test_the_database_allows_one_active_pull_per_channel(amazon):
    KeywordReportPull.objects.create(channel=amazon, report=SQP, queued_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        KeywordReportPull.objects.create(channel=amazon, report="search_terms", status="running",
                                         queued_at=timezone.now())  # fmt: skip
    assert statuses() == ["queued"]


def test_api_answers_409_with_the_message(amazon, api):
    first = api.post("/api/v1/keywords/pull/", {"channel": amazon.pk, "report": SQP}, format="json")
    second = api.post("/api/v1/keywords/pull/", {"channel": amazon.pk, "report": SQP}, format="json")

    assert first.status_code == 202
    assert second.status_code == 409
    assert "is already queued since" in str(second.json())
    assert len(queued()) == 1


def test_page_shows_the_refusal_and_the_pulls(amazon, editor_client):
    url = "/analytics/keyword-reports/pull/"
    editor_client.post(url, {"keywords-channel": amazon.pk, "keywords-report": SQP})

    answer = editor_client.post(url, {"keywords-channel": amazon.pk, "keywords-report": SQP}, follow=True)

    assert b"is already queued since" in answer.content
    assert b'id="keyword-report-pulls"' in answer.content
    assert b">queued</span>" in answer.content
    assert len(queued()) == 1


def test_admin_action_reports_the_refusal(amazon, mug, admin_client):
    keyword = Keyword.objects.create(listing=mug[0], keyword="coffee mug", keyword_normalized="coffee mug")
    body = {"action": "pull_query_performance", "_selected_action": [keyword.pk]}

    admin_client.post("/admin/analytics/keyword/", body)
    answer = admin_client.post("/admin/analytics/keyword/", body, follow=True)

    assert b"is already queued since" in answer.content
    assert len(queued()) == 1
    pulls = admin_client.get("/admin/analytics/keywordreportpull/")
    assert pulls.status_code == 200
    assert b"Amazon US" in pulls.content


def test_command_is_refused_while_a_pull_is_queued(amazon, sandbox):
    keyword_report_pull_queue(channel=amazon, report=SQP)

    with pytest.raises(CommandError, match="already queued since"):
        call_command("keyword_report_pull", "--channel", str(amazon.pk), "--report", SQP)

    assert creates(sandbox) == []
    assert statuses() == ["queued"]
