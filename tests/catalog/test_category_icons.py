"""Category icons (seed 001 Icon; docs/catalog.md#category-icons): service, bad input, pages, API, admin and the
Shopify collection image in the listing payload."""

import io

import pytest
from PIL import Image

from catalog.models import CategoryIcon
from catalog.services import category_icon_add, category_icon_delete, category_icon_set_status
from listings.selectors import listing_payload_build
from tests.catalog.factories import CategoryFactory

pytestmark = pytest.mark.django_db


def png(colour=(200, 30, 30), size=(64, 64), fmt="PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=fmt)
    return buffer.getvalue()


def upload(data: bytes, name="icon.png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="image/png")


def test_a_new_icon_becomes_the_only_active_one_and_the_same_bytes_are_stored_once():
    mugs = CategoryFactory(name="Mugs")
    red = category_icon_add(category=mugs, upload=upload(png()), filename="red.png")
    blue = category_icon_add(category=mugs, upload=upload(png((0, 0, 255))), filename="blue.png")
    red.refresh_from_db()
    assert (red.status, blue.status) == ("inactive", "active")
    assert (blue.width, blue.height, blue.format, blue.original_filename) == (64, 64, "PNG", "blue.png")
    # uploading the red bytes again re-activates the stored icon instead of storing a copy
    again = category_icon_add(category=mugs, upload=upload(png()), filename="red-again.png")
    blue.refresh_from_db()
    assert (again.pk, again.status, blue.status) == (red.pk, "active", "inactive")
    assert CategoryIcon.objects.filter(category=mugs).count() == 2
    # the same bytes on another category are that category's own icon
    other = category_icon_add(category=CategoryFactory(name="Plates"), upload=upload(png()))
    assert other.pk != red.pk


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"plain text, not a picture", "The file is not an image"),
        (png()[:60], "damaged or truncated"),
        (b"\x89PNG" + b"0" * (2 * 1024 * 1024 + 1), "the limit is 2 MB"),
    ],
)
def test_a_file_that_is_no_usable_icon_is_refused_and_nothing_is_stored(data, message):
    from django.core.exceptions import ValidationError

    mugs = CategoryFactory(name="Mugs")
    with pytest.raises(ValidationError) as refused:
        category_icon_add(category=mugs, upload=upload(data))
    assert message in " ".join(refused.value.messages)
    assert not CategoryIcon.objects.exists()


def test_status_changes_keep_one_active_icon_and_an_unknown_status_is_refused():
    from django.core.exceptions import ValidationError

    mugs = CategoryFactory(name="Mugs")
    first = category_icon_add(category=mugs, upload=upload(png()))
    second = category_icon_add(category=mugs, upload=upload(png((0, 255, 0))))
    category_icon_set_status(icon=first, status="active")
    second.refresh_from_db()
    assert second.status == "inactive"
    with pytest.raises(ValidationError) as refused:
        category_icon_set_status(icon=first, status="generating")
    assert refused.value.message_dict["status"] == ["Unknown status 'generating'; use one of: active, inactive."]
    category_icon_delete(icon=first)
    assert list(CategoryIcon.objects.values_list("pk", flat=True)) == [second.pk]


def test_shopify_payload_sends_the_nearest_active_icon_as_the_collection_image(
    make_listing, make_listable_product, make_channel
):
    from channels.services import category_mapping_set

    product = make_listable_product()
    child = product.category
    parent = CategoryFactory(name="Kitchen")
    child.parent = parent
    from catalog.services import category_update

    category_update(category=child, parent=parent)
    child.refresh_from_db()
    shopify_channel = make_channel("shopify")
    category_mapping_set(channel=shopify_channel, category=child, external_category_id="coll")
    shopify = make_listing(product=product, channel=shopify_channel)
    lazada = make_listing(product=product, channel=make_channel("lazada"))

    def url(image):
        return f"https://shop.example.com{image.image.url}"

    assert listing_payload_build(shopify, image_url=url).collection_image_url == ""
    icon = category_icon_add(category=parent, upload=upload(png()))  # the ancestor's icon serves its subcategories
    assert (
        listing_payload_build(shopify, image_url=url).collection_image_url
        == f"https://shop.example.com{icon.image.url}"
    )
    own = category_icon_add(category=child, upload=upload(png((1, 2, 3))))  # its own icon wins
    assert listing_payload_build(shopify, image_url=url).collection_image_url.endswith(f"{own.sha256}.png")
    assert listing_payload_build(lazada, image_url=url).collection_image_url == ""


def test_category_pages_show_the_tree_with_icons_and_refuse_a_bad_upload(staff_client):
    mugs = CategoryFactory(name="Mugs")
    page = staff_client.get("/catalog/categories/")
    assert page.status_code == 200
    assert "Mugs" in page.content.decode()

    bad = staff_client.post(f"/catalog/categories/{mugs.pk}/icons/", {"icon": upload(b"nope", "x.png")})
    assert bad.status_code == 400
    assert "The file is not an image" in bad.content.decode()
    assert "nothing was saved" in bad.content.decode()

    done = staff_client.post(f"/catalog/categories/{mugs.pk}/icons/", {"icon": upload(png(), "mug.png")}, follow=True)
    icon = CategoryIcon.objects.get(category=mugs)
    assert "Icon mug.png is now the icon of Mugs." in done.content.decode()
    tree = staff_client.get("/catalog/categories/").content.decode()
    assert icon.image.url in tree

    staff_client.post(f"/catalog/categories/{mugs.pk}/icons/{icon.pk}/", {"status": "inactive"})
    icon.refresh_from_db()
    assert icon.status == "inactive"
    assert icon.image.url not in staff_client.get("/catalog/categories/").content.decode()
    wrong = staff_client.post(f"/catalog/categories/{mugs.pk}/icons/{icon.pk}/", {"status": "bogus"}, follow=True)
    assert "Unknown status" in wrong.content.decode()
    staff_client.post(f"/catalog/categories/{mugs.pk}/icons/{icon.pk}/", {"action": "delete"})
    assert not CategoryIcon.objects.exists()


def test_a_viewer_sees_the_tree_but_cannot_upload(client, make_user):
    from accounts.roles import VIEWER

    mugs = CategoryFactory(name="Mugs")
    client.force_login(make_user("viewer-1", VIEWER))
    assert client.get(f"/catalog/categories/{mugs.pk}/").status_code == 200
    assert client.post(f"/catalog/categories/{mugs.pk}/icons/", {"icon": upload(png())}).status_code == 403
    assert not CategoryIcon.objects.exists()


def test_api_uploads_lists_and_changes_icons(api):
    mugs = CategoryFactory(name="Mugs")
    created = api.post("/api/v1/category-icons/", {"category": mugs.pk, "icon": upload(png())}, format="multipart")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["category"], body["status"], body["width"], body["format"]) == (mugs.pk, "active", 64, "PNG")
    again = api.post("/api/v1/category-icons/", {"category": mugs.pk, "icon": upload(png())}, format="multipart")
    assert (again.status_code, again.json()["id"]) == (200, body["id"])

    bad = api.post("/api/v1/category-icons/", {"category": mugs.pk, "icon": upload(b"text")}, format="multipart")
    assert bad.status_code == 400
    assert "not an image" in bad.content.decode()
    missing = api.post("/api/v1/category-icons/", {"category": 999999, "icon": upload(png())}, format="multipart")
    assert missing.status_code == 400
    assert [e["field"] for e in missing.json()["errors"]] == ["category"]

    listed = api.get(f"/api/v1/category-icons/?category={mugs.pk}&status=active").json()
    assert [i["id"] for i in listed["results"]] == [body["id"]]
    patched = api.patch(f"/api/v1/category-icons/{body['id']}/", {"status": "inactive"}, format="json")
    assert (patched.status_code, patched.json()["status"]) == (200, "inactive")
    refused = api.patch(f"/api/v1/category-icons/{body['id']}/", {"status": "gone"}, format="json")
    assert refused.status_code == 400
    assert api.delete(f"/api/v1/category-icons/{body['id']}/").status_code == 204


def test_admin_lists_and_adds_icons(staff_client):
    mugs = CategoryFactory(name="Mugs")
    category_icon_add(category=mugs, upload=upload(png()))
    assert staff_client.get("/admin/catalog/categoryicon/").status_code == 200
    refused = staff_client.post(
        "/admin/catalog/categoryicon/add/", {"category": mugs.pk, "image": upload(b"no", "a.png")}
    )
    assert refused.status_code == 200
    assert CategoryIcon.objects.count() == 1
    added = staff_client.post(
        "/admin/catalog/categoryicon/add/", {"category": mugs.pk, "image": upload(png((9, 9, 9)))}
    )
    assert added.status_code == 302
    assert CategoryIcon.objects.filter(category=mugs, status="active").count() == 1
    assert CategoryIcon.objects.count() == 2
