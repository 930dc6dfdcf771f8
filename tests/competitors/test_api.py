"""The competitors API: /api/v1/competitors/ (+ observe), /api/v1/competitor-observations/?competitor=,
/api/v1/alerts/ (PATCH status); bad input answers 400 naming the field, nothing stored."""

from decimal import Decimal

import pytest

from competitors.choices import AlertStatus
from competitors.models import Alert, Competitor, CompetitorObservation
from competitors.services import competitor_observe

from .conftest import KETTLE, SELLERS

pytestmark = pytest.mark.django_db


def test_create_list_observe_and_read_observations(api, amazon, make_listing):
    listing = make_listing(channel=amazon)
    response = api.post(
        "/api/v1/competitors/",
        {"channel": amazon.pk, "item_id": KETTLE.lower(), "seller_id": SELLERS[1], "listings": [listing.pk]},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["item_id"], body["marketplace"], body["listings"]) == (KETTLE, "amazon", [listing.pk])

    observed = api.post(f"/api/v1/competitors/{body['id']}/observe/")
    assert observed.status_code == 200, observed.content
    assert observed.json()["observation"]["landed_price"] == "52.49"
    assert observed.json()["competitor"]["current_price"] == "52.49"
    assert set(observed.json()["competitor"]["threat_parts"]) == {"price", "buy_box", "rank", "activity"}

    rows = api.get(f"/api/v1/competitor-observations/?competitor={body['id']}").json()["results"]
    assert [(r["has_offer"], r["price"], r["shipping"]) for r in rows] == [(True, "47.50", "4.99")]
    assert api.get("/api/v1/competitors/").json()["results"][0]["id"] == body["id"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        pytest.param({"item_id": "B00-BAD"}, "item_id", id="bad_asin_case"),
        pytest.param({"item_id": ""}, "item_id", id="empty_item_case"),
        pytest.param({"channel": 999999}, "channel", id="unknown_channel_case"),
    ],
)
def test_bad_competitor_input_is_refused_naming_the_field(api, amazon, data, field):
    response = api.post("/api/v1/competitors/", {"channel": amazon.pk, "item_id": KETTLE, **data}, format="json")
    assert response.status_code == 400
    assert field in str(response.json())
    assert not Competitor.objects.exists()


def test_a_shopify_channel_cannot_track_competitors(api, make_sandbox_channel):
    shop = make_sandbox_channel("shopify")
    response = api.post("/api/v1/competitors/", {"channel": shop.pk, "item_id": KETTLE}, format="json")
    assert response.status_code == 400
    assert "exposes no competitor items" in str(response.json())


def test_observing_an_unknown_asin_answers_409_with_the_marketplaces_message(api, make_competitor):
    competitor = make_competitor(item_id="B000000000")
    response = api.post(f"/api/v1/competitors/{competitor.pk}/observe/")
    assert response.status_code == 409  # a refusal (common/api/errors.py)
    assert "B000000000 is not valid" in str(response.json())
    assert not CompetitorObservation.objects.exists()


def test_alert_status_is_changed_by_patch_and_never_back_to_new(api, make_competitor, sandbox):
    competitor = make_competitor(seller_id=SELLERS[2])
    competitor_observe(competitor=competitor)
    sandbox.set_competitor("amazon", KETTLE, seller_id=SELLERS[2], price="40.00")
    competitor_observe(competitor=competitor)
    alert = Alert.objects.get(alert_type="price_drop")
    assert api.get("/api/v1/alerts/?status=new&alert_type=price_drop").json()["count"] == 1
    assert api.get("/api/v1/alerts/?status=new").json()["count"] == 2  # and buy_box_won

    response = api.patch(
        f"/api/v1/alerts/{alert.pk}/", {"status": "actioned", "action_taken": "matched"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["action_taken"]) == ("actioned", "matched")
    assert response.json()["actioned_at"] is not None

    refused = api.patch(f"/api/v1/alerts/{alert.pk}/", {"status": "new"}, format="json")
    assert refused.status_code == 400
    assert "status must be one of viewed, actioned, dismissed" in str(refused.json()), refused.json()
    assert Alert.objects.get(pk=alert.pk).status == AlertStatus.ACTIONED
    assert api.put(f"/api/v1/alerts/{alert.pk}/", {"status": "viewed"}, format="json").status_code == 405
    assert Decimal(response.json()["change_pct"]) == Decimal("-23.08")


def test_list_endpoints_use_few_queries(api, make_competitor, django_assert_max_num_queries):
    for seller in SELLERS:
        competitor_observe(competitor=make_competitor(seller_id=seller))
    with django_assert_max_num_queries(12):
        assert api.get("/api/v1/competitors/").status_code == 200
    with django_assert_max_num_queries(12):
        assert api.get("/api/v1/competitor-observations/").status_code == 200
    with django_assert_max_num_queries(12):
        assert api.get("/api/v1/alerts/").status_code == 200


def test_the_schema_names_the_three_paths(api):
    paths = api.get("/api/schema/?format=json").json()["paths"]
    assert {"/api/v1/competitors/", "/api/v1/competitor-observations/", "/api/v1/alerts/",
            "/api/v1/competitors/{id}/observe/", "/api/v1/alerts/{id}/"} <= set(paths)  # fmt: skip
