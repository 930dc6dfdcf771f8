import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from common.logging import JsonFormatter, RedactSecretsFilter, RequestIdFilter, request_id_var

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
PROD_ENV = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "prod-" + "k" * 40 + "-0123456789-abcdefghij",
    "CREDENTIALS_KEY": "l2fY6m4Jt1u2s3Zk9ZtGk3kq6kZ2m4c8Xv1pQ0wE5rU=",
    "ALLOWED_HOSTS": "shop.example.com",
}


def manage(*args, **env):
    # DJANGO_ALLOW_ASYNC_UNSAFE is set in-process by the Playwright tests; a deployment never has it.
    dropped = {*PROD_ENV, "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_responses_carry_csp_and_other_security_headers(client):
    response = client.get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


def test_our_templates_have_no_inline_script_or_handlers():
    offenders = []
    for path in (ROOT / "templates" / "accounts").rglob("*.html"):
        text = path.read_text().lower()
        if "<script" in text or " onclick=" in text or " onload=" in text or "javascript:" in text:
            offenders.append(path.name)
    assert offenders == []


def test_request_id_is_generated_or_taken_from_a_sane_header(client):
    generated = client.get("/accounts/login/")["X-Request-ID"]
    assert len(generated) == 32
    assert client.get("/accounts/login/", HTTP_X_REQUEST_ID="abc-123-def-456")["X-Request-ID"] == "abc-123-def-456"
    hostile = client.get("/accounts/login/", HTTP_X_REQUEST_ID="x\nInjected: 1")["X-Request-ID"]
    assert "\n" not in hostile
    assert len(hostile) == 32


def test_oversized_request_body_is_refused_with_413(client, settings):
    settings.REQUEST_MAX_BYTES = 1000
    response = client.post("/accounts/login/", {"username": "a" * 2000, "password": "x"})
    assert response.status_code == 413
    assert response.json()["detail"].startswith("Request body too large")


def test_json_log_lines_carry_the_request_id_and_hide_secrets():
    record = logging.LogRecord(
        "sync", logging.INFO, __file__, 1, "calling with %s", ("access_token=abc123secret",), None
    )
    record.channel_id = 7
    token = request_id_var.set("req-42-abcdef")
    try:
        RequestIdFilter().filter(record)
        RedactSecretsFilter().filter(record)
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id_var.reset(token)
    assert line["request_id"] == "req-42-abcdef"
    assert line["message"] == "calling with access_token=[redacted]"
    assert line["channel_id"] == 7
    assert (line["level"], line["logger"]) == ("INFO", "sync")


def test_exceptions_in_json_logs_are_redacted():
    try:
        raise RuntimeError("Authorization: Bearer abcdefghijklmnopqrstuvwxyz012345")
    except RuntimeError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    line = json.loads(JsonFormatter().format(record))
    assert "abcdefghijklmnopqrstuvwxyz012345" not in line["exception"]
    assert "[redacted]" in line["exception"]


def test_axes_is_keyed_on_username_and_ip_with_a_cool_off(settings):
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() > 0


def test_production_settings_pass_check_deploy_and_log_json():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PROD_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    shell = manage(
        "shell",
        "-c",
        "from django.conf import settings as s;"
        "print(s.LOG_FORMAT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.DEBUG,"
        " s.EMAIL_BACKEND)",
        **PROD_ENV,
    )
    assert shell.stdout.strip().splitlines()[-1].split() == [
        "json",
        "True",
        "True",
        "31536000",
        "False",
        "django.core.mail.backends.smtp.EmailBackend",
    ]


@pytest.mark.parametrize("missing_case", ["SECRET_KEY", "CREDENTIALS_KEY", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_required_secrets(missing_case):
    env = {k: v for k, v in PROD_ENV.items() if k != missing_case}
    result = manage("check", **env)
    assert result.returncode != 0
    assert f"{missing_case} must be set when DJANGO_ENV=production" in result.stderr
    assert PROD_ENV["SECRET_KEY"] not in result.stderr
