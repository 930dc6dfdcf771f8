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


def test_from_and_to_keep_the_changes_made_on_those_days(viewer_api, scene):
    # the title change on 11-10, the other listing's description change on 11-13 (both 12:00 UTC)
    def types(**params):
        return [e["change_type"] for e in results(viewer_api.get(URL, params))]

    assert types(**{"from": "2026-11-11"}) == ["description_update"]
    assert types(to="2026-11-12") == ["title_update"]
    assert types(**{"from": "2026-11-10", "to": "2026-11-10"}) == ["title_update"]  # the whole local day
    assert types(**{"from": "2026-11-13", "to": "2026-11-13"}) == ["description_update"]
    assert types(**{"from": "2026-11-10", "to": "2026-11-13"}) == ["description_update", "title_update"]
    assert types(**{"from": "2026-11-14"}) == []
    assert types(**{"from": "0001-01-01", "to": "9999-12-31"}) == ["description_update", "title_update"]
    assert types(**{"from": "2026-11-10", "verdict": "positive"}) == ["title_update"]


def test_from_and_to_are_local_days(viewer_api, scene, settings):
    settings.TIME_ZONE = "Pacific/Kiritimati"  # UTC+14: 11-10 12:00 UTC is 11-11 02:00 there

    response = viewer_api.get(URL, {"from": "2026-11-11", "to": "2026-11-11"})

    assert [e["change_type"] for e in results(response)] == ["title_update"]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"from": "2026-13-01"}, "from", "Enter a date as YYYY-MM-DD."),
        ({"to": "soon"}, "to", "Enter a date as YYYY-MM-DD."),
        ({"from": ""}, "from", "Must not be empty"),
        ({"from": "2026-11-13", "to": "2026-11-10"}, "from", "'from' (2026-11-13) is after 'to' (2026-11-10)."),
        ({"listing": "abc"}, "listing", "Use a whole number."),
        ({"listing": "0"}, "listing", "greater than or equal to 1"),
        ({"listing": "99999"}, "listing", "Listing 99999 does not exist."),
        ({"change_type": "font_change"}, "change_type", "Select a valid choice."),
        ({"verdict": "great"}, "verdict", "Select a valid choice."),
    ],
    ids=[
        "from_not_a_date",
        "to_not_a_date",
        "from_empty",
        "from_after_to",
        "listing_not_a_number",
        "listing_zero",
        "unknown_listing",
        "unknown_change_type",
        "unknown_verdict",
    ],
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
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert set(parameters) >= {"listing", "change_type", "verdict", "from", "to"}
    assert parameters["from"]["schema"] == parameters["to"]["schema"] == {"type": "string", "format": "date"}
    assert "/api/v1/attribution/{id}/" in schema["paths"]
