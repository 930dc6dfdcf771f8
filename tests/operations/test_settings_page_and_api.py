"""The runtime settings page and /api/v1/settings/ (docs/configuration.md#runtime-settings), and
/api/v1/notifications/ (docs/operations.md#notifications)."""

import json

import pytest

from accounts.models import AuditEntry, RuntimeSetting
from accounts.runtime_settings import runtime_setting
from accounts.setting_values import SECRET_MASK
from operations.models import Notification
from operations.services.notifications import notification_create

pytestmark = pytest.mark.django_db
SECRET = "a1B2c3D4e5F6g7H8i9J0"


@pytest.fixture
def admin_page(client, role_admin_user):
    client.force_login(role_admin_user)
    return client


def _form(page, **changes):
    """The page's form as it is, with `changes` (key -> text)."""
    form = page.context["form"]
    data = {name: (form[name].value() or "") for name in form.fields if not name.endswith("__clear")}
    return data | changes


# --- page ---


def test_the_page_groups_settings_by_category_with_typed_inputs(admin_page):
    response = admin_page.get("/operations/settings/")
    html = response.content.decode()
    assert response.status_code == 200
    for category in ("scoring", "sync", "pricing", "seasonality", "thresholds"):
        assert f'id="category-{category}"' in html
    assert 'type="number" name="sync.sp_api.interval_minutes"' in html
    assert '<textarea name="scoring.weights"' in html
    assert 'type="password" name="sync.keepa.api_key"' in html


def test_the_page_saves_a_change_and_refuses_a_bad_one_naming_the_field(admin_page, role_admin_user):
    page = admin_page.get("/operations/settings/")
    bad_weights = json.dumps({"seo": 0.5, "content": 0.5, "images": 0.5, "competitive": 0, "compliance": 0})
    response = admin_page.post(
        "/operations/settings/",
        _form(page, **{"sync.sp_api.interval_minutes": "30", "scoring.weights": bad_weights}),
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == ["scoring.weights"]
    assert "add up to 1" in errors["scoring.weights"][0]
    assert 'id="id_scoring.weights_errors"' in response.content.decode()
    assert runtime_setting("sync.sp_api.interval_minutes") == 30  # the good one was saved
    assert runtime_setting("scoring.weights")["seo"] == 0.25
    assert RuntimeSetting.objects.get(key="sync.sp_api.interval_minutes").updated_by == role_admin_user


def test_the_page_refuses_a_value_of_the_wrong_type(admin_page):
    page = admin_page.get("/operations/settings/")
    response = admin_page.post("/operations/settings/", _form(page, **{"customers.at_risk_days": "soon"}))
    assert response.status_code == 400
    assert (
        "customers.at_risk_days: Must be a whole number" in response.context["form"].errors["customers.at_risk_days"][0]
    )


def test_a_secret_is_write_only_on_the_page(admin_page):
    page = admin_page.get("/operations/settings/")
    response = admin_page.post("/operations/settings/", _form(page, **{"sync.keepa.api_key": SECRET}))
    assert response.status_code == 302
    assert runtime_setting("sync.keepa.api_key") == SECRET
    html = admin_page.get("/operations/settings/").content.decode()
    assert SECRET not in html
    assert "stored; type to replace" in html
    page = admin_page.get("/operations/settings/")
    admin_page.post("/operations/settings/", _form(page))  # empty secret input: kept
    assert runtime_setting("sync.keepa.api_key") == SECRET
    page = admin_page.get("/operations/settings/")
    admin_page.post("/operations/settings/", _form(page, **{"sync.keepa.api_key__clear": "on"}))
    assert runtime_setting("sync.keepa.api_key") is None


def test_only_admins_see_the_settings_page(client, editor_user):
    client.force_login(editor_user)
    assert client.get("/operations/settings/").status_code == 403


# --- API ---


def test_api_lists_and_retrieves_by_key_with_secrets_masked(admin_api):
    admin_api.patch("/api/v1/settings/sync.keepa.api_key/", {"value": SECRET}, format="json")
    listed = admin_api.get("/api/v1/settings/").json()
    by_key = {row["key"]: row for row in listed}
    assert by_key["sync.keepa.api_key"]["value"] == SECRET_MASK
    assert by_key["sync.keepa.api_key"]["is_encrypted"] is True
    assert by_key["scoring.weights"]["value"] is None  # not set: the default applies
    assert by_key["scoring.weights"]["default_value"]["seo"] == 0.25
    assert by_key["inventory.low_stock_threshold"]["default_source"] == "environment INVENTORY_LOW_STOCK_THRESHOLD"
    one = admin_api.get("/api/v1/settings/sync.keepa.api_key/").json()
    assert one["value"] == SECRET_MASK
    assert SECRET not in json.dumps(listed)


def test_api_updates_a_value_in_its_type_and_audits_it(admin_api):
    response = admin_api.patch("/api/v1/settings/pricing.default_margin_floor/", {"value": 18.5}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["value"] == "18.5"
    assert str(runtime_setting("pricing.default_margin_floor")) == "18.5"
    entry = AuditEntry.objects.filter(object_repr="pricing.default_margin_floor").get()
    assert entry.actor.username == "api-admin"
    response = admin_api.put("/api/v1/settings/pricing.default_margin_floor/", {"value": None}, format="json")
    assert response.json()["value"] is None


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("sync.sp_api.interval_minutes", "hourly", "whole number"),
        ("sync.sp_api.interval_minutes", 0, "between 1 and 1440"),
        ("sync.keepa.api_key", "no", "does not match the pattern"),
        ("scoring.weights", {"seo": 1}, "missing: content"),
        (
            "scoring.weights",
            {"seo": 0.2, "content": 0.2, "images": 0.2, "competitive": 0.2, "compliance": 0.1},
            "add up to 1",
        ),
        ("seasonality.uk_calendar", {"holiday_weeks": ["\u0000"]}, "NUL"),
    ],
)
def test_api_refuses_a_bad_value_with_400_naming_the_field(admin_api, key, value, says):
    response = admin_api.patch(f"/api/v1/settings/{key}/", {"value": value}, format="json")
    assert response.status_code == 400
    body = response.json()
    text = json.dumps(body)
    assert "value" in text
    assert key in text
    assert says in text
    assert RuntimeSetting.objects.get(key=key).value is None


def test_api_unknown_key_is_404_and_missing_value_is_400(admin_api):
    response = admin_api.patch("/api/v1/settings/no.such.key/", {"value": 1}, format="json")
    assert response.status_code == 404
    assert "no.such.key" in json.dumps(response.json())
    response = admin_api.patch("/api/v1/settings/sync.sp_api.interval_minutes/", {}, format="json")
    assert response.status_code == 400
    assert "value" in json.dumps(response.json())


def test_api_settings_are_for_admins_only(api):
    assert api.get("/api/v1/settings/").status_code == 403
    assert api.patch("/api/v1/settings/sync.sp_api.interval_minutes/", {"value": 5}, format="json").status_code == 403


def test_settings_and_notifications_are_in_the_openapi_schema(anon_api):
    schema = anon_api.get("/api/schema/").content.decode()
    for path in ("/api/v1/settings/:", "/api/v1/settings/{key}/:", "/api/v1/notifications/:",
                 "/api/v1/notifications/{id}/read/:", "/api/v1/notifications/mark-read/:"):  # fmt: skip
        assert path in schema


def test_api_notifications_lists_own_and_marks_read(api, api_user, viewer_api, make_user):
    other = make_user("someone-else")
    notification_create(kind="other", title="mine 1", user_ids=[api_user.pk])
    notification_create(kind="alert", title="mine 2", user_ids=[api_user.pk])
    notification_create(kind="other", title="theirs", user_ids=[other.pk])
    listed = api.get("/api/v1/notifications/").json()
    assert sorted(n["title"] for n in listed["results"]) == ["mine 1", "mine 2"]
    theirs = Notification.objects.get(title="theirs")
    assert api.post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404
    mine = Notification.objects.get(title="mine 1")
    assert api.post(f"/api/v1/notifications/{mine.pk}/read/").json() == {"marked": 1, "unread": 1}
    unread = api.get("/api/v1/notifications/?unread=true").json()["results"]
    assert [n["title"] for n in unread] == ["mine 2"]
    assert api.get("/api/v1/notifications/?unread=maybe").status_code == 400
    assert api.post("/api/v1/notifications/mark-read/", {}, format="json").json() == {"marked": 1, "unread": 0}
    assert api.post("/api/v1/notifications/mark-read/", {"ids": ["x"]}, format="json").status_code == 400
    assert Notification.objects.get(title="theirs").read_at is None
    assert viewer_api.get("/api/v1/notifications/").status_code == 200  # every role has its own centre
