"""Order status mapping: every documented raw status maps to a normalised one; an unknown raw status is kept raw
and read as the safe "paid" (units stay committed) without crashing (docs/marketplaces/<code>.md#orders)."""

import pytest

from syncing.connectors.amazon import orders as amazon
from syncing.connectors.base import ORDER_STATUSES
from syncing.connectors.etsy import orders as etsy
from syncing.connectors.lazada import orders as lazada
from syncing.connectors.orders import SAFE_UNKNOWN_STATUS
from syncing.connectors.shopee import orders as shopee
from syncing.connectors.shopify import orders as shopify
from syncing.connectors.tiktok import orders as tiktok

UNKNOWN = "SOMETHING_NEW"


@pytest.mark.parametrize("table", [shopify.FINANCIAL, shopee.STATUSES, tiktok.STATUSES, etsy.STATUSES, amazon.STATUSES])
def test_tables_map_into_the_order_statuses(table):
    assert set(table.values()) <= set(ORDER_STATUSES)


def test_unknown_raw_status_is_kept_and_read_as_paid():
    line = {"sku": "MUG-001", "quantity": 1}
    orders = [
        shopify.to_order(
            {"id": "gid://shopify/Order/1", "displayFinancialStatus": UNKNOWN, "lineItems": {"nodes": [line]}}
        ),
        shopee.to_order({"order_sn": "X1", "order_status": UNKNOWN, "item_list": [{"item_sku": "MUG-001"}]}),
        tiktok.to_order({"id": "1", "status": UNKNOWN, "line_items": [{"seller_sku": "MUG-001"}]}),
        etsy.to_order({"receipt_id": 1, "status": UNKNOWN, "transactions": [line]}),
        amazon.to_order({"AmazonOrderId": "1", "OrderStatus": UNKNOWN}, [{"SellerSKU": "MUG-001"}]),
        lazada.to_order({"order_id": "1"}, [{"sku": "MUG-001", "status": UNKNOWN}]),
    ]
    for order in orders:
        assert order.status == SAFE_UNKNOWN_STATUS == "paid"
        assert order.raw_status.startswith(UNKNOWN)


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        (["unpaid", "unpaid"], "unpaid"),
        (["pending", "canceled"], "paid"),
        (["canceled", "canceled"], "cancelled"),
        (["shipped", "pending"], "partially_shipped"),
        (["delivered", "canceled"], "delivered"),
        (["returned", "delivered"], "partially_refunded"),
        (["returned", "canceled"], "refunded"),
        ([], "paid"),
    ],
)
def test_lazada_order_status_from_item_statuses(statuses, expected):
    assert lazada.status_of(statuses) == expected


def test_malformed_money_and_missing_fields_do_not_crash():
    order = etsy.to_order({"receipt_id": 2, "status": "paid", "grandtotal": {"amount": "x", "divisor": 0}})
    assert order.total == 0
    assert order.lines == []
