import os
import tempfile
import uuid
from pathlib import Path

import pytest
from django.conf import settings

# Shared fixtures of other areas live in tests/fixtures/<area>.py; every module there is loaded automatically.
pytest_plugins: list[str] = sorted(
    f"tests.fixtures.{path.stem}"
    for path in (Path(__file__).parent / "fixtures").glob("*.py")
    if path.stem != "__init__"
)


def pytest_configure(config):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The database log handler writes from its own thread and connection; tests that want it use the
    # `system_log` fixture of tests/operations (a transactional test).
    settings.SYSTEM_LOG_ENABLED = False


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """On SQLite the test database is a file in WAL mode (on tmpfs where there is one), not Django's shared-cache
    in-memory database: there a live server's thread answers "table is locked" to a write beside another
    connection's read instead of waiting, which failed browser tests in CI. A file lets the writer wait its busy
    timeout like production does. One file per xdist worker and per run."""
    database = settings.DATABASES["default"]
    test = database.setdefault("TEST", {})
    if database["ENGINE"] == "django.db.backends.sqlite3" and not test.get("NAME"):
        folder = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else tempfile.gettempdir()
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        test["NAME"] = os.path.join(folder, f"listing-manager-test-{uuid.uuid4().hex[:12]}-{worker}.sqlite3")


@pytest.fixture(autouse=True)
def _automation_waiting_none(monkeypatch):
    """What automation rules wait for is cached per process (workflow.rule_selectors). A test starts with no rule,
    so the cache starts known-empty and does not expire: saving a rule through its service clears it, and no
    test pays the cache's one read at a moment that depends on its timing (statement budgets count queries)."""
    import time

    from workflow import rule_selectors

    monkeypatch.setattr(rule_selectors, "WAITING_MAX_AGE", float("inf"))
    monkeypatch.setitem(rule_selectors._waiting, "at", time.monotonic())
    monkeypatch.setitem(rule_selectors._waiting, "events", frozenset())
    monkeypatch.setitem(rule_selectors._waiting, "competitive", False)


@pytest.fixture(autouse=True)
def _media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser("boss", "boss@example.com", "pw-boss-123")


@pytest.fixture
def staff_client(client, admin_user):
    client.force_login(admin_user)
    return client


def pytest_report_header(config):
    database = settings.DATABASES["default"]
    return f"database: {database['ENGINE'].rsplit('.', 1)[-1]} {database.get('NAME')}"
