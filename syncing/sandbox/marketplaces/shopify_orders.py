"""Shopify orders in the sandbox: the GraphQL `orders` query and REST-shaped order webhooks signed with HMAC.

Facts: docs/marketplaces/shopify.md#orders.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import re
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ..orders import OrderBook, OrderMarket, OrderRefused, StockRef

ORDERS_FIRST_MAX = 250  # (docs/marketplaces/shopify.md#orders)
UPDATED_AT = re.compile(r"updated_at:(>=|<=|>|<)'?([0-9T:\-+.Z]+)'?")
TOPICS = {
    "created": "orders/create",
    "paid": "orders/paid",
    "pay": "orders/paid",
    "cancel": "orders/cancelled",
    "ship": "orders/updated",
    "deliver": "orders/updated",
    "refund": "refunds/create",
}


def _iso(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    return dt.datetime.fromtimestamp(timestamp, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _money(amount: Decimal, currency: str) -> dict[str, Any]:
    value = {"amount": str(amount.quantize(Decimal("0.01"))), "currencyCode": currency}
    return {"shopMoney": value, "presentmentMoney": value}


class ShopifyOrders(OrderMarket):
    """Mixed into ShopifyModule (which provides shops, variants, apps, now() and the lock)."""

    shops: dict[str, dict[str, Any]]
    variants: dict[int, dict[str, Any]]
    products: dict[int, dict[str, Any]]
    apps: dict[str, str]
    order_book: OrderBook

    def order_default_shop(self) -> str:
        return next(iter(self.shops), "")

    def order_stock(self, shop_id: str, sku: str) -> StockRef | None:
        for variant in self.variants.values():
            product = self.products.get(variant["product_id"])
            if variant["sku"] == sku and product and product["shop_id"] == shop_id:
                return StockRef(int(variant["quantity"]), Decimal(variant["price"]), product["title"], variant)
        return None

    def order_set_stock(self, ref: StockRef, quantity: int) -> None:
        ref.target["quantity"] = quantity

    def order_currency(self, shop_id: str) -> str:
        return str(self.shops.get(shop_id, {}).get("currency") or "USD")

    def order_new_id(self, book: OrderBook) -> str:
        return str(5_100_000_000 + book.next_number())

    def order_refusal(self, kind: str, message: str) -> OrderRefused:
        # Checkout answers a cart it cannot fill with a user error on the line (storefront cartLinesAdd shape).
        code = "MERCHANDISE_NOT_ENOUGH_STOCK" if kind == "out_of_stock" else "INVALID"
        return OrderRefused(422, {"errors": [{"message": message, "extensions": {"code": code}}]})

    # --- statuses (docs/marketplaces/shopify.md#orders) ---

    def order_status(self, order: Mapping[str, Any]) -> str:
        return f"{financial_status(order)}/{fulfillment_status(order)}"

    # --- GraphQL `orders` ---

    def orders_query(self, args: dict[str, Any], shop_id: str) -> dict[str, Any]:
        from .shopify import GraphQLError, _parse_iso

        first = int(args.get("first") or 0)
        if not 1 <= first <= ORDERS_FIRST_MAX:
            raise GraphQLError(f"The 'first' argument must be between 1 and {ORDERS_FIRST_MAX}.", "BAD_REQUEST")
        orders = self.order_book.for_shop(shop_id)
        for op, value in UPDATED_AT.findall(str(args.get("query") or "")):
            try:
                bound = _parse_iso(value)
            except ValueError:
                raise GraphQLError(f"Invalid date in search query: {value}", "BAD_REQUEST") from None
            compare = {
                ">": lambda t, b=bound: t > b,
                ">=": lambda t, b=bound: t >= b,
                "<": lambda t, b=bound: t < b,
                "<=": lambda t, b=bound: t <= b,
            }[op]
            # The search compares whole seconds, as the ISO text it is given.
            orders = [o for o in orders if compare(float(int(o["updated_at"])))]
        if args.get("reverse"):
            orders = orders[::-1]
        start = 0
        if args.get("after"):
            try:
                start = int(base64.b64decode(str(args["after"])).decode().removeprefix("cursor:"))
            except (ValueError, UnicodeDecodeError):
                raise GraphQLError("Invalid cursor for current pagination", "BAD_REQUEST") from None
        page = orders[start : start + first]
        end = start + len(page)
        return {
            "pageInfo": {
                "hasNextPage": end < len(orders),
                "endCursor": base64.b64encode(f"cursor:{end}".encode()).decode() if page else None,
            },
            "nodes": [self._order_node(o) for o in page],
        }

    def _order_node(self, order: Mapping[str, Any]) -> dict[str, Any]:
        currency = order["currency"]
        lines = []
        for line in order["lines"]:
            unit = Decimal(line["unit_price"])
            lines.append(
                {
                    "id": f"gid://shopify/LineItem/{line['line_id']}",
                    "sku": line["sku"],
                    "name": line["title"],
                    "quantity": line["quantity"],
                    "currentQuantity": line["quantity"] - line["refunded"] - line["cancelled"],
                    "fulfillableQuantity": _fulfillable(line),
                    "originalUnitPriceSet": _money(unit, currency),
                    "discountedUnitPriceSet": _money(unit, currency),
                    "originalTotalSet": _money(unit * line["quantity"], currency),
                }
            )
        refunds = []
        for refund in order["refunds"]:
            total = sum((Decimal(r["amount"]) for r in refund["lines"]), Decimal("0"))
            refunds.append(
                {
                    "id": f"gid://shopify/Refund/{refund['id'].replace('R', '0')}",
                    "createdAt": _iso(refund["at"]),
                    "totalRefundedSet": _money(total, currency),
                    "refundLineItems": {
                        "nodes": [
                            {
                                "quantity": r["quantity"],
                                "restockType": "RETURN" if r["restock"] else "NO_RESTOCK",
                                "lineItem": {"id": f"gid://shopify/LineItem/{r['line_id']}", "sku": r["sku"]},
                            }
                            for r in refund["lines"]
                        ]
                    },
                }
            )
        subtotal = sum((Decimal(li["unit_price"]) * li["quantity"] for li in order["lines"]), Decimal("0"))
        buyer = order["buyer"]
        return {
            "id": f"gid://shopify/Order/{order['id']}",
            "name": f"#{order['id'][-4:]}",
            "createdAt": _iso(order["placed_at"]),
            "processedAt": _iso(order["placed_at"]),
            "updatedAt": _iso(order["updated_at"]),
            "cancelledAt": _iso(order["cancelled_at"]),
            "cancelReason": "CUSTOMER" if order["cancelled_at"] else None,
            "displayFinancialStatus": financial_status(order),
            "displayFulfillmentStatus": fulfillment_status(order),
            "currencyCode": currency,
            "subtotalPriceSet": _money(subtotal, currency),
            "totalShippingPriceSet": _money(Decimal("0"), currency),
            "totalTaxSet": _money(Decimal("0"), currency),
            "totalDiscountsSet": _money(Decimal("0"), currency),
            "totalPriceSet": _money(subtotal, currency),
            "customer": {"id": f"gid://shopify/Customer/{buyer['id'].split('-')[-1]}", "displayName": buyer["name"]},
            "email": buyer["email"],
            "shippingAddress": {
                "name": buyer["name"],
                "address1": buyer["line1"],
                "address2": "",
                "city": buyer["city"],
                "province": "",
                "zip": buyer["postcode"],
                "countryCodeV2": buyer["country"],
                "phone": buyer["phone"],
            },
            "lineItems": {"nodes": lines},
            "fulfillments": [
                {
                    "id": f"gid://shopify/Fulfillment/{shipment['id'].replace('S', '0')}",
                    "createdAt": _iso(shipment["at"]),
                    "status": "SUCCESS",
                    "fulfillmentLineItems": {
                        "nodes": [
                            {"quantity": s["quantity"], "lineItem": {"id": f"gid://shopify/LineItem/{s['line_id']}"}}
                            for s in shipment["lines"]
                        ]
                    },
                }
                for shipment in order["shipments"]
            ],
            "refunds": refunds,
        }

    # --- webhooks (docs/marketplaces/shopify.md#orders) ---

    def order_webhook_secret(self, shop_id: str) -> str:
        return next(iter(self.apps.values()), "")  # the app's client secret

    def order_webhook(self, order: Mapping[str, Any], event: str, hook: Mapping[str, Any]) -> tuple[bytes, dict]:
        topic = TOPICS.get(event, "orders/updated")
        node = self._order_node(order)
        if topic == "refunds/create":
            refund = order["refunds"][-1]
            payload: dict[str, Any] = {
                "id": int(refund["id"].replace("R", "0")),
                "order_id": int(order["id"]),
                "created_at": _iso(refund["at"]),
                "refund_line_items": [
                    {
                        "line_item_id": int(r["line_id"]),
                        "quantity": r["quantity"],
                        "restock_type": "return" if r["restock"] else "no_restock",
                    }
                    for r in refund["lines"]
                ],
            }
        else:
            payload = {
                "id": int(order["id"]),
                "admin_graphql_api_id": node["id"],
                "name": node["name"],
                "created_at": node["createdAt"],
                "updated_at": node["updatedAt"],
                "cancelled_at": node["cancelledAt"],
                "financial_status": node["displayFinancialStatus"].lower(),
                "fulfillment_status": {"FULFILLED": "fulfilled", "PARTIALLY_FULFILLED": "partial"}.get(
                    node["displayFulfillmentStatus"]
                ),
                "currency": order["currency"],
                "line_items": [
                    {"id": int(li["line_id"]), "sku": li["sku"], "quantity": li["quantity"], "price": li["unit_price"]}
                    for li in order["lines"]
                ],
            }
        body = json.dumps(payload).encode()
        digest = base64.b64encode(hmac.new(hook["secret"].encode(), body, hashlib.sha256).digest()).decode()
        headers = {
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": digest,
            "X-Shopify-Shop-Domain": f"{order['shop_id']}.myshopify.com",
            "X-Shopify-API-Version": "2026-01",
            "X-Shopify-Webhook-Id": str(uuid.uuid4()),
            "X-Shopify-Triggered-At": _iso(order["updated_at"]) or "",
            "X-Shopify-Event-Id": str(uuid.uuid4()),
        }
        return body, headers


def _fulfillable(line: Mapping[str, Any]) -> int:
    """Units still to ship: not cancelled, not shipped, and not refunded before shipping."""
    unshipped_refunds = max(0, line["refunded"] - line["shipped"])
    return max(0, line["quantity"] - line["cancelled"] - line["shipped"] - unshipped_refunds)


def financial_status(order: Mapping[str, Any]) -> str:
    if order["paid_at"] is None:
        return "VOIDED" if order["cancelled_at"] else "PENDING"
    kept = sum(li["quantity"] - li["cancelled"] for li in order["lines"])
    refunded = sum(li["refunded"] for li in order["lines"])
    if order["cancelled_at"] or (kept and refunded >= kept):
        return "REFUNDED"  # cancelling a paid order refunds it
    return "PARTIALLY_REFUNDED" if refunded else "PAID"


def fulfillment_status(order: Mapping[str, Any]) -> str:
    to_ship = sum(li["quantity"] - li["cancelled"] for li in order["lines"])
    shipped = sum(li["shipped"] for li in order["lines"])
    if shipped and shipped >= to_ship:
        return "FULFILLED"
    return "PARTIALLY_FULFILLED" if shipped else "UNFULFILLED"
