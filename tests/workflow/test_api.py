"""The board API: /api/v1/stages/ (CRUD, wip_limit below 0 refused naming the field), /api/v1/tasks/ (filters),
POST /api/v1/tasks/{id}/move/ and …/complete/; bad input answers 400 naming the field, nothing changed."""

import pytest
import yaml

from workflow.models import Stage, Task

from .conftest import titles

pytestmark = pytest.mark.django_db


def error_fields(response):
    """The fields a 400 answer names (the API's error shape: errors = [{field, code, message}])."""
    assert response.status_code == 400, response.content
    return {error.get("field") for error in response.json()["errors"]}


def test_stages_list_in_board_order_with_counts(api, make_task):
    make_task("A", stage="Review")
    rows = api.get("/api/v1/stages/").json()["results"]
    assert [r["name"] for r in rows][:3] == ["Backlog", "To Analyze", "In Progress"]
    review = next(r for r in rows if r["name"] == "Review")
    assert (review["task_count"], review["wip_limit"], review["color"]) == (1, None, "#8B5CF6")


def test_create_update_and_delete_a_stage(api):
    response = api.post("/api/v1/stages/", {"name": "Blocked", "sort_order": 8, "wip_limit": 3}, format="json")
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert api.patch(f"/api/v1/stages/{pk}/", {"wip_limit": None}, format="json").json()["wip_limit"] is None
    assert api.delete(f"/api/v1/stages/{pk}/").status_code == 204
    assert not Stage.objects.filter(name="Blocked").exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        pytest.param({"wip_limit": -1}, "wip_limit", id="negative_wip_case"),
        pytest.param({"wip_limit": "2"}, "wip_limit", id="wip_as_text_case"),
        pytest.param({"color": "red"}, "color", id="bad_colour_case"),
        pytest.param({"name": "Backlog"}, "name", id="duplicate_name_case"),
    ],
)
def test_bad_stage_input_is_refused_naming_the_field(api, data, field):
    response = api.post("/api/v1/stages/", {"name": "New", "sort_order": 9, **data}, format="json")
    assert field in error_fields(response)
    assert Stage.objects.count() == 7


def test_a_negative_wip_limit_on_update_is_refused(api, stages):
    response = api.patch(f"/api/v1/stages/{stages['Review'].pk}/", {"wip_limit": -5}, format="json")
    assert error_fields(response) == {"wip_limit"}
    assert Stage.objects.get(pk=stages["Review"].pk).wip_limit is None


def test_a_stage_holding_tasks_cannot_be_deleted(api, make_task, stages):
    # given a stage with a task; when it is deleted; then it is refused and still there
    make_task("A", stage="Review")
    response = api.delete(f"/api/v1/stages/{stages['Review'].pk}/")
    assert response.status_code == 409  # a business rule refused (common/api/errors.py)
    assert "still holds 1 task" in str(response.json())
    assert Stage.objects.filter(pk=stages["Review"].pk).exists()


def test_create_a_task_and_read_its_priority_parts(api, api_user, make_listing, stages):
    listing = make_listing()
    response = api.post(
        "/api/v1/tasks/",
        {"title": "Rewrite bullets", "task_type": "optimization", "listings": [listing.pk], "impact_score": "8.50",
         "ease_score": "6.00", "urgency_score": "9.00", "tags": ["seo"], "stage": stages["To Analyze"].pk},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["priority_score"] == "45.90"
    assert body["priority_breakdown"] == {"impact_score": "8.50", "ease_score": "6.00", "urgency_score": "9.00"}
    assert (body["listing"], body["listings"], body["stage"], body["position"]) == (
        listing.pk, [listing.pk], stages["To Analyze"].pk, 0,
    )  # fmt: skip
    assert (body["created_by_kind"], body["created_by"], body["tags"]) == ("user", api_user.pk, ["seo"])


@pytest.mark.parametrize(
    ("data", "field"),
    [
        pytest.param({"title": ""}, "title", id="empty_title_case"),
        pytest.param({"task_type": "chores"}, "task_type", id="unknown_type_case"),
        pytest.param({"impact_score": "11"}, "impact_score", id="impact_above_10_case"),
        pytest.param({"urgency_score": "-1"}, "urgency_score", id="negative_urgency_case"),
        pytest.param({"stage": 999999}, "stage", id="unknown_stage_case"),
        pytest.param({"listings": [999999]}, "listings", id="unknown_listing_case"),
        pytest.param({"tags": "a,b"}, "tags", id="tags_not_a_list_case"),
        pytest.param({"due_date": "tomorrow"}, "due_date", id="bad_date_case"),
    ],
)
def test_bad_task_input_is_refused_naming_the_field(api, stages, data, field):
    response = api.post("/api/v1/tasks/", {"title": "T", "task_type": "other", **data}, format="json")
    assert field in error_fields(response)
    assert not Task.objects.exists()


def test_filters_stage_type_assignee_listing_and_mine(api, api_user, make_user, make_task, make_listing, stages):
    other = make_user("other", "editor")
    listing = make_listing()
    a = make_task("A", task_type="pricing", assignee=api_user)
    b = make_task("B", stage="Review", assignee=other, listings=[listing])
    c = make_task("C", stage="Done", task_type="pricing")

    def ids(query):
        response = api.get(f"/api/v1/tasks/?{query}")
        assert response.status_code == 200, response.content
        return sorted(r["id"] for r in response.json()["results"])

    assert ids(f"stage={stages['Review'].pk}") == [b.pk]
    assert ids("task_type=pricing") == sorted([a.pk, c.pk])
    assert ids(f"assignee={other.pk}") == [b.pk]
    assert ids(f"listing={listing.pk}") == [b.pk]
    assert ids("mine=true") == [a.pk]
    assert ids("is_open=false") == [c.pk]
    assert api.get("/api/v1/tasks/?task_type=chores").status_code == 400


def test_move_renumbers_and_flags_a_broken_wip_limit(api, make_task, stages):
    Stage.objects.filter(pk=stages["Review"].pk).update(wip_limit=1)
    make_task("X", stage="Review")
    a, b = make_task("A"), make_task("B")
    response = api.post(f"/api/v1/tasks/{a.pk}/move/", {"stage": stages["Review"].pk, "position": 0}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["wip_exceeded"] is True
    assert (response.json()["task"]["stage"], response.json()["task"]["position"]) == (stages["Review"].pk, 0)
    assert titles(stages["Review"]) == [("A", 0), ("X", 1)]
    assert titles(stages["Backlog"]) == [("B", 0)]
    response = api.post(f"/api/v1/tasks/{b.pk}/move/", {"stage": stages["To Analyze"].pk}, format="json")
    assert response.json()["wip_exceeded"] is False


@pytest.mark.parametrize(
    ("data", "field"),
    [
        pytest.param({"position": 0}, "stage", id="missing_stage_case"),
        pytest.param({"stage": 999999, "position": 0}, "stage", id="unknown_stage_case"),
        pytest.param({"stage": "STAGE", "position": -1}, "position", id="negative_position_case"),
        pytest.param({"stage": "STAGE", "position": "1"}, "position", id="position_as_text_case"),
    ],
)
def test_bad_move_input_is_refused_and_nothing_moves(api, make_task, stages, data, field):
    task = make_task("A")
    body = {k: (stages["Review"].pk if v == "STAGE" else v) for k, v in data.items()}
    response = api.post(f"/api/v1/tasks/{task.pk}/move/", body, format="json")
    assert field in error_fields(response)
    task.refresh_from_db()
    assert (task.stage, task.position) == (stages["Backlog"], 0)


def test_complete_sets_completed_at_and_outcome(api, make_task, stages):
    task = make_task("A")
    response = api.post(f"/api/v1/tasks/{task.pk}/complete/", {"outcome": "Done well"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()["task"]
    assert (body["stage"], body["outcome"]) == (stages["Done"].pk, "Done well")
    assert body["completed_at"] is not None


def test_a_viewer_reads_but_cannot_move(viewer_api, make_task, stages):
    task = make_task("A")
    assert viewer_api.get("/api/v1/tasks/").status_code == 200
    response = viewer_api.post(f"/api/v1/tasks/{task.pk}/move/", {"stage": stages["Done"].pk}, format="json")
    assert response.status_code == 403
    task.refresh_from_db()
    assert task.stage == stages["Backlog"]


@pytest.mark.slow
def test_the_board_paths_are_in_the_openapi_schema(api):
    schema = yaml.safe_load(api.get("/api/schema/").content)
    paths = schema["paths"]
    assert {"/api/v1/stages/", "/api/v1/tasks/", "/api/v1/tasks/{id}/move/", "/api/v1/tasks/{id}/complete/"} <= set(
        paths
    )
    move_body = paths["/api/v1/tasks/{id}/move/"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert move_body["$ref"].endswith("/TaskMoveRequest")
    params = {p["name"] for p in paths["/api/v1/tasks/"]["get"]["parameters"]}
    assert {"stage", "task_type", "assignee", "listing", "mine"} <= params
