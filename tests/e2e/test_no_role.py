"""Browser: an account without a role logs in and is told who can grant one (not a dead-end "not allowed")."""

import pytest
from playwright.sync_api import expect

from accounts.roles import ADMIN

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_without_a_role_shows_who_grants_one(page, make_user):
    # given an administrator and a new account without a role
    make_user("alice", ADMIN, first_name="Alice", last_name="Admin")
    newcomer = make_user("newcomer")
    newcomer.set_password(PASSWORD)
    newcomer.save()
    # when the new account logs in through the form
    page.goto("/accounts/login/")
    page.fill("#id_username", "newcomer")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    # then the landing page says the account has no role yet and names the administrator
    expect(page.locator("h1")).to_have_text("Your account has no role yet")
    expect(page.locator("#role-granters")).to_contain_text("Alice Admin (alice)")
    expect(page.locator("#role-granters a")).to_have_attribute("href", "mailto:alice@example.com")
    # and the only way on is to log out
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/accounts/login/**")
