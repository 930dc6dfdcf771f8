"""The listing list shows each listing's price and stock on its channel (what the phone cards show,
docs/pages.md#phone-layout): through the channel's rules, a family's stock as its variants' total."""

from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.services import variant_create

pytestmark = pytest.mark.django_db


def _offers(response):
    return {(row.product.sku, row.offer_price, row.offer_quantity) for row in response.context["listings"]}


def test_price_and_stock_follow_the_channel_rules(editor_client, make_channel, make_listing, make_listable_product):
    # given a channel adding 10 % and offering half the stock, a plain product and one with two variants
    channel = make_channel("shopify", price_adjust_type="percent", price_adjust_value=Decimal("10"), stock_percent=50)
    plain = make_listable_product(sku="PLAIN-1", quantity=10)
    family = make_listable_product(sku="FAM-1", quantity=0)
    variant_create(product=family, sku="FAM-1-S", options={"Size": "S"}, quantity=4)
    variant_create(product=family, sku="FAM-1-M", options={"Size": "M"}, quantity=8)
    make_listing(product=plain, channel=channel)
    make_listing(product=family, channel=channel)
    # when the list is opened
    response = editor_client.get(reverse("listings:listing_list"))
    # then each row has its channel price and stock, also in the page
    assert _offers(response) == {("PLAIN-1", Decimal("22.00"), 5), ("FAM-1", Decimal("22.00"), 6)}
    html = response.content.decode()
    assert '<td class="num card-price" data-label="Price">22.00 USD</td>' in html
    assert '<td class="num card-stock" data-label="Stock">6</td>' in html


@pytest.mark.parametrize("rows_case", [2, 8])
def test_the_offer_columns_cost_no_query_per_row(
    editor_client, make_channel, make_listing, make_listable_product, django_assert_max_num_queries, rows_case
):
    channel = make_channel("shopify")
    for n in range(rows_case):
        product = make_listable_product()
        variant_create(product=product, sku=f"ROW-{n}-S", options={"Size": "S"}, quantity=n)
        make_listing(product=product, channel=channel)
    editor_client.get(reverse("listings:listing_list"))
    with django_assert_max_num_queries(10):
        response = editor_client.get(reverse("listings:listing_list"))
    assert len(response.context["listings"]) == rows_case
