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
