import pytest
from django.conf import settings

# Shared fixtures of other areas live in tests/fixtures/<area>.py and are listed here.
pytest_plugins: list[str] = ["tests.fixtures.channels"]


def pytest_configure(config):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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
