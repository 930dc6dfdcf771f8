"""Shopify orders: the GraphQL `orders` query by update time, and order webhook verification (HMAC, base64).

Calls, filter, statuses: docs/marketplaces/shopify.md#orders.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..base import Page, RemoteOrder, RemoteOrderLine, iso_z, remote_time
from ..orders import (
    WebhookEvent,
    WebhookRejected,
    address,
    b64_signature,
    check_signature,
    header,
    json_payload,
    map_status,
    money,
)
from .client import ShopifyClient

ORDERS_PAGE = 50  # cost 2 + first points per page (docs/marketplaces/shopify.md#orders)
MONEY = "shopMoney { amount currencyCode }"
Q_ORDERS = (
    "query Orders($first: Int!, $after: String, $q: String) {"
    " orders(first: $first, after: $after, query: $q, sortKey: UPDATED_AT) {"
    " pageInfo { hasNextPage endCursor }"
    " nodes { id name createdAt processedAt updatedAt cancelledAt cancelReason"
    " displayFinancialStatus displayFulfillmentStatus currencyCode"
    " subtotalPriceSet { M } totalShippingPriceSet { M } totalTaxSet { M } totalDiscountsSet { M }"
    " totalPriceSet { M } customer { id displayName } email"
    " shippingAddress { name address1 address2 city province zip countryCodeV2 phone }"
    " lineItems(first: 100) { nodes { id sku name quantity currentQuantity fulfillableQuantity"
    " originalUnitPriceSet { M } } }"
    " fulfillments { id createdAt status fulfillmentLineItems(first: 100) { nodes { quantity lineItem { id } } } }"
    " refunds { id createdAt totalRefundedSet { M }"
    " refundLineItems(first: 100) { nodes { quantity restockType lineItem { id sku } } } } } } }"
).replace("{ M }", "{ " + MONEY + " }")

FINANCIAL = {
    "PENDING": "unpaid",
    "EXPIRED": "cancelled",
    "VOIDED": "cancelled",
    "AUTHORIZED": "paid",  # payment authorised: the sale stands, the stock is committed
    "PARTIALLY_PAID": "paid",
    "PAID": "paid",
    "PARTIALLY_REFUNDED": "partially_refunded",
    "REFUNDED": "refunded",
}
FULFILMENT = {"FULFILLED": "shipped", "PARTIALLY_FULFILLED": "partially_shipped"}


def pull_orders(client: ShopifyClient, cursor: str | None, updated_since: datetime | None) -> Page[RemoteOrder]:
    query = f"updated_at:>='{iso_z(updated_since)}'" if updated_since else None
    data = client.graphql(Q_ORDERS, {"first": ORDERS_PAGE, "after": cursor, "q": query})["orders"]
    info = data.get("pageInfo") or {}
    next_cursor = str(info["endCursor"]) if info.get("hasNextPage") and info.get("endCursor") else None
    return Page(items=[to_order(node) for node in data.get("nodes") or []], next_cursor=next_cursor)


def _amount(node: Mapping[str, Any], key: str) -> Any:
    return ((node.get(key) or {}).get("shopMoney") or {}).get("amount")


def status_of(node: Mapping[str, Any]) -> str:
    """Cancelled wins; then refunds; then fulfilment of a paid order; else the financial status."""
    financial = str(node.get("displayFinancialStatus") or "")
    if node.get("cancelledAt"):
        return "cancelled"
    status = map_status(FINANCIAL, financial)
    if status in ("refunded", "partially_refunded", "unpaid", "cancelled"):
        return status
    return FULFILMENT.get(str(node.get("displayFulfillmentStatus") or ""), status)


def to_order(node: Mapping[str, Any]) -> RemoteOrder:
    refunded: dict[str, int] = {}
    restocked: dict[str, int] = {}
    for refund in node.get("refunds") or []:
        for item in (refund.get("refundLineItems") or {}).get("nodes") or []:
            line_id = str((item.get("lineItem") or {}).get("id") or "")
            refunded[line_id] = refunded.get(line_id, 0) + int(item.get("quantity") or 0)
            if str(item.get("restockType") or "") in ("RETURN", "CANCEL", "LEGACY_RESTOCK"):
                restocked[line_id] = restocked.get(line_id, 0) + int(item.get("quantity") or 0)
    shipped_by_line: dict[str, int] = {}
    shipped_times = []
    for fulfillment in node.get("fulfillments") or []:
        if str(fulfillment.get("status") or "SUCCESS") not in ("SUCCESS", "OPEN", "PENDING"):
            continue  # cancelled or failed fulfillments shipped nothing
        shipped_times.append(remote_time(fulfillment.get("createdAt")))
        for item in (fulfillment.get("fulfillmentLineItems") or {}).get("nodes") or []:
            line_id = str((item.get("lineItem") or {}).get("id") or "")
            shipped_by_line[line_id] = shipped_by_line.get(line_id, 0) + int(item.get("quantity") or 0)
    lines = []
    for item in (node.get("lineItems") or {}).get("nodes") or []:
        line_id, quantity = str(item.get("id") or ""), int(item.get("quantity") or 0)
        unit = money(_amount(item, "originalUnitPriceSet"))
        shipped = shipped_by_line.get(line_id, 0)
        lines.append(
            RemoteOrderLine(
                external_line_id=line_id,
                sku=str(item.get("sku") or ""),
                quantity=quantity,
                unit_price=unit,
                line_total=unit * quantity,
                title=str(item.get("name") or ""),
                # removed units: ordered minus what remains minus what was refunded
                cancelled_quantity=max(0, quantity - int(item.get("currentQuantity") or 0) - refunded.get(line_id, 0)),
                refunded_quantity=refunded.get(line_id, 0),
                shipped_quantity=shipped,
                restocked_quantity=restocked.get(line_id, 0),
            )
        )
    financial = str(node.get("displayFinancialStatus") or "")
    ship_to = node.get("shippingAddress") or {}
    return RemoteOrder(
        external_id=str(node.get("id") or ""),
        status=status_of(node),
        raw_status=f"{financial}/{node.get('displayFulfillmentStatus') or ''}",
        currency=str(node.get("currencyCode") or ""),
        lines=lines,
        subtotal=money(_amount(node, "subtotalPriceSet")),
        shipping=money(_amount(node, "totalShippingPriceSet")),
        tax=money(_amount(node, "totalTaxSet")),
        discount=money(_amount(node, "totalDiscountsSet")),
        total=money(_amount(node, "totalPriceSet")),
        placed_at=remote_time(node.get("createdAt")),
        paid_at=remote_time(node.get("processedAt")) if financial not in ("PENDING", "VOIDED", "EXPIRED") else None,
        shipped_at=min((t for t in shipped_times if t), default=None),
        updated_at=remote_time(node.get("updatedAt")),
        buyer_id=str((node.get("customer") or {}).get("id") or ""),
        buyer_name=str((node.get("customer") or {}).get("displayName") or ""),
        buyer_email=str(node.get("email") or ""),
        shipping_address=address(
            name=ship_to.get("name"),
            line1=ship_to.get("address1"),
            line2=ship_to.get("address2"),
            city=ship_to.get("city"),
            region=ship_to.get("province"),
            postcode=ship_to.get("zip"),
            country=ship_to.get("countryCodeV2"),
            phone=ship_to.get("phone"),
        ),
        raw=dict(node),
    )


def verify_webhook(raw_body: bytes, headers: Mapping[str, str], client_secret: str) -> WebhookEvent:
    """`X-Shopify-Hmac-Sha256` = base64 HMAC-SHA256 of the raw body with the app's client secret; then the order
    id (the refund's `order_id` for refunds/create) and the topic. Raises WebhookRejected."""
    check_signature("Shopify", header(headers, "X-Shopify-Hmac-Sha256"), b64_signature(client_secret, raw_body))
    data = json_payload("Shopify", raw_body)
    topic = header(headers, "X-Shopify-Topic")
    order_id = data.get("order_id") if topic.startswith("refunds/") else data.get("id")
    if order_id in (None, ""):
        raise WebhookRejected("Shopify webhook names no order.", code="malformed_body")
    return WebhookEvent(
        order_id=f"gid://shopify/Order/{order_id}",
        event=topic,
        raw_status=str(data.get("financial_status") or ""),
        delivery_id=header(headers, "X-Shopify-Webhook-Id"),
        shop_id=header(headers, "X-Shopify-Shop-Domain").removesuffix(".myshopify.com"),
        payload=data,
    )
