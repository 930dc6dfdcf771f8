import hashlib
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.services import token_create, token_revoke
from common.errors import ApplicationError
from tests.fixtures.accounts import PASSWORD

pytestmark = pytest.mark.django_db
TOKEN_URL = "/api/v1/auth/token/"


def obtain(api, username, password, **extra):
    return api.post(TOKEN_URL, {"username": username, "password": password}, format="json", **extra)


def test_token_endpoint_returns_a_key_once_and_stores_only_its_hash(editor_user):
    response = obtain(APIClient(), "editor1", PASSWORD)
    assert response.status_code == 201
    key = response.json()["key"]
    assert len(key) >= 43  # 32 random bytes, urlsafe base64
    token = ApiToken.objects.get(user=editor_user)
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert token.prefix == key[:8]
    assert key not in str(ApiToken.objects.values().get())
    assert response.json()["token"]["prefix"] == key[:8]
    assert "key_hash" not in response.json()["token"]


def test_token_lifetime_follows_the_setting(settings, editor_user):
    settings.API_TOKEN_DAYS = 7
    token, _ = token_create(user=editor_user, name="short")
    assert timedelta(days=6, hours=23) < token.expires_at - timezone.now() <= timedelta(days=7)


@pytest.mark.parametrize("scheme_case", ["Token", "Bearer", "token"])
def test_token_authenticates_api_requests(editor_user, scheme_case, client):
    _, key = token_create(user=editor_user, name="script")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"{scheme_case} {key}")
    response = api.get("/api/v1/auth/me/")
    assert response.status_code == 200
    assert response.json() == {"username": "editor1", "roles": ["editor"], "auth": "token"}


def test_last_used_is_written_at_most_once_a_minute(editor_user):
    token, key = token_create(user=editor_user, name="script")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    api.get("/api/v1/auth/me/")
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    api.get("/api/v1/auth/me/")
    token.refresh_from_db()
    assert token.last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    api.get("/api/v1/auth/me/")
    token.refresh_from_db()
    assert token.last_used_at > first


@pytest.mark.parametrize("state_case", ["expired", "revoked", "unknown", "inactive_user"])
def test_unusable_tokens_get_401(editor_user, state_case):
    token, key = token_create(user=editor_user, name="script")
    if state_case == "expired":
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    elif state_case == "revoked":
        token_revoke(token=token, user=editor_user)
    elif state_case == "unknown":
        key = key[:-4] + "AAAA"
    else:
        editor_user.is_active = False
        editor_user.save()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.get("/api/v1/auth/me/")
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid, expired or revoked token."
    assert response["WWW-Authenticate"] == 'Token realm="api"'


def test_malformed_authorization_header_gets_a_clear_401(editor_user):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token a b")
    response = api.get("/api/v1/auth/me/")
    assert response.status_code == 401
    assert "expected 'Token <key>' or 'Bearer <key>'" in response.json()["detail"]


def test_only_the_owner_or_an_admin_may_revoke(editor_user, viewer_user, role_admin_user):
    token, _ = token_create(user=editor_user, name="script")
    with pytest.raises(ApplicationError, match="only revoke your own"):
        token_revoke(token=token, user=viewer_user)
    token.refresh_from_db()
    assert token.revoked_at is None
    token_revoke(token=token, user=role_admin_user)
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_wrong_password_gets_401_and_creates_no_token(editor_user):
    response = obtain(APIClient(), "editor1", "wrong")
    assert response.status_code == 401
    assert response.json()["detail"] == "Wrong username or password."  # API error shape (common.api.errors)
    assert ApiToken.objects.count() == 0


def test_missing_fields_are_named(db):
    response = APIClient().post(TOKEN_URL, {"username": "x"}, format="json")
    assert response.status_code == 400
    assert {"field": "password", "code": "required", "message": "This field is required."} in response.json()["errors"]


def test_token_endpoint_locks_out_after_five_failures_even_with_the_right_password(editor_user, settings):
    api = APIClient()
    statuses = [obtain(api, "editor1", f"bad-{i}").status_code for i in range(5)]
    assert statuses == [401, 401, 401, 401, 429]
    locked = obtain(api, "editor1", PASSWORD)
    assert locked.status_code == 429
    assert locked["Retry-After"] == str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    assert "Too many failed logins" in locked.json()["detail"]
    assert locked.json() == {"status": 429, "code": "locked_out", "detail": locked.json()["detail"], "errors": []}
    assert ApiToken.objects.count() == 0


def test_token_lockout_is_per_username_and_ip(editor_user, viewer_user):
    api = APIClient()
    for i in range(5):
        obtain(api, "editor1", f"bad-{i}")
    assert obtain(api, "viewer1", PASSWORD).status_code == 201  # same IP, other user
    assert obtain(api, "editor1", PASSWORD, REMOTE_ADDR="10.0.0.9").status_code == 201  # same user, other IP


def test_token_lockout_ends_after_the_cool_off(editor_user, settings):
    api = APIClient()
    for i in range(5):
        obtain(api, "editor1", f"bad-{i}")
    assert obtain(api, "editor1", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    assert obtain(api, "editor1", PASSWORD).status_code == 201


def test_token_endpoint_is_throttled_with_retry_after(settings, editor_user):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"auth_token": "3/min"}}
    from rest_framework.settings import api_settings
    from rest_framework.throttling import ScopedRateThrottle

    ScopedRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    try:
        api = APIClient()
        statuses = [obtain(api, "editor1", PASSWORD).status_code for _ in range(4)]
        assert statuses == [201, 201, 201, 429]
        blocked = obtain(api, "editor1", PASSWORD)
        assert int(blocked["Retry-After"]) > 0
        assert ApiToken.objects.count() == 3
    finally:
        ScopedRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES


def test_token_pages_create_show_once_and_revoke(client, viewer_user):
    client.force_login(viewer_user)
    created = client.post(reverse("accounts:apitoken_create"), {"name": "report script", "days": "30"})
    assert created.status_code == 200
    key = created.context["key"]
    assert key in created.content.decode()
    assert created["Cache-Control"] == "no-store"
    page = client.get(reverse("accounts:security")).content.decode()
    assert "report script" in page
    assert key not in page
    assert key[:8] in page
    token = ApiToken.objects.get()
    assert client.post(reverse("accounts:apitoken_revoke", args=[token.pk])).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_token_page_rejects_bad_lifetime_with_a_message(client, viewer_user):
    client.force_login(viewer_user)
    response = client.post(reverse("accounts:apitoken_create"), {"name": "x", "days": "0"})
    assert response.status_code == 400
    assert "Ensure this value is greater than or equal to 1." in response.content.decode()
    assert ApiToken.objects.count() == 0


def test_user_cannot_revoke_someone_elses_token_from_the_page(client, viewer_user, editor_user):
    token, _ = token_create(user=editor_user, name="theirs")
    client.force_login(viewer_user)
    response = client.post(reverse("accounts:apitoken_revoke", args=[token.pk]))
    assert response.status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None
