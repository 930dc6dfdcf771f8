"""Role matrix over every accounts page and endpoint: anonymous, no role, viewer, editor, channel manager, admin."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.fixtures.accounts import PASSWORD

pytestmark = pytest.mark.django_db
ROLES = ["anon", "none", "viewer", "editor", "channel_manager", "admin"]

# page name -> expected status per role (302 = sent to login)
PAGES = {
    "accounts:login": [200, 302, 302, 302, 302, 302],  # logged-in users are sent on to the dashboard
    "accounts:password_reset": [200] * 6,
    "accounts:password_change": [302, 200, 200, 200, 200, 200],
    "accounts:security": [302, 200, 200, 200, 200, 200],
    "accounts:auditentry_list": [302, 403, 200, 200, 200, 200],
    "accounts:user_list": [302, 403, 403, 403, 403, 200],
}


@pytest.fixture
def client_for(client, role_users):
    def make(role):
        if role != "anon":
            client.force_login(role_users[role])
        return client

    return make


@pytest.mark.parametrize("name", list(PAGES))
@pytest.mark.parametrize("role_index", range(len(ROLES)), ids=ROLES)
def test_page_role_matrix(client_for, name, role_index):
    response = client_for(ROLES[role_index]).get(reverse(name))
    assert response.status_code == PAGES[name][role_index]
    if response.status_code == 403:
        # an account without any role is told so and who grants roles; a role without the right is "not allowed"
        expected = "Your account has no role yet" if ROLES[role_index] == "none" else "Not allowed"
        assert expected in response.content.decode()


@pytest.mark.parametrize(("role_index", "expected"), list(enumerate([302, 403, 403, 403, 403, 302])), ids=ROLES)
def test_end_all_sessions_post_role_matrix(client_for, role_users, role_index, expected):
    target = role_users["editor"]
    response = client_for(ROLES[role_index]).post(reverse("accounts:user_sessions_end_all", args=[target.pk]))
    assert response.status_code == expected
    if ROLES[role_index] == "anon":
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", ["none", "viewer", "editor", "channel_manager", "admin"])
def test_token_endpoint_works_for_every_role_and_me_reports_roles(role_users, role):
    user = role_users[role]
    api = APIClient()
    response = api.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}, format="json")
    assert response.status_code == 201
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['key']}")
    me = api.get("/api/v1/auth/me/")
    assert me.status_code == 200
    assert me.json()["roles"] == ([] if role == "none" else [role])


def test_me_needs_credentials():
    response = APIClient().get("/api/v1/auth/me/")
    assert response.status_code == 401


def test_healthz_is_public(client):
    assert client.get("/healthz").status_code in (200, 503)


def test_seed_users_creates_one_user_per_role_once():
    import io

    from django.contrib.auth.models import User
    from django.core.management import call_command

    from accounts.roles import user_roles

    out = io.StringIO()
    call_command("seed_users", password="Demo-pass-123", stdout=out)
    call_command("seed_users", stdout=out)
    assert {u.username: set(user_roles(u)) for u in User.objects.all()} == {
        "viewer": {"viewer"},
        "editor": {"editor"},
        "channels": {"channel_manager"},
        "manager": {"admin"},
    }
    assert out.getvalue().count("created") == 4
    assert User.objects.get(username="editor").check_password("Demo-pass-123")


def test_ensure_admin_gives_the_admin_role(monkeypatch):
    import io

    from django.contrib.auth.models import User
    from django.core.management import call_command

    monkeypatch.setenv("ADMIN_USERNAME", "root1")
    monkeypatch.setenv("ADMIN_PASSWORD", "Root-pass-123")
    call_command("ensure_admin", stdout=io.StringIO())
    root = User.objects.get(username="root1")
    assert root.is_superuser
    assert list(root.groups.values_list("name", flat=True)) == ["admin"]
