"""Etsy orders: getShopReceipts by `min_last_modified` (sorted by update time ascending, offset paging) and
order webhook verification (Standard Webhooks signature). Calls, filter, statuses: docs/marketplaces/etsy.md#orders.
"""

import base64
import hashlib
import hmac
import re
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from ..base import Page, RemoteOrder, RemoteOrderLine, remote_time
from ..orders import (
    WebhookEvent,
    WebhookRejected,
    address,
    header,
    json_payload,
    map_status,
    standard_webhook_key,
)

LIMIT = 100
TOLERANCE = 300  # seconds a webhook timestamp may differ from now (replay protection)
STATUSES = {
    "open": "unpaid",
    "payment processing": "unpaid",
    "paid": "paid",
    "completed": "shipped",
    "canceled": "cancelled",
    "fully refunded": "refunded",
    "partially refunded": "partially_refunded",
}
RECEIPT_URL = re.compile(r"/receipts/(\d+)")

Call = Callable[..., Any]


def money(value: Any) -> Decimal:
    """Etsy Money `{amount, divisor, currency_code}` as a Decimal."""
    if not isinstance(value, Mapping):
        return Decimal("0")
    try:
        return Decimal(int(value.get("amount") or 0)) / Decimal(int(value.get("divisor") or 1))
    except (TypeError, ValueError, ArithmeticError):
        return Decimal("0")


def pull_orders(call: Call, shop_path: str, cursor: str | None, updated_since: datetime | None) -> Page[RemoteOrder]:
    offset = int(cursor or 0)
    params: dict[str, Any] = {"limit": LIMIT, "offset": offset, "sort_on": "updated", "sort_order": "asc"}
    if updated_since is not None:
        params["min_last_modified"] = max(946684800, int(updated_since.timestamp()))
    data = call("GET", f"{shop_path}/receipts", params=params) or {}
    rows = list(data.get("results") or [])
    next_offset = offset + len(rows)
    more = bool(rows) and next_offset < int(data.get("count") or 0)
    return Page(items=[to_order(row) for row in rows], next_cursor=str(next_offset) if more else None)


def to_order(row: Mapping[str, Any]) -> RemoteOrder:
    raw_status = str(row.get("status") or "")
    status = map_status(STATUSES, raw_status)
    lines = []
    for item in row.get("transactions") or []:
        quantity = int(item.get("quantity") or 0)
        unit = money(item.get("price"))
        shipped = quantity if item.get("shipped_timestamp") else 0
        lines.append(
            RemoteOrderLine(
                external_line_id=str(item.get("transaction_id") or ""),
                sku=str(item.get("sku") or ""),
                quantity=quantity,
                unit_price=unit,
                line_total=unit * quantity,
                title=str(item.get("title") or ""),
                cancelled_quantity=quantity if status == "cancelled" else 0,
                # Etsy refunds are amounts; only a full refund says how many units (all of them)
                refunded_quantity=quantity if status == "refunded" else 0,
                shipped_quantity=shipped,
            )
        )
    if status == "paid" and any(line.shipped_quantity for line in lines):
        status = "partially_shipped"
    currency = str((row.get("grandtotal") or {}).get("currency_code") or "")
    shipments = [s.get("shipment_notification_timestamp") for s in row.get("shipments") or []]
    paid = [t.get("paid_timestamp") for t in row.get("transactions") or [] if t.get("paid_timestamp")]
    return RemoteOrder(
        external_id=str(row.get("receipt_id") or ""),
        status=status,
        raw_status=raw_status,
        currency=currency,
        lines=lines,
        subtotal=money(row.get("subtotal")),
        shipping=money(row.get("total_shipping_cost")),
        tax=money(row.get("total_tax_cost")) + money(row.get("total_vat_cost")),
        discount=money(row.get("discount_amt")),
        total=money(row.get("grandtotal")),
        placed_at=remote_time(row.get("created_timestamp") or row.get("create_timestamp")),
        paid_at=remote_time(min(paid)) if paid else None,
        shipped_at=remote_time(min(s for s in shipments if s)) if any(shipments) else None,
        updated_at=remote_time(row.get("updated_timestamp") or row.get("update_timestamp")),
        buyer_id=str(row.get("buyer_user_id") or ""),
        buyer_name=str(row.get("name") or ""),
        buyer_email=str(row.get("buyer_email") or ""),
        shipping_address=address(
            name=row.get("name"),
            line1=row.get("first_line"),
            line2=row.get("second_line"),
            city=row.get("city"),
            region=row.get("state"),
            postcode=row.get("zip"),
            country=row.get("country_iso"),
        ),
        raw=dict(row),
    )


def verify_webhook(
    raw_body: bytes, headers: Mapping[str, str], signing_secret: str, now: Callable[[], float] = time.time
) -> WebhookEvent:
    """[unconfirmed] Standard Webhooks: `webhook-signature` holds `v1,<base64 HMAC-SHA256(key, id.timestamp.body)>`
    entries (space-separated), key = the base64 part of the `whsec_` secret; the timestamp must be within 5
    minutes. The receipt id comes from `resource_url`. Raises WebhookRejected."""
    webhook_id, stamp = header(headers, "webhook-id"), header(headers, "webhook-timestamp")
    given = [part.partition(",")[2] for part in header(headers, "webhook-signature").split() if part.startswith("v1,")]
    if not (webhook_id and stamp and given):
        raise WebhookRejected("Etsy webhook without a signature.", code="missing_signature")
    if not stamp.isdigit() or abs(now() - int(stamp)) > TOLERANCE:
        raise WebhookRejected("Etsy webhook timestamp is too old or invalid.", code="bad_signature")
    signed = f"{webhook_id}.{stamp}.".encode() + raw_body
    expected = base64.b64encode(hmac.new(standard_webhook_key(signing_secret), signed, hashlib.sha256).digest())
    if not any(hmac.compare_digest(expected, candidate.encode()) for candidate in given):
        raise WebhookRejected("Etsy webhook signature does not match.", code="bad_signature")
    data = json_payload("Etsy", raw_body)
    match = RECEIPT_URL.search(str(data.get("resource_url") or ""))
    if match is None:
        raise WebhookRejected("Etsy webhook names no receipt.", code="malformed_body")
    return WebhookEvent(
        order_id=match.group(1),
        event=str(data.get("event_type") or ""),
        delivery_id=webhook_id,
        shop_id=str(data.get("shop_id") or ""),
        payload=data,
    )
