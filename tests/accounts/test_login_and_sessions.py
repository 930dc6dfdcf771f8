from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import UserSession
from accounts.services import user_session_end, user_sessions_end_all
from common.errors import ApplicationError
from tests.fixtures.accounts import PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"
UA = "Mozilla/5.0 (X11; Linux) TestBrowser/1.0"


def login(client, username, password=PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, HTTP_USER_AGENT=UA, **extra)


# --- Login, lockout ---


def test_login_records_a_session_with_device_and_ip(client, editor_user):
    response = login(client, "editor1")
    assert response.status_code == 302
    client.get("/")
    record = UserSession.objects.get(user=editor_user)
    assert (record.user_agent, record.ip_address, record.ended_at) == (UA, "127.0.0.1", None)
    assert record.session_key == client.session.session_key


def test_wrong_password_shows_the_form_error(client, editor_user):
    response = login(client, "editor1", "nope")
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_login_locks_out_after_five_failures_with_a_clear_message(client, editor_user, settings):
    statuses = [login(client, "editor1", f"bad-{i}").status_code for i in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    response = login(client, "editor1")  # right password, still locked
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    html = response.content.decode()
    assert "Too many failed logins for this username from your address" in html
    assert "blocked for 15 minutes" in html
    assert "_auth_user_id" not in client.session
    assert not UserSession.objects.exists()


def test_lockout_does_not_block_other_users_behind_the_same_ip(client, editor_user, viewer_user):
    for i in range(5):
        login(client, "editor1", f"bad-{i}")
    assert login(Client(), "viewer1").status_code == 302
    assert login(Client(), "editor1", REMOTE_ADDR="10.1.2.3").status_code == 302


def test_login_works_again_after_the_cool_off(client, editor_user, settings):
    for i in range(5):
        login(client, "editor1", f"bad-{i}")
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    assert login(client, "editor1").status_code == 302


def test_success_resets_the_failure_count(client, editor_user):
    for i in range(4):
        login(client, "editor1", f"bad-{i}")
    assert login(client, "editor1").status_code == 302
    client.post(reverse("accounts:logout"))
    assert login(client, "editor1", "bad-again").status_code == 200  # a fresh count, not the 5th failure


# --- Own sessions page, revoke ---


def test_security_page_lists_only_own_active_sessions(editor_user, viewer_user):
    laptop, phone, other = Client(), Client(), Client()
    login(laptop, "editor1")
    login(phone, "editor1")
    login(other, "viewer1")
    for c in (laptop, phone, other):
        c.get("/")
    response = laptop.get(reverse("accounts:security"))
    assert response.status_code == 200
    sessions = list(response.context["sessions"])
    assert len(sessions) == 2
    assert {s.user_id for s in sessions} == {editor_user.pk}
    assert "(this session)" in response.content.decode()


def test_revoked_session_is_logged_out_on_its_next_request(editor_user):
    laptop, phone = Client(), Client()
    login(laptop, "editor1")
    login(phone, "editor1")
    phone.get("/")
    laptop.get("/")
    phone_record = UserSession.objects.get(session_key=phone.session.session_key)
    response = laptop.post(reverse("accounts:usersession_end", args=[phone_record.pk]))
    assert response.status_code == 302
    next_request = phone.get(reverse("accounts:security"))
    assert next_request.status_code == 302
    assert next_request["Location"].startswith(LOGIN)
    assert laptop.get(reverse("accounts:security")).status_code == 200
    phone_record.refresh_from_db()
    assert phone_record.end_reason == "revoked"
    assert not Session.objects.filter(session_key=phone_record.session_key).exists()


def test_ended_session_is_logged_out_even_if_the_session_row_survives(client, editor_user):
    login(client, "editor1")
    client.get("/")
    UserSession.objects.update(ended_at=timezone.now(), end_reason="admin")
    response = client.get(reverse("accounts:security"))
    assert response.status_code == 302
    assert "ended=admin" in response["Location"]
    page = client.get(response["Location"])
    assert "An administrator ended this session" in page.content.decode()


def test_user_cannot_end_someone_elses_session(editor_user, viewer_user):
    theirs, mine = Client(), Client()
    login(theirs, "editor1")
    theirs.get("/")
    login(mine, "viewer1")
    record = UserSession.objects.get(user=editor_user)
    response = mine.post(reverse("accounts:usersession_end", args=[record.pk]))
    assert response.status_code == 403
    record.refresh_from_db()
    assert record.ended_at is None


def test_admin_ends_all_sessions_of_a_user(editor_user, role_admin_user, viewer_user):
    a, b = Client(), Client()
    login(a, "editor1")
    login(b, "editor1")
    a.get("/")
    b.get("/")
    with pytest.raises(ApplicationError):
        user_sessions_end_all(target=editor_user, user=viewer_user)
    admin = Client()
    admin.force_login(role_admin_user)
    response = admin.post(reverse("accounts:user_sessions_end_all", args=[editor_user.pk]))
    assert response.status_code == 302
    assert UserSession.objects.filter(user=editor_user, ended_at=None).count() == 0
    assert set(UserSession.objects.filter(user=editor_user).values_list("end_reason", flat=True)) == {"admin"}
    assert a.get(reverse("accounts:security")).status_code == 302


def test_end_all_sessions_page_is_admin_only(client, editor_user):
    client.force_login(editor_user)
    response = client.post(reverse("accounts:user_sessions_end_all", args=[editor_user.pk]))
    assert response.status_code == 403
    assert client.get(reverse("accounts:user_list")).status_code == 403


def test_idle_session_is_logged_out(client, editor_user, settings):
    settings.SESSION_IDLE_TIMEOUT = 600
    login(client, "editor1")
    client.get("/")
    UserSession.objects.update(last_seen_at=timezone.now() - timedelta(seconds=601))
    response = client.get(reverse("accounts:security"))
    assert response.status_code == 302
    assert "ended=idle" in response["Location"]
    assert UserSession.objects.get().end_reason == "idle"


def test_session_past_its_maximum_lifetime_is_logged_out(client, editor_user, settings):
    settings.SESSION_MAX_AGE = 3600
    login(client, "editor1")
    client.get("/")
    UserSession.objects.update(created_at=timezone.now() - timedelta(seconds=3601))
    response = client.get(reverse("accounts:security"))
    assert response.status_code == 302
    assert "ended=expired" in response["Location"]


def test_last_seen_is_refreshed_at_most_once_a_minute(client, editor_user):
    login(client, "editor1")
    client.get("/")
    record = UserSession.objects.get()
    past = timezone.now() - timedelta(seconds=30)
    UserSession.objects.update(last_seen_at=past)
    client.get(reverse("accounts:security"))
    assert UserSession.objects.get().last_seen_at == past
    UserSession.objects.update(last_seen_at=timezone.now() - timedelta(seconds=90))
    client.get(reverse("accounts:security"))
    assert UserSession.objects.get().last_seen_at > past
    assert record.pk == UserSession.objects.get().pk


def test_logout_marks_the_session_ended(client, editor_user):
    login(client, "editor1")
    client.get("/")
    client.post(reverse("accounts:logout"))
    record = UserSession.objects.get()
    assert record.end_reason == "logout"
    assert record.ended_at is not None


def test_api_request_with_an_ended_session_gets_401(client, editor_user):
    login(client, "editor1")
    client.get("/")
    user_session_end(user_session=UserSession.objects.get(), user=editor_user)
    Session.objects.all().delete()
    assert client.get("/api/v1/auth/me/").status_code in (401, 403)


# --- Passwords ---


def test_password_change_page_ends_the_other_sessions(client, editor_user):
    other = Client()
    login(other, "editor1")
    other.get("/")
    login(client, "editor1")
    client.get("/")
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "Another-long-pw-77", "new_password2": "Another-long-pw-77"},
    )
    assert response.status_code == 302
    editor_user.refresh_from_db()
    assert editor_user.check_password("Another-long-pw-77")
    assert UserSession.objects.filter(user=editor_user, ended_at=None).count() == 1
    assert client.get(reverse("accounts:security")).status_code == 200
    assert other.get(reverse("accounts:security")).status_code == 302


def test_password_reset_sends_a_working_link_by_email(client, editor_user):
    response = client.post(reverse("accounts:password_reset"), {"email": "editor1@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    link = next(line for line in body.splitlines() if "/accounts/password/reset/" in line)
    path = link.split("testserver", 1)[1].strip()
    confirm = client.get(path, follow=True)
    assert confirm.context["validlink"] is True
    done = client.post(
        confirm.redirect_chain[-1][0], {"new_password1": "Reset-long-pw-88", "new_password2": "Reset-long-pw-88"}
    )
    assert done.status_code == 302
    editor_user.refresh_from_db()
    assert editor_user.check_password("Reset-long-pw-88")
