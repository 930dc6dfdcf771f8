"""A family's stock (the sum over its variants) on the product list and page (docs/pages.md#family-stock)."""

import pytest
from django.urls import reverse

from catalog.services import variant_create
from inventory.choices import Bucket, Reason
from inventory.services import movement_apply, stock_for_variant
from tests.catalog.factories import ProductFactory

pytestmark = pytest.mark.django_db

LIST = "/catalog/products/"


def _family(sku: str, quantities: list[int]):
    product = ProductFactory(sku=sku)
    for n, quantity in enumerate(quantities):
        variant_create(product=product, sku=f"{sku}-V{n}", options={"Size": f"S{n}"}, quantity=quantity)
    return product


def _stock_cell(response, sku):
    return next(p.stock_total for p in response.context["products"] if p.sku == sku)


def test_list_shows_a_familys_total_and_a_single_products_own_quantity(editor_client):
    # given a family with stock on its variants only, and a product without variants
    _family("FAM", [3, 4, 5])
    ProductFactory(sku="SOLO", quantity=7)

    # when the list is shown
    response = editor_client.get(LIST)

    # then the family shows 12, not its own 0, and the single product its own quantity
    assert _stock_cell(response, "FAM") == 12
    assert _stock_cell(response, "SOLO") == 7
    html = response.content.decode()
    assert '<td class="num card-stock" data-label="Stock">12</td>' in html


def test_list_sorts_by_the_family_total(editor_client):
    # given a family of 2 + 9 = 11, and products of 10 and 1
    _family("FAM", [2, 9])
    ProductFactory(sku="TEN", quantity=10)
    ProductFactory(sku="ONE", quantity=1)

    # when sorted by stock, both ways
    ascending = editor_client.get(LIST, {"sort": "quantity"})
    descending = editor_client.get(LIST, {"sort": "-quantity"})

    # then the family sorts by 11, not by its own 0
    assert [p.sku for p in ascending.context["products"]] == ["ONE", "TEN", "FAM"]
    assert [p.sku for p in descending.context["products"]] == ["FAM", "TEN", "ONE"]


@pytest.mark.parametrize("families_case", [2, 30])
def test_list_query_count_with_families_does_not_grow(editor_client, django_assert_max_num_queries, families_case):
    # given families of three variants each
    for n in range(families_case):
        _family(f"QF-{n:03d}", [1, 2, 3])
    editor_client.get(LIST)  # first request of a session also records the session (accounts)

    # then the page costs as many queries as a page of single products (test_views.py), the totals included
    with django_assert_max_num_queries(14):
        response = editor_client.get(LIST, {"q": "QF-", "sort": "quantity"})
    assert [p.stock_total for p in response.context["products"]] == [6] * families_case


def test_product_page_shows_each_variants_buckets_and_the_familys_total(editor_client):
    # given a family of 3 + 4 where 2 of the second variant are ordered, not shipped
    product = _family("FAM", [3, 4])
    second = product.variants.get(sku="FAM-V1")
    movement_apply(
        stock=stock_for_variant(second),
        bucket=Bucket.COMMITTED,
        delta=2,
        reason=Reason.ORDER_PLACED,
        idempotency_key="test:fam:committed",
    )

    # when the product page is shown
    response = editor_client.get(reverse("catalog:product_detail", args=[product.pk]))

    # then each variant has its buckets and the family its totals: on hand 7, committed 2, available 5
    stock = response.context["variant_stock"]
    buckets = [(r["variant"].sku, r["on_hand"], r["committed"], r["available"]) for r in stock["rows"]]
    assert buckets == [("FAM-V0", 3, 0, 3), ("FAM-V1", 4, 2, 2)]
    assert stock["totals"] == {"on_hand": 7, "committed": 2, "available": 5}
    html = response.content.decode()
    assert '<dd id="product-stock">5 <small class="muted">available over 2 variants</small></dd>' in html
    assert (
        '<th scope="row" colspan="3">Total</th><td class="num">7</td><td class="num">2</td><td class="num">5</td>'
        in html
    )
