"""Etsy orders in the sandbox: getShopReceipts (`GET /v3/application/shops/{shop_id}/receipts`, filtered by
`min_last_modified`, offset paging) and order webhooks signed as Standard Webhooks (`webhook-id`,
`webhook-timestamp`, `webhook-signature`). Facts and sandbox assumptions: docs/marketplaces/etsy.md#orders.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from ..core import Request, Response
from ..orders import OrderBook, OrderMarket, OrderRefused, StockRef

RECEIPTS = re.compile(r"/v3/application/shops/(?P<shop>\d+)/receipts")
EVENTS = {"paid": "order.paid", "pay": "order.paid", "cancel": "order.canceled", "ship": "order.shipped"}
SORT_ON = ("created", "updated", "receipt_id")
SORT_ORDER = {"asc": False, "ascending": False, "up": False, "desc": True, "descending": True, "down": True}


def webhook_key(secret: str) -> bytes:
    """The HMAC key of a `whsec_…` signing secret: the base64 part decoded, or the text (implemented here on its
    own: the sandbox never imports the connectors)."""
    raw = secret.removeprefix("whsec_")
    try:
        return base64.b64decode(raw, validate=True)
    except ValueError:  # binascii.Error is a ValueError
        return raw.encode()


def _money(amount: Decimal, currency: str) -> dict[str, Any]:
    return {"amount": int((amount * 100).to_integral_value()), "divisor": 100, "currency_code": currency}


class EtsyOrders(OrderMarket):
    """Mixed into EtsyModule (which provides shops, listings, now() and _json)."""

    shops: dict[str, dict[str, Any]]
    listings: dict[str, dict[str, Any]]
    order_book: OrderBook
    _json: Callable[..., Response]
    partial_cancel = False  # a receipt is cancelled whole

    def order_default_shop(self) -> str:
        return next(iter(self.shops), "")

    def order_stock(self, shop_id: str, sku: str) -> StockRef | None:
        for listing in self.listings.values():
            if str(listing["shop_id"]) != shop_id or listing["state"] not in ("active", "sold_out"):
                continue
            for product in (listing.get("_inventory") or {}).get("products") or []:
                if product["sku"] == sku and not product["is_deleted"] and product["offerings"]:
                    offering = product["offerings"][0]
                    price = Decimal(offering["price"]["amount"]) / Decimal(offering["price"]["divisor"])
                    return StockRef(int(offering["quantity"]), price, listing["title"], (listing, offering))
        return None

    def order_set_stock(self, ref: StockRef, quantity: int) -> None:
        listing, offering = ref.target
        offering["quantity"] = quantity
        products = (listing.get("_inventory") or {}).get("products") or []
        listing["quantity"] = sum(o["quantity"] for p in products for o in p["offerings"] if o["is_enabled"])
        if listing["state"] == "active" and listing["quantity"] == 0:
            listing["state"] = "sold_out"
        elif listing["state"] == "sold_out" and listing["quantity"] > 0:
            listing["state"] = "active"
        listing["updated_timestamp"] = int(self.now())  # type: ignore[attr-defined]

    def order_currency(self, shop_id: str) -> str:
        return str(self.shops.get(shop_id, {}).get("currency_code") or "USD")

    def order_new_id(self, book: OrderBook) -> str:
        return str(3_300_000_000 + book.next_number())

    def order_refusal(self, kind: str, message: str) -> OrderRefused:
        # Sandbox assumption: the buyer side has no documented API; the body is Etsy's `{error}` shape.
        return OrderRefused(400 if kind == "out_of_stock" else 404, {"error": message})

    def order_status(self, order: Mapping[str, Any]) -> str:
        if order["cancelled_at"] is not None:
            return "canceled"
        if order["paid_at"] is None:
            return "open"
        kept = sum(li["quantity"] - li["cancelled"] for li in order["lines"])
        refunded = sum(li["refunded"] for li in order["lines"])
        if refunded:
            return "fully refunded" if refunded >= kept else "partially refunded"
        if all(li["shipped"] >= li["quantity"] - li["cancelled"] for li in order["lines"]):
            return "completed"
        return "paid"

    def _receipt(self, order: Mapping[str, Any]) -> dict[str, Any]:
        buyer, currency = order["buyer"], order["currency"]
        subtotal = sum((Decimal(li["unit_price"]) * li["quantity"] for li in order["lines"]), Decimal("0"))
        refunded = sum((Decimal(r["amount"]) for f in order["refunds"] for r in f["lines"]), Decimal("0"))
        transactions = []
        for line in order["lines"]:
            ref = self.order_stock(order["shop_id"], line["sku"])
            done = line["shipped"] >= line["quantity"] - line["cancelled"] and line["shipped"] > 0
            transactions.append(
                {
                    "transaction_id": int(line["line_id"]),
                    "title": line["title"],
                    "seller_user_id": self.shops[order["shop_id"]]["user_id"],
                    "buyer_user_id": int(buyer["id"].split("-")[-1]),
                    "create_timestamp": int(order["placed_at"]),
                    "created_timestamp": int(order["placed_at"]),
                    "paid_timestamp": int(order["paid_at"]) if order["paid_at"] else None,
                    "shipped_timestamp": int(order["shipped_at"]) if done and order["shipped_at"] else None,
                    "quantity": line["quantity"],
                    "listing_id": ref.target[0]["listing_id"] if ref else None,
                    "receipt_id": int(order["id"]),
                    "is_digital": False,
                    "price": _money(Decimal(line["unit_price"]), currency),
                    "shipping_cost": _money(Decimal("0"), currency),
                    "sku": line["sku"],
                    "variations": [],
                    "transaction_type": "listing",
                }
            )
        return {
            "receipt_id": int(order["id"]),
            "receipt_type": 0,
            "seller_user_id": self.shops[order["shop_id"]]["user_id"],
            "buyer_user_id": int(buyer["id"].split("-")[-1]),
            "buyer_email": None,  # only with the buyer-email permission
            "name": buyer["name"],
            "first_line": buyer["line1"],
            "second_line": None,
            "city": buyer["city"],
            "state": None,
            "zip": buyer["postcode"],
            "country_iso": buyer["country"],
            "formatted_address": f"{buyer['name']}\n{buyer['line1']}\n{buyer['city']} {buyer['postcode']}",
            "status": self.order_status(order),
            "payment_method": "cc",
            "message_from_buyer": None,
            "is_paid": order["paid_at"] is not None,
            "is_shipped": self.order_status(order) == "completed",
            "create_timestamp": int(order["placed_at"]),
            "created_timestamp": int(order["placed_at"]),
            "update_timestamp": int(order["updated_at"]),
            "updated_timestamp": int(order["updated_at"]),
            "is_gift": False,
            "grandtotal": _money(subtotal, currency),
            "subtotal": _money(subtotal, currency),
            "total_price": _money(subtotal, currency),
            "total_shipping_cost": _money(Decimal("0"), currency),
            "total_tax_cost": _money(Decimal("0"), currency),
            "total_vat_cost": _money(Decimal("0"), currency),
            "discount_amt": _money(Decimal("0"), currency),
            "gift_wrap_price": _money(Decimal("0"), currency),
            "shipments": [
                {
                    "receipt_shipping_id": int(s["id"].replace("S", "0")),
                    "shipment_notification_timestamp": int(s["at"]),
                    "carrier_name": "Sandbox Post",
                    "tracking_code": f"SB{s['id']}",
                }
                for s in order["shipments"]
            ],
            "transactions": transactions,
            "refunds": [
                {
                    "amount": _money(sum((Decimal(r["amount"]) for r in f["lines"]), Decimal("0")), currency),
                    "created_timestamp": int(f["at"]),
                    "reason": "Buyer request",
                    "note_from_issuer": None,
                    "status": "OK",
                }
                for f in order["refunds"]
            ]
            if refunded
            else [],
        }

    # --- endpoint ---

    def _receipts(self, req: Request, ctx: dict[str, Any], match: dict[str, str]) -> Response:
        from .etsy import EtsyError

        shop_id = self._own_shop(ctx, match["shop"])  # type: ignore[attr-defined]
        bounds: dict[str, int] = {}
        for name in ("min_created", "max_created", "min_last_modified", "max_last_modified"):
            text = req.arg(name)
            if text:
                if not text.isdigit() or int(text) < 946684800:
                    raise EtsyError(400, f"{name}: must be a unix timestamp >= 946684800")
                bounds[name] = int(text)
        limit_text, offset_text = req.arg("limit", "25"), req.arg("offset", "0")
        if not limit_text.isdigit() or not 1 <= int(limit_text) <= 100:
            raise EtsyError(400, "limit: must be an integer from 1 to 100")
        if not offset_text.isdigit():
            raise EtsyError(400, "offset: must be a non-negative integer")
        sort_on, sort_order = req.arg("sort_on", "created"), req.arg("sort_order", "desc")
        if sort_on not in SORT_ON or sort_order not in SORT_ORDER:
            raise EtsyError(400, "sort_on: created|updated|receipt_id; sort_order: asc|desc (or synonyms)")
        found = []
        for order in self.order_book.for_shop(shop_id):
            created, updated = int(order["placed_at"]), int(order["updated_at"])
            if (
                created < bounds.get("min_created", created)
                or created > bounds.get("max_created", created)
                or updated < bounds.get("min_last_modified", updated)
                or updated > bounds.get("max_last_modified", updated)
            ):
                continue
            found.append(order)
        key = {"created": "placed_at", "updated": "updated_at", "receipt_id": "id"}[sort_on]
        found.sort(key=lambda o: (int(o[key]), o["_seq"]), reverse=SORT_ORDER[sort_order])
        offset, limit = int(offset_text), int(limit_text)
        page = found[offset : offset + limit]
        return self._json(200, {"count": len(found), "results": [self._receipt(o) for o in page]})

    # --- webhooks (docs/marketplaces/etsy.md#orders) ---

    def order_webhook(self, order: Mapping[str, Any], event: str, hook: Mapping[str, Any]) -> tuple[bytes, dict]:
        event_type = EVENTS.get(event)
        if event_type is None:
            raise NotImplementedError  # no Etsy event for this change; the receipt shows it on the next pull
        payload = {
            "event_type": event_type,
            "resource_url": f"https://openapi.etsy.com/v3/application/shops/{order['shop_id']}/receipts/{order['id']}",
            "shop_id": int(order["shop_id"]),
        }
        body = json.dumps(payload).encode()
        webhook_id = f"msg_{order['id']}_{order['_seq']}"
        timestamp = str(int(self.wall()))  # type: ignore[attr-defined]
        signed = f"{webhook_id}.{timestamp}.".encode() + body
        signature = base64.b64encode(hmac.new(webhook_key(hook["secret"]), signed, hashlib.sha256).digest()).decode()
        return body, {"webhook-id": webhook_id, "webhook-timestamp": timestamp, "webhook-signature": f"v1,{signature}"}
