import io

import pytest
from PIL import Image
from rest_framework.test import APIClient

from tests.catalog.factories import CategoryFactory, ProductFactory


@pytest.fixture
def api_user(django_user_model):
    return django_user_model.objects.create_user("api-editor", "editor@example.com", "pw-editor-123")


@pytest.fixture
def anon_api():
    return APIClient()


@pytest.fixture
def api(api_user):
    client = APIClient()
    client.force_login(api_user)
    return client


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
