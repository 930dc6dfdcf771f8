"""The intake API: upload (201), own items only, supervisors see all, control actions, review, logs, schema."""

import pytest
from django_q.models import OrmQ

from intake.choices import IntakeStatus
from intake.models import IntakeItem
from intake.services import intake_item_create
from tests.intake.photos import label_photo, plain_photo, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def intake_api(intake_user, token_client_for):
    return token_client_for(intake_user)


def _post_photos(api, *photos, **hints):
    return api.post("/api/v1/intake/", {"photos": list(photos), **hints}, format="multipart")


def test_upload_answers_201_with_the_item(intake_api, make_channel):
    channel = make_channel("shopify")
    response = _post_photos(
        intake_api,
        upload(label_photo(barcode="4006381333931")),
        upload(plain_photo()),
        hint_name="Kettle",
        hint_condition="new",
        hint_channels=[channel.pk],
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "processing"
    assert body["owner"] == "picker1"
    assert body["hint_channels"] == [channel.pk]
    assert [p["position"] for p in body["photos"]] == [0, 1]
    assert body["photos"][0]["url"] == f"/intake/{body['id']}/photos/{body['photos'][0]['id']}/"
    assert body["phases"][0]["phase"] == "photo_check"


def test_bad_photo_is_a_400_naming_it_and_nothing_is_written(intake_api):
    response = _post_photos(intake_api, upload(label_photo(lines=("x",))), upload(b"%PDF-1.4", "scan.pdf"))
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "field": "photos",
            "code": "invalid",
            "message": "Photo 2 (scan.pdf): The file is not an image (its content is not JPEG, PNG, WebP or GIF).",
        }
    ]
    assert IntakeItem.objects.count() == 0
    assert OrmQ.objects.count() == 0


def test_each_user_sees_only_their_items_and_supervisors_see_all(
    intake_user, other_intake_user, supervisor, token_client_for
):
    mine = intake_item_create(owner=intake_user, photos=[upload(plain_photo(seed=1))])
    theirs = intake_item_create(owner=other_intake_user, photos=[upload(plain_photo(seed=2))])
    api = token_client_for(intake_user)
    assert [i["id"] for i in api.get("/api/v1/intake/").json()["results"]] == [mine.pk]
    assert api.get(f"/api/v1/intake/{theirs.pk}/").status_code == 404
    assert api.post(f"/api/v1/intake/{theirs.pk}/stop/").status_code == 404
    assert api.get(f"/api/v1/intake/{theirs.pk}/logs/").status_code == 404
    assert IntakeItem.objects.get(pk=theirs.pk).is_running is True
    boss = token_client_for(supervisor)
    assert {i["id"] for i in boss.get("/api/v1/intake/").json()["results"]} == {mine.pk, theirs.pk}
    assert boss.get("/api/v1/intake/dashboard/").json() == {
        "total": 2,
        "running": 2,
        "needs_review": 0,
        "completed": 0,
        "errors": 0,
    }
    assert api.get("/api/v1/intake/dashboard/").json()["total"] == 1


@pytest.mark.parametrize("client_case", ["viewer_api", "api", "roleless_api", "anon_api"])
def test_roles_without_intake_are_refused(request, client_case, intake_user):
    item = intake_item_create(owner=intake_user, photos=[upload(plain_photo())])
    client = request.getfixturevalue(client_case)
    expected = 401 if client_case == "anon_api" else 403
    assert client.get("/api/v1/intake/").status_code == expected
    assert client.get(f"/api/v1/intake/{item.pk}/").status_code == expected
    assert _post_photos(client, upload(plain_photo(seed=5))).status_code == expected
    assert IntakeItem.objects.count() == 1


def test_control_actions_and_review_through_the_api(intake_api, intake_user, run_pipeline, small_catalog):
    item_id = _post_photos(intake_api, upload(plain_photo())).json()["id"]
    stopped = intake_api.post(f"/api/v1/intake/{item_id}/stop/")
    assert stopped.status_code == 200
    assert stopped.json()["status"] == "stopped"
    again = intake_api.post(f"/api/v1/intake/{item_id}/stop/")
    assert again.status_code == 409
    assert again.json()["detail"] == f"No phase of intake #{item_id} is running; there is nothing to stop."
    assert intake_api.post(f"/api/v1/intake/{item_id}/retry/", {"phase": "photo_check"}).json()["status"] == (
        "processing"
    )
    run_pipeline(IntakeItem.objects.get(pk=item_id))
    refused = intake_api.post(f"/api/v1/intake/{item_id}/retry/", {"phase": "photo_check"}, format="json")
    assert refused.status_code == 409
    assert "already completed" in refused.json()["detail"]
    bad = intake_api.post(f"/api/v1/intake/{item_id}/review/", {"fields": {"condition": "mint"}}, format="json")
    assert bad.status_code == 400
    reviewed = intake_api.post(
        f"/api/v1/intake/{item_id}/review/",
        {"fields": {"name": "Grey cloth", "category": str(small_catalog["kitchen"].pk), "condition": "used"}},
        format="json",
    )
    assert reviewed.status_code == 200, reviewed.content
    body = reviewed.json()
    assert body["confidence"] == 100
    assert body["fields"]["name"]["value"] == "Grey cloth"
    assert body["current_phase"] == "research"
    item = run_pipeline(IntakeItem.objects.get(pk=item_id))
    assert item.status == IntakeStatus.COMPLETED
    logs = intake_api.get(f"/api/v1/intake/{item_id}/logs/", {"level": "warning"}).json()["results"]
    assert [line["action"] for line in logs] == ["review_needed"]
    detail = intake_api.get(f"/api/v1/intake/{item_id}/").json()
    assert detail["product"] == item.product_id
    assert {p["phase"]: p["status"] for p in detail["phases"]} == {
        "photo_check": "completed",
        "analysis": "completed",
        "research": "completed",
        "seo": "completed",
        "listing": "completed",
    }


def test_intake_paths_are_in_the_schema(anon_api):
    schema = anon_api.get("/api/schema/", {"format": "json"}).json()
    for path in (
        "/api/v1/intake/",
        "/api/v1/intake/{id}/",
        "/api/v1/intake/{id}/start/",
        "/api/v1/intake/{id}/stop/",
        "/api/v1/intake/{id}/retry/",
        "/api/v1/intake/{id}/review/",
        "/api/v1/intake/{id}/logs/",
    ):
        assert path in schema["paths"], path
    assert "multipart/form-data" in schema["paths"]["/api/v1/intake/"]["post"]["requestBody"]["content"]


def test_list_endpoint_queries_do_not_grow_with_items(intake_user, intake_api, django_assert_max_num_queries):
    for n in range(6):
        intake_item_create(owner=intake_user, photos=[upload(plain_photo(seed=n)), upload(plain_photo(seed=n + 50))])
    with django_assert_max_num_queries(12):
        response = intake_api.get("/api/v1/intake/")
    assert response.json()["count"] == 6
