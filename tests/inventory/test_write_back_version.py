"""The ledger's write-back of the catalog quantity is not a content edit (docs/orders.md#the-ledger): an order
arriving while a seller edits the product leaves the product's version, so their save or If-Match still applies."""

import pytest

from catalog.models import Product
from catalog.services import product_update, stock_quantity_write
from common.errors import ApplicationError
from inventory.services import movement_apply, stock_for_sku
from tests.catalog.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_an_order_during_an_edit_does_not_make_the_save_a_conflict():
    product = ProductFactory(sku="MUG-1", quantity=10, title="Mug")
    version = Product.objects.get(pk=product.pk).version  # the seller opens the edit form
    movement_apply(stock=stock_for_sku("MUG-1"), bucket="committed", delta=3, reason="order_paid", idempotency_key="o")
    fresh = Product.objects.get(pk=product.pk)
    assert (fresh.quantity, fresh.version) == (7, version)
    saved = product_update(product=fresh, title="Blue mug", expected_version=version)
    assert (saved.title, saved.version, saved.quantity) == ("Blue mug", version + 1, 7)


def test_api_if_match_still_matches_after_an_order(api, product):
    etag = api.get(f"/api/v1/products/{product.pk}/")["ETag"]
    movement_apply(stock=stock_for_sku(product.sku), bucket="committed", delta=1, reason="order_paid",
                   idempotency_key="o-2")  # fmt: skip
    response = api.patch(f"/api/v1/products/{product.pk}/", {"title": "Renamed"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.json()


@pytest.mark.parametrize(
    "quantity", [-1, 1.5, True, "3"], ids=["negative_case", "fraction_case", "bool_case", "text_case"]
)
def test_the_write_back_refuses_what_is_not_a_stock_figure(quantity):
    product = ProductFactory(sku="MUG-3", quantity=4)
    with pytest.raises(ApplicationError, match="whole number of 0 or more"):
        stock_quantity_write(product=product, quantity=quantity)
    assert Product.objects.get(pk=product.pk).quantity == 4


def _quantity_input(page):
    import re

    return re.search(r'<input[^>]*name="quantity"[^>]*>', page).group(0)


def test_edit_form_shows_quantity_read_only_with_a_stock_link(editor_client):
    from django.urls import reverse

    from catalog.services import variant_create

    product = ProductFactory(sku="MUG-9", quantity=6, title="Mug")
    url = reverse("catalog:product_update", kwargs={"pk": product.pk})
    page = editor_client.get(url).content.decode()
    assert "disabled" in _quantity_input(page)
    assert "/stock/?q=MUG-9" in page
    # a posted quantity is ignored: the ledger owns it
    data = {"sku": "MUG-9", "title": "Mug 2", "status": "draft", "category": "", "price": "12.50", "currency": "USD",
            "quantity": "99", "attributes": "{}", "description": "", "version": str(product.version),
            "variants-TOTAL_FORMS": "0", "variants-INITIAL_FORMS": "0", "variants-MIN_NUM_FORMS": "0",
            "variants-MAX_NUM_FORMS": "1000"}  # fmt: skip
    assert editor_client.post(url, data).status_code == 302
    assert Product.objects.values_list("title", "quantity").get(pk=product.pk) == ("Mug 2", 6)
    tee = ProductFactory(sku="TEE-9", quantity=0)
    variant_create(product=tee, sku="TEE-9-S", options={"Size": "S"}, quantity=2)
    variant_create(product=tee, sku="TEE-9-M", options={"Size": "M"}, quantity=3)
    page = editor_client.get(reverse("catalog:product_update", kwargs={"pk": tee.pk})).content.decode()
    assert "Quantity (total of the variants)" in page
    assert (
        'value="5"' in page.split('name="quantity"')[1].split(">")[0]
        or 'value="5"' in page.split('name="quantity"')[0].rsplit("<", 1)[-1]
    )
