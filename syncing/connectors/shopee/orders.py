"""Shopee orders: get_order_list over ≤ 15-day update-time windows walked forward, then get_order_detail in
batches of 50; order status push verification (code 3). Calls, windows, statuses: docs/marketplaces/shopee.md#orders.
"""

import json
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from ..base import Page, RemoteOrder, RemoteOrderLine, remote_time
from ..orders import WebhookEvent, WebhookRejected, address, authorization_signed_json, map_status, money
from .client import ShopeeClient

WINDOW = 15 * 86400  # the longest time_from..time_to Shopee accepts
LOOKBACK = 90 * 86400  # where a pull with no `updated_since` starts (Shopee needs a window)
LIST_PAGE = 50  # get_order_list page_size (1–100); 50 = one get_order_detail call per page
DETAIL_FIELDS = (
    "buyer_user_id,buyer_username,recipient_address,item_list,pay_time,total_amount,payment_method,"
    "estimated_shipping_fee,actual_shipping_fee,package_list,cancel_by,cancel_reason"
)
SHIPPED_LOGISTICS = {"LOGISTICS_PICKUP_DONE", "LOGISTICS_DELIVERY_DONE"}
STATUSES = {
    "UNPAID": "unpaid",
    "PENDING": "unpaid",
    "READY_TO_SHIP": "paid",
    "PROCESSED": "paid",
    "RETRY_SHIP": "paid",
    "INVOICE_PENDING": "paid",
    "IN_CANCEL": "paid",  # a cancellation is requested, not granted: the units stay committed
    "SHIPPED": "shipped",
    "TO_CONFIRM_RECEIVE": "shipped",
    "COMPLETED": "delivered",
    "CANCELLED": "cancelled",
    "TO_RETURN": "partially_refunded",  # the order detail does not say how much is returned
}


def pull_orders(
    client: ShopeeClient, cursor: str | None, updated_since: datetime | None, clock: Callable[[], float] = time.time
) -> Page[RemoteOrder]:
    """One page; the cursor carries the window and Shopee's own cursor. Empty windows are skipped in one call."""
    now = int(clock())
    if cursor:
        state = json.loads(cursor)
    else:
        start = int(updated_since.timestamp()) if updated_since else now - LOOKBACK
        state = {"from": start, "to": min(start + WINDOW, now), "cursor": ""}
    while True:
        time_to = max(state["to"], state["from"] + 1)
        params = {
            "time_range_field": "update_time",
            "time_from": state["from"],
            "time_to": time_to,
            "page_size": LIST_PAGE,
            "cursor": state["cursor"],
        }
        listing = client.call("GET", "/api/v2/order/get_order_list", params=params).get("response") or {}
        order_sns = [str(row["order_sn"]) for row in listing.get("order_list") or [] if row.get("order_sn")]
        if listing.get("more") and listing.get("next_cursor"):
            next_state: dict[str, Any] | None = {**state, "cursor": str(listing["next_cursor"])}
        elif time_to < now:
            # both ends are inclusive whole seconds: the next window starts one second later, or an order updated
            # exactly at the boundary would come twice
            next_state = {"from": time_to + 1, "to": min(time_to + 1 + WINDOW, now), "cursor": ""}
        else:
            next_state = None
        if order_sns or next_state is None:
            orders = _details(client, order_sns)
            return Page(items=orders, next_cursor=json.dumps(next_state) if next_state else None)
        state = next_state


def _details(client: ShopeeClient, order_sns: list[str]) -> list[RemoteOrder]:
    orders: list[RemoteOrder] = []
    for start in range(0, len(order_sns), 50):
        params = {"order_sn_list": ",".join(order_sns[start : start + 50]), "response_optional_fields": DETAIL_FIELDS}
        data = client.call("GET", "/api/v2/order/get_order_detail", params=params).get("response") or {}
        orders += [to_order(row) for row in data.get("order_list") or []]
    return orders


def to_order(row: Mapping[str, Any]) -> RemoteOrder:
    raw_status = str(row.get("order_status") or "")
    status = map_status(STATUSES, raw_status)
    shipped: dict[int, int] = {}
    for package in row.get("package_list") or []:
        if str(package.get("logistics_status") or "") in SHIPPED_LOGISTICS:
            for item in package.get("item_list") or []:
                key = int(item.get("order_item_id") or 0)
                shipped[key] = shipped.get(key, 0) + int(item.get("model_quantity") or 0)
    lines = []
    for item in row.get("item_list") or []:
        quantity = int(item.get("model_quantity_purchased") or 0)
        unit = money(item.get("model_discounted_price") or item.get("model_original_price"))
        line_key = int(item.get("order_item_id") or 0)
        line_id = f"{item.get('item_id')}:{item.get('model_id') or 0}:{line_key}"
        lines.append(
            RemoteOrderLine(
                external_line_id=line_id,
                sku=str(item.get("model_sku") or item.get("item_sku") or ""),
                quantity=quantity,
                unit_price=unit,
                line_total=unit * quantity,
                title=str(item.get("item_name") or ""),
                cancelled_quantity=quantity if status == "cancelled" else 0,
                shipped_quantity=min(quantity, shipped.get(line_key, 0)),
            )
        )
    if status == "paid" and any(line.shipped_quantity for line in lines):
        status = "partially_shipped"
    ship_to = row.get("recipient_address") or {}
    subtotal = sum((line.line_total for line in lines), money(0))
    return RemoteOrder(
        external_id=str(row.get("order_sn") or ""),
        status=status,
        raw_status=raw_status,
        currency=str(row.get("currency") or ""),
        lines=lines,
        subtotal=subtotal,
        shipping=money(row.get("actual_shipping_fee") or row.get("estimated_shipping_fee")),
        total=money(row.get("total_amount")) if row.get("total_amount") is not None else subtotal,
        placed_at=remote_time(row.get("create_time")),
        paid_at=remote_time(row.get("pay_time")),
        updated_at=remote_time(row.get("update_time")),
        buyer_id=str(row.get("buyer_user_id") or ""),
        buyer_name=str(ship_to.get("name") or row.get("buyer_username") or ""),
        shipping_address=address(
            name=ship_to.get("name"),
            line1=ship_to.get("full_address"),
            city=ship_to.get("city"),
            region=ship_to.get("state"),
            postcode=ship_to.get("zipcode"),
            country=ship_to.get("region"),
            phone=ship_to.get("phone"),
        ),
        raw=dict(row),
    )


def verify_webhook(raw_body: bytes, headers: Mapping[str, str], callback_url: str, partner_key: str) -> WebhookEvent:
    """`Authorization` = hex HMAC-SHA256(partner_key, callback URL + "|" + raw body); code 3 is an order status
    push (`ordersn`, `status`). Raises WebhookRejected."""
    data, body = authorization_signed_json("Shopee", raw_body, headers, partner_key, callback_url.encode() + b"|")
    order_sn = str(body.get("ordersn") or body.get("order_sn") or "")
    if not order_sn:
        raise WebhookRejected("Shopee push names no order.", code="malformed_body")
    return WebhookEvent(
        order_id=order_sn,
        event=str(data.get("code") or ""),
        raw_status=str(body.get("status") or ""),
        shop_id=str(data.get("shop_id") or ""),
        payload=data,
    )
