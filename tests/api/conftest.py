import io

import pytest
from PIL import Image
from rest_framework.test import APIClient

from accounts.roles import ADMIN, CHANNEL_MANAGER, EDITOR, VIEWER
from tests.catalog.factories import CategoryFactory, ProductFactory


@pytest.fixture
def api_user(make_user):
    return make_user("api-editor", EDITOR)


@pytest.fixture
def anon_api():
    return APIClient()


@pytest.fixture
def api(api_user, token_client_for):
    """An editor authenticated with an API token."""
    return token_client_for(api_user)


@pytest.fixture
def viewer_api(make_user, token_client_for):
    return token_client_for(make_user("api-viewer", VIEWER))


@pytest.fixture
def admin_api(make_user, token_client_for):
    return token_client_for(make_user("api-admin", ADMIN))


@pytest.fixture
def channel_manager_api(make_user, token_client_for):
    return token_client_for(make_user("api-chanman", CHANNEL_MANAGER))


@pytest.fixture
def roleless_api(make_user, token_client_for):
    return token_client_for(make_user("api-nobody"))


@pytest.fixture
def category(db):
    return CategoryFactory(name="Shoes")


@pytest.fixture
def product(db, category):
    return ProductFactory(sku="SHOE-1", title="Trail shoe", category=category)


@pytest.fixture
def png_bytes():
    def make(colour=(255, 255, 255), size=(32, 32)):
        buffer = io.BytesIO()
        Image.new("RGB", size, colour).save(buffer, format="PNG")
        return buffer.getvalue()

    return make
