"""TikTok Shop orders: order search by update time (`update_time_ge`, sorted by update time ascending,
`page_token` paging; the search returns full orders) and order status webhook verification.

Calls, filter, statuses and the sandbox assumptions: docs/marketplaces/tiktok.md#orders.
"""

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from ..base import Page, RemoteOrder, RemoteOrderLine, remote_time
from ..orders import WebhookEvent, WebhookRejected, address, authorization_signed_json, map_status, money

SEARCH_PATH = "/order/202309/orders/search"
PAGE_SIZE = 50
STATUSES = {
    "UNPAID": "unpaid",
    "ON_HOLD": "paid",  # accepted; the buyer may still cancel, the units stay committed
    "AWAITING_SHIPMENT": "paid",
    "AWAITING_COLLECTION": "paid",
    "PARTIALLY_SHIPPING": "partially_shipped",
    "IN_TRANSIT": "shipped",
    "DELIVERED": "delivered",
    "COMPLETED": "delivered",
    "CANCELLED": "cancelled",
    "CANCEL": "cancelled",  # the webhook's spelling
}
SHIPPED_PACKAGES = {"COMPLETED", "FULFILLING"}

Call = Callable[..., dict[str, Any]]


def pull_orders(call: Call, cursor: str | None, updated_since: datetime | None) -> Page[RemoteOrder]:
    query = {"page_size": str(PAGE_SIZE), "sort_field": "update_time", "sort_order": "ASC"}
    if cursor:
        query["page_token"] = cursor
    body: dict[str, Any] = {}
    if updated_since is not None:
        body["update_time_ge"] = int(updated_since.timestamp())
    data = call("POST", SEARCH_PATH, query=query, body=body)
    orders = [to_order(row) for row in data.get("orders") or []]
    return Page(items=orders, next_cursor=str(data.get("next_page_token") or "") or None)


def _unit_state(item: Mapping[str, Any]) -> str:
    """cancelled / refunded / shipped / open for one line item (one unit)."""
    display, package = str(item.get("display_status") or ""), str(item.get("package_status") or "")
    if display == "CANCELLED":
        refund = "refund" in str(item.get("cancel_reason") or "").lower()
        return "refunded" if refund or package in SHIPPED_PACKAGES else "cancelled"
    return "shipped" if package in SHIPPED_PACKAGES else "open"


def to_order(row: Mapping[str, Any]) -> RemoteOrder:
    by_sku: dict[str, list[Mapping[str, Any]]] = {}
    for item in row.get("line_items") or []:
        by_sku.setdefault(str(item.get("seller_sku") or item.get("sku_id") or ""), []).append(item)
    lines = []
    for sku, units in by_sku.items():
        states = [_unit_state(u) for u in units]
        unit_price = money(units[0].get("sale_price") or units[0].get("original_price"))
        lines.append(
            RemoteOrderLine(
                external_line_id=str(units[0].get("sku_id") or sku),
                sku=sku,
                quantity=len(units),
                unit_price=unit_price,
                line_total=unit_price * len(units),
                title=str(units[0].get("product_name") or ""),
                cancelled_quantity=states.count("cancelled"),
                refunded_quantity=states.count("refunded"),
                shipped_quantity=states.count("shipped")
                + sum(1 for u, s in zip(units, states, strict=True) if s == "refunded" and _was_shipped(u)),
            )
        )
    raw_status = str(row.get("status") or "")
    status = map_status(STATUSES, raw_status)
    live = sum(line.quantity - line.cancelled_quantity for line in lines)
    refunded = sum(line.refunded_quantity for line in lines)
    if refunded and status != "cancelled":
        status = "refunded" if refunded >= live else "partially_refunded"
    payment = row.get("payment") or {}
    ship_to = row.get("recipient_address") or {}
    city = next(
        (
            str(d.get("address_name") or "")
            for d in ship_to.get("district_info") or []
            if d.get("address_level_name") == "City"
        ),
        "",
    )
    return RemoteOrder(
        external_id=str(row.get("id") or ""),
        status=status,
        raw_status=raw_status,
        currency=str(payment.get("currency") or ""),
        lines=lines,
        subtotal=money(payment.get("sub_total")),
        shipping=money(payment.get("shipping_fee")),
        tax=money(payment.get("tax")),
        discount=money(payment.get("seller_discount")) + money(payment.get("platform_discount")),
        total=money(payment.get("total_amount")),
        placed_at=remote_time(row.get("create_time")),
        paid_at=remote_time(row.get("paid_time")),
        updated_at=remote_time(row.get("update_time")),
        buyer_id=str(row.get("user_id") or ""),
        buyer_name=str(ship_to.get("name") or ""),
        shipping_address=address(
            name=ship_to.get("name"),
            line1=ship_to.get("address_line1"),
            line2=ship_to.get("address_line2"),
            city=city,
            postcode=ship_to.get("postal_code"),
            country=ship_to.get("region_code"),
            phone=ship_to.get("phone_number"),
        ),
        raw=dict(row),
    )


def _was_shipped(item: Mapping[str, Any]) -> bool:
    return str(item.get("package_status") or "") in SHIPPED_PACKAGES


def verify_webhook(raw_body: bytes, headers: Mapping[str, str], app_key: str, app_secret: str) -> WebhookEvent:
    """[unconfirmed] `Authorization` = hex HMAC-SHA256(app_secret, app_key + raw body) (the working hypothesis in
    docs/marketplaces/tiktok.md#orders); type 1 = order status change. Raises WebhookRejected."""
    data, body = authorization_signed_json("TikTok Shop", raw_body, headers, app_secret, app_key.encode())
    order_id = str(body.get("order_id") or "")
    if not order_id:
        raise WebhookRejected("TikTok Shop webhook names no order.", code="malformed_body")
    return WebhookEvent(
        order_id=order_id,
        event=str(data.get("type") or ""),
        raw_status=str(body.get("order_status") or ""),
        delivery_id=str(data.get("tts_notification_id") or ""),
        shop_id=str(data.get("shop_id") or ""),
        payload=data,
    )
