"""Every staff URL as anonymous (login redirect), viewer (reads, no write buttons, 403 on writes) and the role
that may write there (editor for catalog/listings/sync, channel manager for channels)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

# (url name, kwargs: url kwarg -> key of the page_objects fixture)
READ_PAGES = [
    ("dashboard", {}),
    ("catalog:product_list", {}),
    ("catalog:product_detail", {"pk": "pk"}),
    ("catalog:product_metafields", {"pk": "pk"}),
    ("listings:listing_list", {}),
    ("listings:listing_matrix", {}),
    ("listings:listing_detail", {"pk": "listing_pk"}),
    ("channels:channel_list", {}),
    ("channels:channel_detail", {"pk": "channel_pk"}),
    ("channels:attribute_mapping_list", {"pk": "channel_pk"}),
    ("syncing:job_list", {}),
    ("syncing:job_detail", {"pk": "job_pk"}),
    ("syncing:job_progress", {"pk": "job_pk"}),
    ("syncing:event_list", {}),
    ("operations:job_list", {}),
    ("analytics:daily_stats", {}),
    ("analytics:performance_movers", {}),
    ("analytics:report_schedule_list", {}),
    ("analytics:listing_keywords", {"pk": "listing_pk"}),
    ("pricing:pricing_table", {}),
    ("pricing:fee_list", {}),
    ("costs:component_list", {}),
    ("costs:supplier_list", {}),
]
# (url name, kwargs, role allowed to write)
WRITE_FORMS = [
    ("catalog:product_create", {}, "editor"),
    ("catalog:product_update", {"pk": "pk"}, "editor"),
    ("channels:channel_create", {}, "channel_manager"),
    ("channels:channel_update", {"pk": "channel_pk"}, "channel_manager"),
    ("listings:listing_deactivate", {"pk": "listing_pk"}, "editor"),
    ("listings:product_delist", {"product_pk": "pk"}, "editor"),
    ("catalog:product_archive", {"pk": "pk"}, "editor"),
    ("catalog:product_duplicate", {"pk": "pk"}, "editor"),
    ("catalog:product_delete", {"pk": "pk"}, "editor"),
    ("catalog:product_list_on", {"pk": "pk"}, "editor"),
    ("catalog:product_bulk_edit", {}, "editor"),
]
WRITE_POSTS = [
    ("catalog:image_update", {"pk": "pk", "image_pk": "image_pk"}),
    ("catalog:image_delete", {"pk": "pk", "image_pk": "image_pk"}),
    ("listings:listing_overrides", {"pk": "listing_pk"}),
    ("listings:listing_publish", {"pk": "listing_pk"}),
    ("listings:listing_accept", {"pk": "listing_pk"}),
    ("listings:listing_transition", {"pk": "listing_pk"}),
    ("listings:listing_bulk", {}),
    ("catalog:product_publish", {"pk": "pk"}),
    ("catalog:product_metafields", {"pk": "pk"}),
    ("channels:mapping_save", {"pk": "channel_pk"}),
    ("channels:attribute_mapping_save", {"pk": "channel_pk"}),
    ("channels:channel_test", {"pk": "channel_pk"}),
    ("channels:remote_categories_load", {"pk": "channel_pk"}),
    ("syncing:job_cancel", {"pk": "job_pk"}),
    ("syncing:event_retry", {"pk": "event_pk"}),
    ("analytics:keyword_add", {"pk": "listing_pk"}),
    ("analytics:keywords_extract", {"pk": "listing_pk"}),
]


def _url(name, kwargs, objects):
    return reverse(name, kwargs={k: objects[v] for k, v in kwargs.items()})


@pytest.mark.parametrize(("name", "kwargs"), READ_PAGES + [(n, k) for n, k, _ in WRITE_FORMS])
def test_anonymous_get_is_sent_to_login_case(client, page_objects, name, kwargs):
    response = client.get(_url(name, kwargs, page_objects))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize(("name", "kwargs"), WRITE_POSTS)
def test_anonymous_post_is_sent_to_login_case(client, page_objects, name, kwargs):
    response = client.post(_url(name, kwargs, page_objects))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize(("name", "kwargs"), READ_PAGES)
def test_viewer_reads_without_write_buttons_case(viewer_client, page_objects, name, kwargs):
    response = viewer_client.get(_url(name, kwargs, page_objects))
    assert response.status_code == 200
    body = response.content.decode()
    assert "/edit/" not in body
    assert "/new/" not in body
    assert 'method="post" action="/listings/' not in body
    assert "Traceback" not in body


@pytest.mark.parametrize(("name", "kwargs", "role"), WRITE_FORMS)
def test_viewer_is_refused_write_pages_case(viewer_client, page_objects, name, kwargs, role):
    assert viewer_client.get(_url(name, kwargs, page_objects)).status_code == 403


@pytest.mark.parametrize(("name", "kwargs"), WRITE_POSTS)
def test_viewer_is_refused_write_posts_case(viewer_client, page_objects, name, kwargs):
    from listings.models import Listing

    before = Listing.objects.values_list("status", "title").get(pk=page_objects["listing_pk"])
    response = viewer_client.post(_url(name, kwargs, page_objects), {"title": "x", "to_status": "paused"})
    assert response.status_code == 403
    assert Listing.objects.values_list("status", "title").get(pk=page_objects["listing_pk"]) == before


@pytest.mark.parametrize(("name", "kwargs"), READ_PAGES)
def test_editor_reads_every_page_case(editor_client, page_objects, name, kwargs):
    response = editor_client.get(_url(name, kwargs, page_objects))
    assert response.status_code == 200
    assert "Traceback" not in response.content.decode()


@pytest.mark.parametrize(("name", "kwargs", "role"), WRITE_FORMS)
def test_writer_opens_form_pages_case(editor_client, channel_manager_client, page_objects, name, kwargs, role):
    client = editor_client if role == "editor" else channel_manager_client
    other = channel_manager_client if role == "editor" else editor_client
    assert client.get(_url(name, kwargs, page_objects)).status_code == 200
    assert other.get(_url(name, kwargs, page_objects)).status_code == 403


def test_editor_sees_write_buttons(editor_client, page_objects):
    body = editor_client.get(reverse("catalog:product_detail", kwargs={"pk": page_objects["pk"]})).content.decode()
    assert reverse("catalog:product_update", kwargs={"pk": page_objects["pk"]}) in body
    listing_body = editor_client.get(
        reverse("listings:listing_detail", kwargs={"pk": page_objects["listing_pk"]})
    ).content.decode()
    assert reverse("listings:listing_publish", kwargs={"pk": page_objects["listing_pk"]}) in listing_body


def test_nav_links_every_section(editor_client):
    body = editor_client.get(reverse("dashboard")).content.decode()
    for href in ("/catalog/products/", "/listings/", "/channels/", "/imports/", "/sync/"):
        assert f'href="{href}"' in body
