"""Issue 20, the first run: admin thumbnails (no inline style, the CSP forbids it), plurals, favicon."""

import re

import pytest
from django.apps import apps

from catalog.demo import demo_image
from catalog.services import image_add, variant_create
from tests.catalog.factories import ProductFactory

pytestmark = pytest.mark.django_db

THUMB = re.compile(r'<img class="lm-thumb" src="/media/[^"]+" alt="[^"]*" loading="lazy">')


@pytest.fixture
def pictured():
    product = ProductFactory(sku="PIC-1", title="Pictured")
    image_add(product=product, upload=demo_image((200, 30, 30), 3), filename="red.png")
    variant_create(product=product, sku="PIC-1-S", options={"Size": "S"})
    ProductFactory(sku="BARE-1", title="No picture")
    return product


@pytest.mark.parametrize(
    "url",
    [
        "/admin/catalog/product/",
        "/admin/catalog/variant/",
        "/admin/catalog/productimage/",
    ],
)
def test_changelists_show_thumbnails_without_inline_style(staff_client, pictured, url):
    page = staff_client.get(url).content.decode()
    assert THUMB.search(page), url
    assert 'style="max-height' not in page
    assert "css/admin.css" in page


def test_product_change_page_inline_and_image_preview(staff_client, pictured):
    page = staff_client.get(f"/admin/catalog/product/{pictured.pk}/change/").content.decode()
    assert THUMB.search(page)
    image = pictured.images.get()
    preview = staff_client.get(f"/admin/catalog/productimage/{image.pk}/change/").content.decode()
    assert 'class="lm-thumb-large"' in preview
    variant = pictured.variants.get()
    assert 'class="lm-thumb-large"' in staff_client.get(f"/admin/catalog/variant/{variant.pk}/change/").content.decode()


def test_product_changelist_query_count_does_not_grow(staff_client, pictured, django_assert_max_num_queries):
    staff_client.get("/admin/catalog/product/")
    for n in range(6):
        product = ProductFactory(sku=f"MORE-{n}")
        image_add(product=product, upload=demo_image((n * 30, 90, 90), n), filename=f"m{n}.png")
    with django_assert_max_num_queries(14):
        staff_client.get("/admin/catalog/product/")


def _naive(plural: str) -> bool:
    word = plural.split()[-1].lower()
    if word.endswith("ys") and len(word) > 2 and word[-3] not in "aeiou":
        return True
    return word.endswith(("chs", "shs", "xs", "sss", "hs"))


def test_every_model_has_a_correct_plural():
    wrong = [
        f"{m._meta.label}: {m._meta.verbose_name_plural}"
        for m in apps.get_models()
        if m._meta.app_config.path.startswith(str(apps.get_app_config("catalog").path.rsplit("/", 1)[0]))
        and _naive(str(m._meta.verbose_name_plural))
    ]
    assert wrong == []


def test_admin_index_reads_plurals_and_has_a_favicon(staff_client):
    page = staff_client.get("/admin/").content.decode()
    for plural in ("Import batches", "Daily event summaries", "Planned batches", "API tokens", "BOM lines"):
        assert plural in page
    assert "Import batchs" not in page
    assert 'rel="icon" href="/static/favicon.svg"' in page


def test_staff_pages_have_the_favicon(editor_client):
    assert 'rel="icon" href="/static/favicon.svg"' in editor_client.get("/catalog/products/").content.decode()
