"""Every staff URL as anonymous (login redirect), viewer (reads, no writes) and editor (everything)."""

import pytest
from django.urls import reverse

from catalog.demo import demo_image
from catalog.services import image_add
from tests.catalog.factories import ProductFactory

pytestmark = pytest.mark.django_db

# (url name, kwargs keys taken from the `objects` fixture, is a write page)
READ_PAGES = [
    ("dashboard", ()),
    ("catalog:product_list", ()),
    ("catalog:product_detail", ("pk",)),
]
WRITE_GET_PAGES = [
    ("catalog:product_create", ()),
    ("catalog:product_update", ("pk",)),
]
WRITE_POST_ONLY = [
    ("catalog:image_update", ("pk", "image_pk")),
    ("catalog:image_delete", ("pk", "image_pk")),
]


@pytest.fixture
def objects():
    product = ProductFactory(title="Smoke mug")
    image = image_add(product=product, upload=demo_image((10, 20, 30), 1), filename="a.png")
    return {"pk": product.pk, "image_pk": image.pk}


def _url(name, keys, objects):
    return reverse(name, kwargs={k: objects[k] for k in keys})


@pytest.mark.parametrize(("name", "keys"), READ_PAGES + WRITE_GET_PAGES + WRITE_POST_ONLY)
def test_anonymous_is_sent_to_login_case(client, objects, name, keys):
    url = _url(name, keys, objects)
    response = client.post(url) if (name, keys) in WRITE_POST_ONLY else client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize(("name", "keys"), READ_PAGES)
def test_viewer_reads_without_write_buttons_case(viewer_client, objects, name, keys):
    response = viewer_client.get(_url(name, keys, objects))
    assert response.status_code == 200
    body = response.content.decode()
    assert reverse("catalog:product_create") not in body
    assert "/edit/" not in body
    assert "Traceback" not in body


@pytest.mark.parametrize(("name", "keys"), WRITE_GET_PAGES)
def test_viewer_is_refused_write_pages_case(viewer_client, objects, name, keys):
    assert viewer_client.get(_url(name, keys, objects)).status_code == 403


@pytest.mark.parametrize(("name", "keys"), WRITE_POST_ONLY)
def test_viewer_is_refused_write_posts_case(viewer_client, objects, name, keys):
    response = viewer_client.post(_url(name, keys, objects), {"alt_text": "x", "sort_order": 0})
    assert response.status_code == 403


@pytest.mark.parametrize(("name", "keys"), READ_PAGES + WRITE_GET_PAGES)
def test_editor_sees_every_page_case(editor_client, objects, name, keys):
    response = editor_client.get(_url(name, keys, objects))
    assert response.status_code == 200
    assert "Traceback" not in response.content.decode()


def test_editor_sees_write_buttons(editor_client, objects):
    body = editor_client.get(reverse("catalog:product_detail", kwargs={"pk": objects["pk"]})).content.decode()
    assert reverse("catalog:product_update", kwargs={"pk": objects["pk"]}) in body
    assert reverse("catalog:image_delete", kwargs=objects) in body


def test_nav_links_every_section(editor_client):
    body = editor_client.get(reverse("dashboard")).content.decode()
    for href in ("/catalog/products/", "/listings/", "/channels/", "/imports/", "/sync/"):
        assert f'href="{href}"' in body
