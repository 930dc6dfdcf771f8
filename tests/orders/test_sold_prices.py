"""orders.selectors.product_sold_prices: what products actually sold for (docs/orders.md#sold-prices)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.services import variant_create
from orders.selectors import product_sold_prices
from orders.services import order_ingest
from syncing.connectors.base import RemoteOrderLine
from tests.catalog.factories import ProductFactory

from .conftest import remote_order

pytestmark = pytest.mark.django_db


def line(line_id, sku, quantity, price, **counters):
    amount = Decimal(price)
    return RemoteOrderLine(
        external_line_id=line_id,
        sku=sku,
        quantity=quantity,
        unit_price=amount,
        line_total=amount * quantity,
        **counters,
    )


def sell(shop, order_id, lines, *, status="paid", days_ago=3, currency="USD"):
    placed = timezone.now() - timedelta(days=days_ago)
    order_ingest(
        channel=shop,
        remote=remote_order(
            order_id, status=status, lines=lines, placed_at=placed, updated_at=placed, currency=currency
        ),
    )


def test_median_is_weighted_by_units_kept_and_skips_cancelled_refunded_unpaid_and_old_orders(shop):
    mug = ProductFactory(sku="MUG-1", quantity=100)
    sell(shop, "1", [line("a", "MUG-1", 3, "10.00")])
    sell(shop, "2", [line("a", "MUG-1", 1, "14.00")])
    sell(shop, "3", [line("a", "MUG-1", 2, "12.00", refunded_quantity=2)], status="refunded")  # all returned
    sell(shop, "4", [line("a", "MUG-1", 5, "2.00")], status="cancelled")
    sell(shop, "5", [line("a", "MUG-1", 5, "99.00")], status="unpaid")
    sell(shop, "6", [line("a", "MUG-1", 5, "1.00")], days_ago=400)  # older than a year

    [sold] = product_sold_prices([mug.pk]).values()

    # units 10, 10, 10, 14: the median is 10.00, not the mean 11.00 nor the middle of two orders
    assert (sold.units, sold.orders, sold.median_unit_price, sold.currency) == (4, 2, Decimal("10.00"), "USD")


def test_a_variants_lines_count_for_its_product_in_its_most_sold_currency(shop, make_channel):
    shirt = ProductFactory(sku="TEE")
    variant_create(product=shirt, sku="TEE-S", options={"Size": "S"}, quantity=50)
    variant_create(product=shirt, sku="TEE-M", options={"Size": "M"}, quantity=50)
    sell(shop, "1", [line("a", "TEE-S", 2, "20.00"), line("b", "TEE-M", 1, "22.00")])
    euro = make_channel("lazada", currency="EUR")
    sell(euro, "E1", [line("a", "TEE-M", 1, "18.00")], currency="EUR")

    sold = product_sold_prices([shirt.pk])

    assert (sold[shirt.pk].units, sold[shirt.pk].currency, sold[shirt.pk].median_unit_price) == (
        3,
        "USD",
        Decimal("20.00"),
    )
    assert product_sold_prices([]) == {}
