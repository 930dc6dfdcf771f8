"""A logged-in account without any role gets a page that says so and names who can grant one, instead of a
"not allowed" page whose only link (the dashboard) is refused too."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.roles import ADMIN, VIEWER
from tests.fixtures.accounts import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def roleless_client(make_user):
    client = Client()
    client.force_login(make_user("newcomer"))
    return client


def test_login_without_a_role_lands_on_the_no_role_page(make_user, django_user_model):
    # given an administrator, a superuser, an inactive admin and a new account without a role
    make_user("alice", ADMIN, first_name="Alice", last_name="Admin")
    django_user_model.objects.create_superuser("root", "root@example.com", "pw-root-123-long")
    make_user("gone", ADMIN, is_active=False)
    make_user("newcomer")
    client = Client()
    # when the new account logs in and follows the redirect to the dashboard
    response = client.post(reverse("accounts:login"), {"username": "newcomer", "password": PASSWORD}, follow=True)
    # then it reads that it has no role yet and who grants one, with no link to a page it may not open
    assert response.status_code == 403
    assert [t.name for t in response.templates][0] == "accounts/no_role.html"
    text = response.content.decode()
    assert "Your account has no role yet" in text
    assert "logged in as <strong>newcomer</strong>" in text
    assert [str(u) for u in response.context["granters"]] == ["alice", "root"]
    assert "Alice Admin (alice)" in text
    assert 'href="mailto:alice@example.com"' in text
    assert "gone" not in [str(u) for u in response.context["granters"]]
    assert reverse("dashboard") + '"' not in text.split("<main", 1)[1]
    assert "Not allowed" not in text


@pytest.mark.parametrize("url_name", ["dashboard", "catalog:product_list", "accounts:auditentry_list"])
def test_every_role_page_answers_the_no_role_page(roleless_client, url_name):
    response = roleless_client.get(reverse(url_name))
    assert response.status_code == 403
    assert "Your account has no role yet" in response.content.decode()


def test_no_administrator_yet_says_how_to_create_one(roleless_client):
    response = roleless_client.get(reverse("dashboard"))
    assert response.status_code == 403
    assert response.context["granters"] == []
    assert "manage.py ensure_admin" in response.content.decode()


def test_a_role_without_the_right_still_gets_not_allowed(make_user, client):
    # given a viewer (a role, but no edit right)
    client.force_login(make_user("reader", VIEWER))
    # when it opens a page that needs the admin area
    response = client.get(reverse("accounts:user_list"))
    # then it is the ordinary "not allowed" page, not the no-role one
    assert response.status_code == 403
    text = response.content.decode()
    assert "Not allowed" in text
    assert "no role yet" not in text
