"""Amazon orders (SP-API Orders v0): getOrders by `LastUpdatedAfter` (no upper bound: Amazon then stops two
minutes before now, as the 2-minute rule requires), `NextToken` sent with the same filters, and getOrderItems per
order. Amazon has no HTTP order webhooks (SQS / EventBridge): polled only. docs/marketplaces/amazon.md#orders.
"""

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from ..base import Page, RemoteOrder, RemoteOrderLine, iso_z, remote_time
from ..orders import map_status, money

ORDERS_PATH = "/orders/v0/orders"
PAGE_SIZE = 100
EPOCH_START = "2015-01-01T00:00:00Z"  # one "After" is mandatory: a full pull starts here
STATUSES = {
    "PendingAvailability": "unpaid",
    "Pending": "unpaid",
    "Unshipped": "paid",
    "PartiallyShipped": "partially_shipped",
    "Shipped": "shipped",
    "InvoiceUnconfirmed": "shipped",
    "Canceled": "cancelled",
    "Unfulfillable": "paid",  # Amazon cannot fulfil it (yet); the units stay committed until it is cancelled
}

Call = Callable[..., dict[str, Any]]


def pull_orders(
    call: Call, marketplace_id: str, cursor: str | None, updated_since: datetime | None
) -> Page[RemoteOrder]:
    state = json.loads(cursor) if cursor else {"after": iso_z(updated_since) if updated_since else EPOCH_START}
    params = {"MarketplaceIds": marketplace_id, "LastUpdatedAfter": state["after"], "MaxResultsPerPage": str(PAGE_SIZE)}
    if state.get("token"):
        params["NextToken"] = state["token"]  # with the same filters: the token does not replace them
    payload = call("GET", ORDERS_PATH, params=params).get("payload") or {}
    orders = []
    for row in payload.get("Orders") or []:
        order_id = str(row.get("AmazonOrderId") or "")
        items = _order_items(call, order_id)
        orders.append(to_order(row, items))
    token = payload.get("NextToken")
    return Page(items=orders, next_cursor=json.dumps({**state, "token": token}) if token else None)


def _order_items(call: Call, order_id: str) -> list[Mapping[str, Any]]:
    items: list[Mapping[str, Any]] = []
    token = ""
    while True:
        params = {"NextToken": token} if token else None
        payload = call("GET", f"{ORDERS_PATH}/{order_id}/orderItems", params=params).get("payload") or {}
        items += list(payload.get("OrderItems") or [])
        token = str(payload.get("NextToken") or "")
        if not token:
            return items


def to_order(row: Mapping[str, Any], items: Sequence[Mapping[str, Any]]) -> RemoteOrder:
    raw_status = str(row.get("OrderStatus") or "")
    status = map_status(STATUSES, raw_status)
    lines = []
    for item in items:
        quantity = int(item.get("QuantityOrdered") or 0)
        total = money((item.get("ItemPrice") or {}).get("Amount"))  # unit price × quantity
        lines.append(
            RemoteOrderLine(
                external_line_id=str(item.get("OrderItemId") or ""),
                sku=str(item.get("SellerSKU") or ""),
                quantity=quantity,
                unit_price=total / quantity if quantity else total,
                line_total=total,
                title=str(item.get("Title") or ""),
                cancelled_quantity=quantity - int(item.get("QuantityShipped") or 0) if status == "cancelled" else 0,
                shipped_quantity=int(item.get("QuantityShipped") or 0),
            )
        )
    order_total: Mapping[str, Any] = row.get("OrderTotal") or {}
    subtotal = sum((line.line_total for line in lines), money(0))
    tax = sum((money((i.get("ItemTax") or {}).get("Amount")) for i in items), money(0))
    shipping = sum((money((i.get("ShippingPrice") or {}).get("Amount")) for i in items), money(0))
    return RemoteOrder(
        external_id=str(row.get("AmazonOrderId") or ""),
        status=status,
        raw_status=raw_status,
        currency=str(order_total.get("CurrencyCode") or ""),
        lines=lines,
        subtotal=subtotal,
        shipping=shipping,
        tax=tax,
        total=money(order_total.get("Amount")),
        placed_at=remote_time(row.get("PurchaseDate")),
        paid_at=remote_time(row.get("PurchaseDate")) if status not in ("unpaid", "cancelled") else None,
        updated_at=remote_time(row.get("LastUpdateDate")),
        raw={**row, "OrderItems": list(items)},  # buyer and address data need a Restricted Data Token: not read
    )
