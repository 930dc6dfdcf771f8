"""`GET /api/v1/price-history/?listing=<id>`: filters, pagination, bad input, the schema and the admin
(docs/pricing.md#price-history)."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from pricing.history_models import PriceHistory

pytestmark = pytest.mark.django_db

URL = "/api/v1/price-history/"


@pytest.fixture
def history(make_listing):
    """Two listings; the first with our price at 20.00 (its creation), 18.00 by the API and a buy box point."""
    first, second = make_listing(), make_listing()
    PriceHistory.objects.all().delete()
    at = datetime(2026, 12, 1, 10, tzinfo=UTC)
    for listing, hour, kind, price, source in (
        (first, 10, "ours", "20.00", "manual"),
        (first, 11, "ours", "18.00", "api"),
        (first, 12, "buy_box", None, "sync"),
        (second, 10, "ours", "30.00", "import"),
    ):
        PriceHistory.objects.create(
            listing=listing, time=at.replace(hour=hour), kind=kind, price=price and Decimal(price), source=source
        )
    return first, second


def test_a_listings_points_newest_first(api, history, django_assert_max_num_queries):
    first, _ = history
    with django_assert_max_num_queries(8):
        response = api.get(URL, {"listing": first.pk})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [(r["kind"], r["price"], r["source"]) for r in body["results"]] == [
        ("buy_box", None, "sync"),
        ("ours", "18.00", "api"),
        ("ours", "20.00", "manual"),
    ]
    assert set(body["results"][0]) == {
        "id",
        "time",
        "listing",
        "kind",
        "price",
        "sale_price",
        "buy_box_price",
        "has_buy_box",
        "source",
        "detail",
        "created_by",
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param({"kind": "ours"}, ["18.00", "20.00"], id="kind_case"),
        pytest.param({"source": "api"}, ["18.00"], id="source_case"),
        pytest.param({"from": "2026-12-01T11:00:00Z"}, [None, "18.00"], id="from_case"),
        pytest.param({"to": "2026-12-01T10:30:00Z"}, ["20.00"], id="to_case"),
        pytest.param({"from": "2026-12-01T11:00:00Z", "to": "2026-12-01T11:00:00Z"}, ["18.00"], id="range_case"),
    ],
)
def test_filters(api, history, params, expected):
    first, _ = history
    response = api.get(URL, {"listing": first.pk, **params})
    assert response.status_code == 200, response.json()
    assert [r["price"] for r in response.json()["results"]] == expected


def test_without_a_listing_every_point_is_listed_and_paginated(api, history):
    response = api.get(URL, {"page_size": 2})
    body = response.json()
    assert (body["count"], len(body["results"])) == (4, 2)
    assert body["next"]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        pytest.param({"listing": "abc"}, "listing", "Use a whole number.", id="not_a_number_case"),
        pytest.param({"listing": "999999"}, "listing", "Listing 999999 does not exist.", id="unknown_case"),
        pytest.param(
            {"kind": "price"},
            "kind",
            "Select a valid choice. price is not one of the available choices.",
            id="kind_case",
        ),
        pytest.param({"from": "yesterday"}, "from", "Enter a valid date/time.", id="from_case"),
        pytest.param(
            {"from": "2026-12-02T00:00:00Z", "to": "2026-12-01T00:00:00Z"},
            "from",
            "'from' (2026-12-02T00:00:00+00:00) is after 'to' (2026-12-01T00:00:00+00:00).",
            id="from_after_to_case",
        ),
    ],
)
def test_bad_input_is_400_naming_the_field(api, history, params, field, message):
    response = api.get(URL, params)
    assert response.status_code == 400
    assert [(e["field"], e["message"]) for e in response.json()["errors"]] == [(field, message)]


def test_points_are_read_only(api, history):
    first, _ = history
    response = api.post(URL, {"listing": first.pk, "price": "1.00", "source": "manual"}, format="json")
    assert response.status_code == 405
    assert PriceHistory.objects.count() == 4


def test_the_schema_documents_the_endpoint_and_its_filters(anon_api):
    schema = anon_api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/price-history/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"listing", "kind", "source", "from", "to", "page"}


def test_the_admin_lists_points_read_only(staff_client, history):
    response = staff_client.get("/admin/pricing/pricehistory/")
    assert response.status_code == 200
    assert b"18.00" in response.content
    assert staff_client.get("/admin/pricing/pricehistory/add/").status_code == 403
    assert staff_client.get("/admin/pricing/pricehistorydaily/").status_code == 200
