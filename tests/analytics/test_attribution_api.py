"""GET /api/v1/attribution/: the events, the filters, each bad input (400 naming the field), channel scoping and
the schema."""

from datetime import timedelta

import pytest

from accounts.roles import VIEWER
from accounts.services import user_channels_restrict
from analytics.services.attribution import attribution_analyse

from .attribution_data import CHANGE_DAY, TODAY, worked_example

pytestmark = pytest.mark.django_db
URL = "/api/v1/attribution/"


@pytest.fixture
def scene(make_channel):
    scene = worked_example(make_channel)
    attribution_analyse(since=CHANGE_DAY - timedelta(days=3), today=TODAY)
    return scene


def results(response):
    body = response.json()
    return body["results"] if isinstance(body, dict) else body


def test_lists_the_events_of_a_listing(viewer_api, scene, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        response = viewer_api.get(URL, {"listing": scene.listing.pk})

    assert response.status_code == 200
    (event,) = results(response)
    assert event["listing"] == scene.listing.pk
    assert (event["change_type"], event["change_kind"], event["change_id"]) == (
        "title_update",
        "listing_version",
        scene.version.pk,
    )
    assert (event["impact_score"], event["confidence"], event["verdict"]) == ("10.00", "90.84", "positive")
    assert event["metrics_before"]["units_total"] == 70
    assert event["control_after"]["units_avg"] == 16.5
    assert event["confounders"] == []


def test_filters(viewer_api, scene):
    assert len(results(viewer_api.get(URL))) == 2
    assert [e["change_type"] for e in results(viewer_api.get(URL, {"change_type": "description_update"}))] == [
        "description_update"
    ]
    assert [e["listing"] for e in results(viewer_api.get(URL, {"verdict": "positive"}))] == [scene.listing.pk]
    assert results(viewer_api.get(URL, {"verdict": "negative"})) == []


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"listing": "abc"}, "listing", "Use a whole number."),
        ({"listing": "0"}, "listing", "greater than or equal to 1"),
        ({"listing": "99999"}, "listing", "Listing 99999 does not exist."),
        ({"change_type": "font_change"}, "change_type", "Select a valid choice."),
        ({"verdict": "great"}, "verdict", "Select a valid choice."),
    ],
    ids=["listing_not_a_number", "listing_zero", "unknown_listing", "unknown_change_type", "unknown_verdict"],
)
def test_bad_input_is_a_400_naming_the_field(viewer_api, scene, params, field, message):
    response = viewer_api.get(URL, params)

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [field]
    assert message in errors[0]["message"]


def test_a_user_limited_to_another_channel_sees_none(make_user, token_client_for, scene):
    viewer = make_user("limited-viewer", VIEWER)
    user_channels_restrict(target=viewer, channel_ids=[scene.others["elsewhere"].channel_id])
    client = token_client_for(type(viewer).objects.get(pk=viewer.pk))

    assert results(client.get(URL)) == []


def test_needs_a_role(roleless_api, anon_api):
    assert roleless_api.get(URL).status_code == 403
    assert anon_api.get(URL).status_code in (401, 403)


def test_in_the_openapi_schema(viewer_api):
    schema = viewer_api.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    operation = schema["paths"]["/api/v1/attribution/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"listing", "change_type", "verdict"}
    assert "/api/v1/attribution/{id}/" in schema["paths"]
