"""Amazon report schedules (docs/analytics.md#report-schedules): the services against the sandbox over HTTP, the
pulls reading a schedule's reports (getReports) instead of creating them, the page, the API with its bad input,
and the admin action. Every refusal leaves nothing changed."""

import datetime as dt
from decimal import Decimal

import pytest
import requests
from django.core.exceptions import ValidationError

from analytics.models import PerformanceMetric, ReportSchedule, ScheduledReportType
from analytics.services.keyword_reports import keywords_search_terms_pull
from analytics.services.performance import performance_pull
from analytics.services.report_schedules import SPECS, first_run, report_schedule_cancel, report_schedule_create
from channels.models import Channel
from common.errors import ApplicationError
from listings.models import Listing
from syncing.connectors.base import ListingPayload
from syncing.services.connection import connector_for
from tests.catalog.factories import ProductFactory

pytestmark = pytest.mark.django_db
SALES = ScheduledReportType.SALES_AND_TRAFFIC
TERMS = ScheduledReportType.SEARCH_TERMS
PAGE = "/analytics/report-schedules/"
API = "/api/v1/report-schedules/"


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


@pytest.fixture
def mug(amazon, sandbox, make_listing):
    """MUG-1 listed in the sandbox's Amazon shop and published in ours."""
    payload = ListingPayload(
        sku="MUG-1", title="Nordic Ceramic Coffee Mug", description="A stoneware mug.", price=Decimal("12.50"),
        currency="USD", quantity=20, brand="Acme", category_id="DRINKING_CUP",
        image_urls=(f"{sandbox.base_url}/_static/mug.png",),
    )  # fmt: skip
    connector = connector_for(amazon)
    connector.push_listing(payload)
    asin = connector.get_listing("MUG-1").marketplace_ids["asin"]
    listing = make_listing(product=ProductFactory(sku="MUG-1", quantity=20), channel=amazon)
    Listing.objects.filter(pk=listing.pk).update(external_id="MUG-1", marketplace_ids={"sku": "MUG-1", "asin": asin})
    return listing


def sandbox_now(sandbox):
    return dt.datetime.fromtimestamp(sandbox.sandbox.clock.now(), dt.UTC)


def move_to(sandbox, moment):
    sandbox.advance_clock(moment.timestamp() - sandbox.sandbox.clock.now())


def ops(sandbox, op):
    return [e for e in sandbox.log("amazon") if e.get("op") == op]


def remote_schedules(amazon):
    return connector_for(amazon).get_report_schedules([SALES, TERMS])


# --- the services ---


def test_create_schedules_on_amazon_with_the_reports_period_and_options(amazon, sandbox, editor_user):
    now = sandbox_now(sandbox)

    schedule = report_schedule_create(channel=amazon, report_type=SALES, user=editor_user, now=now)

    assert (schedule.period, schedule.report_options) == ("P1D", {"dateGranularity": "DAY", "asinGranularity": "SKU"})
    assert schedule.first_report_at == dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(1), dt.UTC)
    assert (schedule.created_by, schedule.is_active) == (editor_user, True)
    [remote] = remote_schedules(amazon)
    assert (remote.schedule_id, remote.period, remote.next_creation) == (schedule.remote_id, "P1D",
                                                                         schedule.first_report_at)  # fmt: skip


def test_search_terms_start_on_a_sunday():
    spec = SPECS[TERMS]
    wednesday = dt.datetime(2026, 11, 18, 15, tzinfo=dt.UTC)
    assert first_run(spec, wednesday) == dt.datetime(2026, 11, 22, 1, tzinfo=dt.UTC)  # a Sunday
    assert first_run(SPECS[SALES], wednesday) == dt.datetime(2026, 11, 19, 1, tzinfo=dt.UTC)


def test_a_new_schedule_replaces_the_live_one(amazon, sandbox):
    old = report_schedule_create(channel=amazon, report_type=SALES, now=sandbox_now(sandbox))

    new = report_schedule_create(channel=amazon, report_type=SALES, now=sandbox_now(sandbox))

    old.refresh_from_db()
    assert old.cancelled_at is not None
    assert list(ReportSchedule.objects.filter(cancelled_at__isnull=True)) == [new]
    assert [s.schedule_id for s in remote_schedules(amazon)] == [new.remote_id]


@pytest.mark.parametrize(
    ("report_type", "field"),
    [pytest.param("GET_MERCHANT_LISTINGS_ALL_DATA", "report_type", id="unscheduled_type_case"),
     pytest.param("", "report_type", id="empty_type_case")],
)  # fmt: skip
def test_create_refuses_a_report_we_do_not_schedule(amazon, sandbox, report_type, field):
    with pytest.raises(ValidationError) as caught:
        report_schedule_create(channel=amazon, report_type=report_type)
    assert list(caught.value.message_dict) == [field]
    assert not ReportSchedule.objects.exists()
    assert ops(sandbox, "createReportSchedule") == []


def test_create_refuses_another_marketplace_and_a_paused_channel(amazon, shop, sandbox):
    with pytest.raises(ValidationError) as caught:
        report_schedule_create(channel=shop, report_type=SALES)
    assert "is not an Amazon channel" in caught.value.message_dict["channel"][0]
    Channel.objects.filter(pk=amazon.pk).update(is_active=False)
    amazon.refresh_from_db()
    with pytest.raises(ApplicationError, match="Channel Amazon US is paused"):
        report_schedule_create(channel=amazon, report_type=SALES)
    assert not ReportSchedule.objects.exists()
    assert ops(sandbox, "createReportSchedule") == []


def test_cancel_on_amazon_then_refuse_twice(amazon, sandbox):
    schedule = report_schedule_create(channel=amazon, report_type=TERMS, now=sandbox_now(sandbox))

    report_schedule_cancel(schedule=schedule)

    assert schedule.cancelled_at is not None
    assert remote_schedules(amazon) == []
    with pytest.raises(ApplicationError, match="already cancelled"):
        report_schedule_cancel(schedule=schedule)
    assert len(ops(sandbox, "cancelReportSchedule")) == 1


def test_cancel_of_a_schedule_amazon_no_longer_has_marks_it_cancelled(amazon, sandbox):
    schedule = report_schedule_create(channel=amazon, report_type=SALES, now=sandbox_now(sandbox))
    connector_for(amazon).cancel_report_schedule(schedule.remote_id)  # cancelled in Seller Central

    report_schedule_cancel(schedule=schedule)

    row = ReportSchedule.objects.get()
    assert row.cancelled_at is not None
    assert (row.is_gone_on_amazon, row.status_message) == (
        True, "Amazon no longer had this schedule when we cancelled it."
    )  # fmt: skip


# --- a schedule cancelled on Amazon's side ---


def test_pull_notices_a_schedule_cancelled_on_amazon_and_creates_its_own_report(amazon, mug, sandbox):
    # given a live Search Terms schedule that Amazon no longer has (cancelled in Seller Central)
    schedule = report_schedule_create(channel=amazon, report_type=TERMS, now=sandbox_now(sandbox))
    connector_for(amazon).cancel_report_schedule(schedule.remote_id)
    move_to(sandbox, schedule.first_report_at + dt.timedelta(minutes=5))  # the run that will never come

    # when the weekly pull runs
    result = keywords_search_terms_pull(channel=amazon, today=schedule.first_report_at.date(), sleep=no_sleep)

    # then the schedule is marked cancelled on Amazon's side and the pull asked for its own report
    row = ReportSchedule.objects.get()
    assert row.cancelled_at is not None
    assert row.is_gone_on_amazon is True
    assert row.status_message.startswith("Amazon no longer has this schedule (found missing on ")
    assert len(ops(sandbox, "getReportSchedules")) == 1
    assert ops(sandbox, "getReports") == []  # no waiting for the gone schedule's reports
    assert len(ops(sandbox, "createReport")) == 1
    assert result.rows > 0
    # and the next pull no longer asks about it
    performance_pull(channel=amazon, start=sandbox_now(sandbox).date(), end=sandbox_now(sandbox).date(),
                     sleep=no_sleep)  # fmt: skip
    assert len(ops(sandbox, "getReportSchedules")) == 1


def test_a_schedule_amazon_still_has_stays_live(amazon, mug, sandbox):
    schedule = report_schedule_create(channel=amazon, report_type=TERMS, now=sandbox_now(sandbox))
    move_to(sandbox, schedule.first_report_at + dt.timedelta(minutes=5))

    keywords_search_terms_pull(channel=amazon, today=schedule.first_report_at.date(), sleep=no_sleep)

    row = ReportSchedule.objects.get()
    assert (row.cancelled_at, row.is_gone_on_amazon, row.status_message) == (None, False, "")
    assert ops(sandbox, "createReport") == []


def test_a_failing_schedule_list_proves_nothing(amazon, mug, sandbox):
    schedule = report_schedule_create(channel=amazon, report_type=SALES, now=sandbox_now(sandbox))
    connector_for(amazon).cancel_report_schedule(schedule.remote_id)  # gone, but the list call will fail
    seller = sandbox.account("amazon")["shop_id"]
    sandbox.set_rate("amazon", rate=0.0001, burst=0.0001, shop_id=f"{seller}:getReportSchedules")
    day = sandbox_now(sandbox).date()

    performance_pull(channel=amazon, start=day, end=day, sleep=no_sleep)

    assert [e.get("status") for e in ops(sandbox, "getReportSchedules")] == [429]
    row = ReportSchedule.objects.get(pk=schedule.pk)
    assert (row.cancelled_at, row.is_gone_on_amazon) == (None, False)


def test_page_and_api_show_a_schedule_cancelled_on_amazon(amazon, mug, sandbox, editor_client, api):
    schedule = report_schedule_create(channel=amazon, report_type=SALES, now=sandbox_now(sandbox))
    connector_for(amazon).cancel_report_schedule(schedule.remote_id)
    day = sandbox_now(sandbox).date()
    performance_pull(channel=amazon, start=day, end=day, sleep=no_sleep)

    page = editor_client.get(PAGE)
    row = api.get(f"{API}{schedule.pk}/").json()

    assert b"cancelled on Amazon" in page.content
    assert b"Amazon no longer has this schedule (found missing on " in page.content
    assert (row["is_active"], row["is_gone_on_amazon"]) == (False, True)
    assert row["status_message"].startswith("Amazon no longer has this schedule")


# --- the pulls read the schedule's reports ---


def test_performance_pull_reads_scheduled_reports_and_creates_only_the_rest(amazon, mug, sandbox):
    schedule = report_schedule_create(channel=amazon, report_type=SALES, now=sandbox_now(sandbox))
    order_day = sandbox_now(sandbox).date()
    body = {"marketplace": "amazon", "lines": [{"sku": "MUG-1", "quantity": 2}], "paid": True}
    assert requests.post(f"{sandbox.base_url}/_control/orders", json=body, timeout=5).status_code == 200
    move_to(sandbox, schedule.first_report_at + dt.timedelta(days=1, minutes=5))  # two runs: the order day and next
    before = len(ops(sandbox, "createReport"))

    first, last = order_day - dt.timedelta(days=1), order_day + dt.timedelta(days=1)
    pull = performance_pull(channel=amazon, start=first, end=last, sleep=no_sleep)

    assert pull.days_from_schedule == [order_day, order_day + dt.timedelta(days=1)]
    assert len(ops(sandbox, "createReport")) == before + 1  # only the day before the schedule began
    assert len(ops(sandbox, "getReports")) == 1
    assert pull.errors == []
    rows = {r.report_date: r.units_ordered for r in PerformanceMetric.objects.filter(listing=mug)}
    assert rows == {order_day - dt.timedelta(days=1): 0, order_day: 2, order_day + dt.timedelta(days=1): 0}


def test_without_a_live_schedule_the_pull_creates_every_report(amazon, mug, sandbox):
    schedule = report_schedule_create(channel=amazon, report_type=SALES, now=sandbox_now(sandbox))
    report_schedule_cancel(schedule=schedule)
    day = sandbox_now(sandbox).date()

    pull = performance_pull(channel=amazon, start=day, end=day, sleep=no_sleep)

    assert (pull.days_from_schedule, pull.days_with_data) == ([], [day])
    assert len(ops(sandbox, "createReport")) == 1
    assert ops(sandbox, "getReports") == []


def test_search_terms_pull_reads_the_weekly_scheduled_report(amazon, mug, sandbox):
    schedule = report_schedule_create(channel=amazon, report_type=TERMS, now=sandbox_now(sandbox))
    move_to(sandbox, schedule.first_report_at + dt.timedelta(minutes=5))

    result = keywords_search_terms_pull(channel=amazon, today=schedule.first_report_at.date(), sleep=no_sleep)

    assert ops(sandbox, "createReport") == []
    assert len(ops(sandbox, "getReports")) == 1
    assert result.rows > 0
    assert mug.keywords.filter(search_frequency_rank__isnull=False).exists()


# --- the page ---


def test_page_lists_and_an_editor_schedules_and_cancels(amazon, sandbox, editor_client):
    answer = editor_client.post(PAGE, {"channel": amazon.pk, "report_type": SALES}, follow=True)

    schedule = ReportSchedule.objects.get()
    assert b"Amazon now creates the Sales and Traffic" in answer.content
    assert f'data-schedule="{schedule.pk}"'.encode() in answer.content
    editor_client.post(f"{PAGE}{schedule.pk}/cancel/")
    schedule.refresh_from_db()
    assert schedule.cancelled_at is not None
    assert remote_schedules(amazon) == []


def test_page_refuses_bad_input_on_the_field(amazon, shop, sandbox, editor_client):
    answer = editor_client.post(PAGE, {"channel": shop.pk, "report_type": "GET_OTHER"})

    assert answer.status_code == 200
    assert answer.context["form"].errors == {
        "channel": ["Unknown Amazon channel, or not one you may use."],
        "report_type": ["Select a valid choice. GET_OTHER is not one of the available choices."],
    }
    assert not ReportSchedule.objects.exists()
    assert ops(sandbox, "createReportSchedule") == []


def test_a_viewer_sees_the_list_but_cannot_schedule_or_cancel(amazon, sandbox, viewer_client):
    schedule = report_schedule_create(channel=amazon, report_type=SALES, now=sandbox_now(sandbox))

    page = viewer_client.get(PAGE)
    posted = viewer_client.post(PAGE, {"channel": amazon.pk, "report_type": TERMS}, follow=True)
    cancel = viewer_client.post(f"{PAGE}{schedule.pk}/cancel/")

    assert page.status_code == 200
    assert b"report-schedule-form" not in page.content
    assert b"does not allow scheduling" in posted.content
    assert cancel.status_code == 403
    assert list(ReportSchedule.objects.values_list("report_type", "cancelled_at")) == [(SALES, None)]


# --- the API ---


def test_api_creates_lists_and_cancels(amazon, sandbox, api):
    created = api.post(API, {"channel": amazon.pk, "report_type": TERMS}, format="json")

    assert created.status_code == 201, created.content
    assert (created.json()["period"], created.json()["is_active"]) == ("P7D", True)
    listed = api.get(API, {"is_active": "true", "channel": amazon.pk}).json()
    assert [row["id"] for row in listed["results"]] == [created.json()["id"]]
    cancelled = api.post(f"{API}{created.json()['id']}/cancel/")
    assert (cancelled.status_code, cancelled.json()["is_active"]) == (200, False)
    again = api.post(f"{API}{created.json()['id']}/cancel/")
    assert again.status_code == 409
    assert "already cancelled" in again.json()["detail"]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        pytest.param({"channel": "abc", "report_type": SALES}, "channel", "Give the channel's id as a number.",
                     id="channel_text_case"),
        pytest.param({"channel": 99999, "report_type": SALES}, "channel",
                     "Unknown Amazon channel, or not one you may use.", id="unknown_channel_case"),
        pytest.param({"report_type": SALES}, "channel", "This field is required.", id="missing_channel_case"),
        pytest.param({"channel": None, "report_type": "GET_OTHER"}, "report_type", '"GET_OTHER" is not a valid choice.',
                     id="bad_type_case"),
    ],
)  # fmt: skip
def test_api_refuses_bad_input_naming_the_field(amazon, sandbox, api, body, field, message):
    body = {**body, "channel": amazon.pk} if body.get("channel", 0) is None else body

    answer = api.post(API, body, format="json")

    assert answer.status_code == 400
    assert message in str(answer.json())
    assert field in str(answer.json())
    assert not ReportSchedule.objects.exists()


def test_api_refuses_another_marketplace_a_viewer_and_a_bad_filter(amazon, shop, sandbox, api, viewer_api):
    other = api.post(API, {"channel": shop.pk, "report_type": SALES}, format="json")
    viewer = viewer_api.post(API, {"channel": amazon.pk, "report_type": SALES}, format="json")
    bad_filter = api.get(API, {"is_active": "maybe"})

    assert (other.status_code, viewer.status_code, bad_filter.status_code) == (400, 403, 400)
    assert "Unknown Amazon channel" in str(other.json())
    assert not ReportSchedule.objects.exists()
    assert ops(sandbox, "createReportSchedule") == []


def test_api_is_in_the_openapi_schema(anon_api):
    schema = anon_api.get("/api/schema/", {"format": "json"}).json()
    assert {"get", "post"} <= set(schema["paths"]["/api/v1/report-schedules/"])
    assert "post" in schema["paths"]["/api/v1/report-schedules/{id}/cancel/"]


# --- the admin ---


def test_admin_action_cancels_through_the_service(amazon, sandbox, admin_client):
    schedule = report_schedule_create(channel=amazon, report_type=SALES, now=sandbox_now(sandbox))

    answer = admin_client.post(
        "/admin/analytics/reportschedule/",
        {"action": "cancel_on_amazon", "_selected_action": [schedule.pk]},
        follow=True,
    )

    assert b"1 schedule(s) cancelled." in answer.content
    assert ReportSchedule.objects.get().cancelled_at is not None
    assert remote_schedules(amazon) == []
