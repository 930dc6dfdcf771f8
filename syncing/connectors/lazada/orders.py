"""Lazada orders: GetOrders by `update_after` (sorted by update time, offset paging, restarting the window past
offset 5,000), then GetMultipleOrderItems (≤ 50 orders a call; one item per unit, a status per item); trade order
push verification. Calls, filter, statuses: docs/marketplaces/lazada.md#orders.
"""

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from ..base import Page, RemoteOrder, RemoteOrderLine, remote_time
from ..orders import (
    SAFE_UNKNOWN_STATUS,
    WebhookEvent,
    WebhookRejected,
    address,
    check_signature,
    header,
    hex_signature,
    json_payload,
    money,
)
from .client import LazadaClient

LIMIT = 100
OFFSET_MAX = 5000
ITEMS_BATCH = 50
EPOCH_START = "2015-01-01T00:00:00+00:00"  # `update_after` is mandatory: a full pull starts here
# Item statuses (docs/marketplaces/lazada.md#orders); each unit is one item.
UNPAID = {"unpaid"}
OPEN = {"pending", "repacked", "packed", "topack", "toship", "ready_to_ship", "ready_to_ship_pending"}
SHIPPED = {"shipped", "shipping", "delivered", "failed_delivery", "lost", "lost_by_3pl", "damaged_by_3pl"}
DELIVERED = {"delivered"}
CANCELLED = {"canceled", "cancelled", "failed", "package_scrapped"}
RETURNED = {"returned", "shipped_back", "shipped_back_success", "shipped_back_failed"}


def _lazada_time(moment: datetime) -> str:
    """`YYYY-MM-DDTHH:mm:ss+00:00`: Lazada wants an offset, not `Z` (error E017)."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def pull_orders(client: LazadaClient, cursor: str | None, updated_since: datetime | None) -> Page[RemoteOrder]:
    state = json.loads(cursor) if cursor else {"after": _lazada_time(updated_since) if updated_since else EPOCH_START}
    offset = int(state.get("offset") or 0)
    params = {
        "update_after": state["after"],
        "sort_by": "updated_at",
        "sort_direction": "ASC",
        "status": "all",
        "offset": str(offset),
        "limit": str(LIMIT),
    }
    data = client.call("GET", "/orders/get", params).get("data") or {}
    rows = list(data.get("orders") or [])
    total = int(data.get("countTotal") or 0)
    items = _items(client, [str(row["order_id"]) for row in rows])
    orders = [to_order(row, items.get(str(row["order_id"]), [])) for row in rows]
    next_offset = offset + len(rows)
    next_state: dict[str, Any] | None = None
    if rows and next_offset < total:
        if next_offset + LIMIT > OFFSET_MAX:  # past offset 5,000: restart at the last order's update time
            next_state = {"after": _restart_after(str(rows[-1].get("updated_at") or ""), state["after"]), "offset": 0}
        else:
            next_state = {"after": state["after"], "offset": next_offset}
    return Page(items=orders, next_cursor=json.dumps(next_state) if next_state else None)


def _restart_after(last: str, after: str) -> str:
    """Where the window restarts past offset 5,000: the last order's update time, or, when that is still the
    window's start (over 5,000 orders updated within one second, which `update_after` cannot page further), the
    next second: the window must move, or the same pages would come back forever
    (docs/marketplaces/lazada.md#orders)."""
    start, restart = remote_time(after), remote_time(last)
    if restart is None or start is None or restart <= start:
        return _lazada_time((start or restart or dt.datetime.now(dt.UTC)) + dt.timedelta(seconds=1))
    return _lazada_time(restart)


def _items(client: LazadaClient, order_ids: Sequence[str]) -> dict[str, list[Mapping[str, Any]]]:
    found: dict[str, list[Mapping[str, Any]]] = {}
    for start in range(0, len(order_ids), ITEMS_BATCH):
        batch = "[" + ",".join(order_ids[start : start + ITEMS_BATCH]) + "]"
        for entry in client.call("GET", "/orders/items/get", {"order_ids": batch}).get("data") or []:
            found[str(entry.get("order_id"))] = list(entry.get("order_items") or [])
    return found


def status_of(statuses: Sequence[str]) -> str:
    """The order's status from its items' statuses (Lazada has none at order level)."""
    live = [s for s in statuses if s not in CANCELLED]
    if not statuses:
        return SAFE_UNKNOWN_STATUS
    if not live:
        return "cancelled"
    returned = [s for s in live if s in RETURNED]
    if returned:
        return "refunded" if len(returned) == len(live) else "partially_refunded"
    if all(s in UNPAID for s in live):
        return "unpaid"
    if all(s in DELIVERED for s in live):
        return "delivered"
    if all(s in SHIPPED for s in live):
        return "shipped"
    if any(s in SHIPPED for s in live):
        return "partially_shipped"
    return "paid"  # pending/packed/ready_to_ship, and any status we do not know (kept as raw)


def to_order(row: Mapping[str, Any], items: Sequence[Mapping[str, Any]]) -> RemoteOrder:
    by_sku: dict[str, list[Mapping[str, Any]]] = {}
    for item in items:
        by_sku.setdefault(str(item.get("sku") or ""), []).append(item)
    lines = []
    for sku, units in by_sku.items():
        statuses = [str(u.get("status") or "") for u in units]
        unit_price = money(units[0].get("item_price"))
        lines.append(
            RemoteOrderLine(
                external_line_id=sku or str(units[0].get("order_item_id") or ""),
                sku=sku,
                quantity=len(units),
                unit_price=unit_price,
                line_total=sum((money(u.get("paid_price") or u.get("item_price")) for u in units), money(0)),
                title=str(units[0].get("name") or ""),
                cancelled_quantity=sum(s in CANCELLED for s in statuses),
                refunded_quantity=sum(s in RETURNED for s in statuses),
                shipped_quantity=sum(s in SHIPPED for s in statuses),
            )
        )
    all_statuses = [str(i.get("status") or "") for i in items] or [str(s) for s in row.get("statuses") or []]
    price, shipping, voucher = money(row.get("price")), money(row.get("shipping_fee")), money(row.get("voucher"))
    ship_to = row.get("address_shipping") or {}
    paid_times = [int(i["payment_time"]) for i in items if str(i.get("payment_time") or "").isdigit()]
    name = " ".join(str(row.get(k) or "") for k in ("customer_first_name", "customer_last_name")).strip()
    return RemoteOrder(
        external_id=str(row.get("order_id") or ""),
        status=status_of(all_statuses),
        raw_status=",".join(sorted(set(all_statuses))),
        currency=str(items[0].get("currency") or "") if items else "",
        lines=lines,
        subtotal=price,
        shipping=shipping,
        discount=voucher,
        total=price - voucher + shipping,  # the guide's formula
        placed_at=remote_time(row.get("created_at")),
        paid_at=remote_time(min(paid_times), millis=True) if paid_times else None,
        updated_at=remote_time(row.get("updated_at")),
        buyer_name=name,
        shipping_address=address(
            name=" ".join(str(ship_to.get(k) or "") for k in ("first_name", "last_name")).strip(),
            line1=ship_to.get("address1"),
            line2=ship_to.get("address2"),
            city=ship_to.get("city"),
            region=ship_to.get("address3"),
            postcode=ship_to.get("post_code"),
            country=ship_to.get("country"),
            phone=ship_to.get("phone"),
        ),
        raw={**row, "order_items": list(items)},
    )


def verify_webhook(raw_body: bytes, headers: Mapping[str, str], app_key: str, app_secret: str) -> WebhookEvent:
    """`Authorization` = hex HMAC-SHA256(app_secret, app_key + raw body); `data.trade_order_id` is the order id.
    Raises WebhookRejected."""
    check_signature("Lazada", header(headers, "Authorization"), hex_signature(app_secret, app_key.encode() + raw_body))
    data = json_payload("Lazada", raw_body)
    body: dict[str, Any] = data["data"] if isinstance(data.get("data"), dict) else {}
    order_id = str(body.get("trade_order_id") or "")
    if not order_id:
        raise WebhookRejected("Lazada push names no order.", code="malformed_body")
    return WebhookEvent(
        order_id=order_id,
        event=str(data.get("message_type") if data.get("message_type") is not None else ""),
        raw_status=str(body.get("order_status") or ""),
        delivery_id=f"{order_id}:{body.get('trade_order_line_id') or ''}:{body.get('status_update_time') or ''}",
        shop_id=str(data.get("seller_id") or ""),
        payload=data,
    )
