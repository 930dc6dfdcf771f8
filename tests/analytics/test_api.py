"""GET /api/v1/analytics/daily/: figures, defaults, every named bad input, channel scoping, the schema."""

from decimal import Decimal

import pytest

from accounts.roles import VIEWER
from accounts.services import user_channels_restrict
from analytics.models import ChannelDailyStats
from tests.orders.conftest import remote_line

from .conftest import ingest

pytestmark = pytest.mark.django_db
URL = "/api/v1/analytics/daily/"


def test_figures_of_the_worked_day(viewer_api, worked_day, django_assert_max_num_queries):
    with django_assert_max_num_queries(13):  # + the cache version read (analytics.CacheVersion)
        response = viewer_api.get(URL, {"channel": worked_day.pk, "from": "2026-11-01", "to": "2026-11-02"})

    assert response.status_code == 200
    body = response.json()
    assert (body["from"], body["to"]) == ("2026-11-01", "2026-11-02")
    first, second = body["results"]
    assert {k: first[k] for k in ("day", "orders", "units", "revenue", "refunds", "net_revenue")} == {
        "day": "2026-11-01",
        "orders": 5,
        "units": 10,
        "revenue": "97.00",
        "refunds": "20.00",
        "net_revenue": "77.00",
    }
    assert first["average_order_value"] == "24.25"
    assert first["currency"] == "USD"
    assert first["other_currency_orders"] == 1
    assert (first["sessions"], first["page_views"]) == (None, None)
    assert second["orders"] == 1


def test_defaults_to_the_last_30_days_of_every_channel(viewer_api, shop, make_channel):
    make_channel("etsy")

    body = viewer_api.get(URL).json()

    assert len(body["results"]) == 2 * 30
    assert body["results"][-1]["day"] == body["to"]


def test_stored_traffic_and_snapshots_are_shown_for_a_past_day(viewer_api, shop):
    ChannelDailyStats.objects.create(
        channel=shop, day="2026-11-01", currency="USD", sessions=40, page_views=90, active_listings=3,
        computed_at="2026-11-02T00:00:00Z",
    )  # fmt: skip

    (row,) = viewer_api.get(URL, {"from": "2026-11-01", "to": "2026-11-01"}).json()["results"]

    assert (row["sessions"], row["page_views"], row["active_listings"]) == (40, 90, 3)
    assert row["out_of_stock_variants"] is None


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"from": "2026-13-01"}, "from", "Enter a date as YYYY-MM-DD."),
        ({"to": "yesterday"}, "to", "Enter a date as YYYY-MM-DD."),
        ({"from": "2026-11-02", "to": "2026-11-01"}, "from", "'from' (2026-11-02) is after 'to' (2026-11-01)."),
        ({"from": "2025-01-01", "to": "2026-11-01"}, "from", "At most 366 days at a time; this range has 670."),
        ({"channel": "99999"}, "channel", "Unknown channel, or not one you may use."),
        ({"channel": "abc"}, "channel", "Unknown channel, or not one you may use."),
        ({"to": ""}, "to", "Give a value or leave the parameter out."),
    ],
    ids=["bad_from_case", "bad_to_case", "from_after_to_case", "range_too_long_case", "unknown_channel_case",
         "channel_not_a_number_case", "empty_to_case"],
)  # fmt: skip
def test_bad_input_is_a_400_naming_the_field(viewer_api, shop, params, field, message):
    response = viewer_api.get(URL, params)

    assert response.status_code == 400
    assert message in str(response.json())
    assert field in str(response.json())
    assert not ChannelDailyStats.objects.exists()


def test_a_user_limited_to_a_channel_sees_only_it(make_user, token_client_for, shop, make_channel, mug):
    # given: a viewer limited to `shop`, and an order on another channel
    other = make_channel("lazada", currency="MYR")
    ingest(other, "X", lines=[remote_line("X1", quantity=5)], total="99.00", currency="MYR")
    viewer = make_user("limited-viewer", VIEWER)
    user_channels_restrict(target=viewer, channel_ids=[shop.pk])
    client = token_client_for(type(viewer).objects.get(pk=viewer.pk))

    # then: every channel means only the allowed one, and the other is unknown to them
    rows = client.get(URL, {"from": "2026-11-01", "to": "2026-11-01"}).json()["results"]
    assert [r["channel"] for r in rows] == [shop.pk]
    refused = client.get(URL, {"channel": other.pk, "from": "2026-11-01", "to": "2026-11-01"})
    assert refused.status_code == 400
    assert "Unknown channel" in str(refused.json())
    assert "99.00" not in refused.content.decode()


def test_needs_a_role(roleless_api, anon_api, shop):
    assert roleless_api.get(URL).status_code == 403
    assert anon_api.get(URL).status_code in (401, 403)


def test_in_the_openapi_schema(viewer_api):
    schema = viewer_api.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    operation = schema["paths"]["/api/v1/analytics/daily/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"channel", "from", "to"}
    assert "400" in operation["responses"]


def test_money_stays_decimal(viewer_api, worked_day):
    row = viewer_api.get(URL, {"channel": worked_day.pk, "from": "2026-11-01", "to": "2026-11-01"}).json()["results"][0]
    assert Decimal(row["revenue"]) - Decimal(row["refunds"]) == Decimal(row["net_revenue"])
