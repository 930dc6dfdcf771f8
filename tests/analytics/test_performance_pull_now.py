""" "Pull now" of the performance metrics (docs/analytics.md#pull-now): the service that queues the pull, the
button on the movers page and the listing page, `POST /api/v1/performance/pull/`, each refusal (nothing queued),
and the queued task pulling Amazon's report from the sandbox over HTTP."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_q.models import OrmQ

from accounts.roles import EDITOR
from accounts.services import user_channels_restrict
from analytics.models import MetricSource, PerformanceMetric
from analytics.services.performance import AMAZON_BURST_REFILL_SECONDS, performance_pull_queue
from analytics.tasks import performance_pull_task
from channels.models import Channel
from common.errors import ApplicationError
from listings.models import Listing
from syncing.connectors.base import ListingPayload
from syncing.services.connection import connector_for
from tests.catalog.factories import ProductFactory

pytestmark = pytest.mark.django_db
PAGE_URL = "/analytics/performance/pull/"
API_URL = "/api/v1/performance/pull/"
TODAY = dt.date(2026, 11, 20)
TASK = "analytics.tasks.performance_pull_task"


@pytest.fixture(autouse=True)
def _fast_polls(settings):
    settings.ANALYTICS_REPORT_POLL_SECONDS = 0


def queued():
    """The queued tasks as (function, args, seconds until a worker may take it), oldest first."""
    now = timezone.now()
    return [
        (row.func(), row.args(), round((row.lock - now).total_seconds() / 60) * 60 if row.lock else 0)
        for row in OrmQ.objects.order_by("pk")
    ]


def pause(channel):
    Channel.objects.filter(pk=channel.pk).update(is_active=False)
    channel.refresh_from_db()
    return channel


@pytest.fixture
def shop(make_channel):
    return make_channel("shopify", currency="USD", name="Shop US")


@pytest.fixture
def amazon(make_sandbox_channel):
    return make_sandbox_channel("amazon", currency="USD", country="US", name="Amazon US")


@pytest.fixture
def amazon_mug(amazon, sandbox, make_listing):
    """MUG-1 listed in the sandbox's Amazon shop and published in ours."""
    payload = ListingPayload(
        sku="MUG-1", title="Nordic Ceramic Coffee Mug", description="A stoneware mug.", price=Decimal("12.50"),
        currency="USD", quantity=20, brand="Acme", category_id="DRINKING_CUP",
        image_urls=(f"{sandbox.base_url}/_static/mug.png",),
    )  # fmt: skip
    connector_for(amazon).push_listing(payload)
    listing = make_listing(product=ProductFactory(sku="MUG-1", quantity=20), channel=amazon)
    Listing.objects.filter(pk=listing.pk).update(external_id="MUG-1", marketplace_ids={"sku": "MUG-1"})
    return listing


# --- the service ---


def test_queues_the_last_days_up_to_yesterday(shop):
    pull = performance_pull_queue(channel=shop, days=7, today=TODAY)

    assert (pull.first, pull.last, pull.days, pull.source) == (
        dt.date(2026, 11, 13),
        dt.date(2026, 11, 19),
        7,
        "orders",
    )
    assert pull.message == "Pull of the last 7 days queued for Shop US."
    assert queued() == [(TASK, (shop.pk, "2026-11-13", "2026-11-19"), 0)]
    assert OrmQ.objects.get().group() == f"performance-pull-{shop.pk}"
    assert not PerformanceMetric.objects.exists()  # queued, not pulled


def test_one_day_reads_well(shop):
    assert performance_pull_queue(channel=shop, days=1, today=TODAY).message == (
        "Pull of the last 1 day queued for Shop US."
    )


def test_more_than_31_days_of_orders_is_two_tasks_at_once(shop):
    performance_pull_queue(channel=shop, days=60, today=TODAY)

    assert queued() == [
        (TASK, (shop.pk, "2026-10-20", "2026-11-19"), 0),  # 31 days, newest first
        (TASK, (shop.pk, "2026-09-21", "2026-10-19"), 0),  # the other 29
    ]


def test_amazon_is_queued_a_report_burst_at_a_time_spaced_by_the_quota(make_channel):
    amazon = make_channel("amazon", name="Amazon US")

    pull = performance_pull_queue(channel=amazon, days=40, today=TODAY)

    assert pull.source == MetricSource.AMAZON_REPORT
    assert [(p.first.isoformat(), p.last.isoformat(), p.delay_seconds) for p in pull.parts] == [
        ("2026-11-05", "2026-11-19", 0),
        ("2026-10-21", "2026-11-04", AMAZON_BURST_REFILL_SECONDS),
        ("2026-10-11", "2026-10-20", 2 * AMAZON_BURST_REFILL_SECONDS),
    ]
    assert queued() == [
        (TASK, (amazon.pk, "2026-11-05", "2026-11-19"), 0),
        (TASK, (amazon.pk, "2026-10-21", "2026-11-04"), 900),  # invisible to the workers for 15 minutes
        (TASK, (amazon.pk, "2026-10-11", "2026-10-20"), 1800),
    ]


@pytest.mark.parametrize("days_case", [0, 61, -3, True, "7"])
def test_refuses_days_out_of_range_naming_days(shop, days_case):
    with pytest.raises(ValidationError) as caught:
        performance_pull_queue(channel=shop, days=days_case, today=TODAY)

    assert list(caught.value.message_dict) == ["days"]
    assert "between 1 and 60" in caught.value.message_dict["days"][0]
    assert not OrmQ.objects.exists()


def test_refuses_a_paused_channel(shop):
    with pytest.raises(ApplicationError, match="Channel Shop US is paused"):
        performance_pull_queue(channel=pause(shop), days=3, today=TODAY)

    assert not OrmQ.objects.exists()


def test_a_queued_part_of_a_channel_paused_meanwhile_pulls_nothing(shop, make_listing):
    listing = make_listing(channel=shop)
    Listing.objects.filter(pk=listing.pk).update(external_id="gid://shopify/Product/9")  # published
    performance_pull_queue(channel=shop, days=2, today=TODAY)
    [(_, args, _)] = queued()
    pause(shop)

    performance_pull_task(*args)

    assert not PerformanceMetric.objects.exists()
    Channel.objects.filter(pk=shop.pk).update(is_active=True)
    performance_pull_task(*args)
    assert PerformanceMetric.objects.filter(listing=listing).count() == 2  # active again: the same task pulls


# --- the pages ---


def test_movers_page_has_pull_now_for_editors_only(editor_client, viewer_client, shop):
    editor_page = editor_client.get("/analytics/performance/movers/").content.decode()
    viewer_page = viewer_client.get("/analytics/performance/movers/").content.decode()

    form = editor_page.split('id="performance-pull"', 1)[1].split("</form>", 1)[0]
    assert f'<option value="{shop.pk}">Shop US</option>' in form
    assert 'name="days"' in form
    assert 'value="7"' in form  # the default
    assert "Pull now" in form
    assert 'id="performance-pull"' not in viewer_page
    assert "<script" not in editor_page.split("<main", 1)[-1].split("</main>")[0]


def test_listing_page_pull_now_queues_the_pull_and_the_task_stores_amazons_report(
    editor_client, amazon, amazon_mug, sandbox
):
    # given: the sandbox's report has traffic for yesterday (units come from its orders: none)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    sandbox.set_reports(traffic=[{"sku": "MUG-1", "date": yesterday.isoformat(), "sessions": 40, "page_views": 64}])
    listing_url = f"/listings/{amazon_mug.pk}/"
    page = editor_client.get(listing_url).content.decode()
    form = page.split('id="performance-pull"', 1)[1].split("</form>", 1)[0]
    assert f'name="channel" value="{amazon.pk}"' in form  # the listing's channel, no choice
    assert f'name="next" value="{listing_url}#performance"' in form

    # when: the editor presses "Pull now" for 2 days
    response = editor_client.post(PAGE_URL, {"channel": amazon.pk, "days": 2, "next": f"{listing_url}#performance"})

    # then: back on the listing with the message; queued, nothing asked of Amazon in the request
    assert response.status_code == 302
    assert response["Location"] == f"{listing_url}#performance"
    page = editor_client.get(listing_url).content.decode()
    assert "Pull of the last 2 days queued for Amazon US." in page
    assert not [e for e in sandbox.log("amazon") if e.get("op") == "createReport"]
    assert not PerformanceMetric.objects.exists()
    [(func, args, delay)] = queued()
    assert (func, args, delay) == (
        TASK,
        (amazon.pk, (yesterday - dt.timedelta(days=1)).isoformat(), yesterday.isoformat()),
        0,
    )

    # and the worker's run of that task reads the reports over HTTP
    performance_pull_task(*args)

    assert len([e for e in sandbox.log("amazon") if e.get("op") == "createReport"]) == 2  # one report per day
    row = PerformanceMetric.objects.get(listing=amazon_mug, report_date=yesterday)
    assert (row.sessions, row.page_views, row.units_ordered, row.source) == (40, 64, 0, MetricSource.AMAZON_REPORT)


@pytest.mark.parametrize(
    ("data_case", "message"),
    [
        ({"days": "0"}, "Days: Ensure this value is greater than or equal to 1."),
        ({"days": "61"}, "Days: Ensure this value is less than or equal to 60."),
        ({"days": "abc"}, "Days: Enter a whole number."),
        ({"days": ""}, "Days: This field is required."),
        ({"channel": "999999"}, "Channel: Unknown channel, or not one you may use."),
        ({"channel": "x"}, "Channel: Unknown channel, or not one you may use."),
    ],
    ids=["days_zero", "days_61", "days_not_a_number", "days_empty", "unknown_channel", "channel_not_a_number"],
)
def test_page_bad_input_is_a_message_and_nothing_is_queued(editor_client, shop, data_case, message):
    data = {"channel": shop.pk, "days": "7", "next": "/analytics/performance/movers/"} | data_case

    response = editor_client.post(PAGE_URL, data, follow=True)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not OrmQ.objects.exists()


def test_page_refuses_a_paused_channel(editor_client, shop):
    response = editor_client.post(PAGE_URL, {"channel": pause(shop).pk, "days": "3"}, follow=True)

    assert response.redirect_chain[-1][0] == "/analytics/performance/movers/"
    assert "Channel Shop US is paused; activate it before pulling its performance." in response.content.decode()
    assert not OrmQ.objects.exists()


def test_page_does_not_follow_next_off_the_site(editor_client, shop):
    response = editor_client.post(PAGE_URL, {"channel": shop.pk, "days": "3", "next": "https://evil.example/"})

    assert response["Location"] == "/analytics/performance/movers/"
    assert len(queued()) == 1


def test_page_refuses_viewers_anonymous_and_other_channels(client, viewer_client, make_user, shop, make_channel):
    assert viewer_client.post(PAGE_URL, {"channel": shop.pk, "days": "3"}).status_code == 403
    response = client.post(PAGE_URL, {"channel": shop.pk, "days": "3"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    limited = make_user("limited-editor", EDITOR)
    user_channels_restrict(target=limited, channel_ids=[make_channel("etsy").pk])
    client.force_login(limited)
    page = client.post(PAGE_URL, {"channel": shop.pk, "days": "3"}, follow=True).content.decode()
    assert "Channel: Unknown channel, or not one you may use." in page
    assert not OrmQ.objects.exists()


def test_page_get_is_not_allowed(editor_client):
    assert editor_client.get(PAGE_URL).status_code == 405


# --- the API ---


def test_api_queues_and_answers_202_with_what_was_queued(api, shop):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    first = yesterday - dt.timedelta(days=4)

    response = api.post(API_URL, {"channel": shop.pk, "days": 5}, format="json")

    assert response.status_code == 202
    assert response.json() == {
        "channel": shop.pk,
        "channel_name": "Shop US",
        "days": 5,
        "from": first.isoformat(),
        "to": yesterday.isoformat(),
        "source": "orders",
        "message": "Pull of the last 5 days queued for Shop US.",
        "tasks": [{"from": first.isoformat(), "to": yesterday.isoformat(), "delay_seconds": 0}],
    }
    assert queued() == [(TASK, (shop.pk, first.isoformat(), yesterday.isoformat()), 0)]


@pytest.mark.parametrize(
    ("body_case", "field", "message"),
    [
        ({"channel": 999999}, "channel", "Unknown channel, or not one you may use."),
        ({"channel": 2**70}, "channel", "Unknown channel, or not one you may use."),
        ({"channel": "abc"}, "channel", "Give the channel's id as a number."),
        ({"channel": None}, "channel", "This field may not be null."),
        ({"days": 0}, "days", "Ensure this value is greater than or equal to 1."),
        ({"days": 61}, "days", "Ensure this value is less than or equal to 60."),
        ({"days": "7"}, "days", "A valid integer is required."),
        ({"days": 2.5}, "days", "A valid integer is required."),
        ({"days": True}, "days", "A valid integer is required."),
    ],
    ids=[
        "unknown_channel",
        "channel_too_large",
        "channel_not_a_number",
        "channel_null",
        "days_zero",
        "days_61",
        "days_a_string",
        "days_a_fraction",
        "days_a_boolean",
    ],
)
def test_api_bad_input_is_a_400_naming_the_field(api, shop, body_case, field, message):
    response = api.post(API_URL, {"channel": shop.pk, "days": 7} | body_case, format="json")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [field]
    assert errors[0]["message"] == message
    assert not OrmQ.objects.exists()


def test_api_missing_fields_are_named(api, db):
    response = api.post(API_URL, {}, format="json")

    assert response.status_code == 400
    assert sorted(e["field"] for e in response.json()["errors"]) == ["channel", "days"]
    assert not OrmQ.objects.exists()


def test_api_paused_channel_is_a_409(api, shop):
    response = api.post(API_URL, {"channel": pause(shop).pk, "days": 3}, format="json")

    assert response.status_code == 409
    assert response.json()["detail"] == "Channel Shop US is paused; activate it before pulling its performance."
    assert not OrmQ.objects.exists()


def test_api_needs_the_edit_right_and_a_channel_of_ones_own(
    viewer_api, make_user, token_client_for, shop, make_channel
):
    assert viewer_api.post(API_URL, {"channel": shop.pk, "days": 3}, format="json").status_code == 403
    limited = make_user("limited-api-editor", EDITOR)
    user_channels_restrict(target=limited, channel_ids=[make_channel("etsy").pk])
    client = token_client_for(type(limited).objects.get(pk=limited.pk))
    response = client.post(API_URL, {"channel": shop.pk, "days": 3}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "channel"
    assert not OrmQ.objects.exists()


def test_api_pull_is_in_the_schema(viewer_api):
    schema = viewer_api.get("/api/schema/", {"format": "json"}).json()

    operation = schema["paths"]["/api/v1/performance/pull/"]["post"]
    assert {"202", "400", "409"} <= set(operation["responses"])
    assert operation["responses"]["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
    assert not operation.get("parameters")  # the list's filters are not the pull's
    request = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    body = schema["components"]["schemas"][request]
    assert set(body["required"]) == {"channel", "days"}
    assert (body["properties"]["days"]["minimum"], body["properties"]["days"]["maximum"]) == (1, 60)
    answer = operation["responses"]["202"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert {"from", "to", "tasks", "message", "source"} <= set(schema["components"]["schemas"][answer]["properties"])
    assert "/api/v1/performance/" in schema["paths"]  # the list is still there
