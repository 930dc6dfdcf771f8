"""Lazada orders in the sandbox: GetOrders (`/orders/get`), GetOrderItems and GetMultipleOrderItems (one item per
unit, a status per item) and the trade order push (message_type 0) signed with the app secret.

Facts: docs/marketplaces/lazada.md#orders.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ..orders import OrderBook, OrderMarket, OrderRefused, StockRef

ISO_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")
OFFSET_MAX = 5000
LIMIT_MAX = 100
ITEMS_IDS_MAX = 50
SELLER_TZ = dt.timezone(dt.timedelta(hours=8))  # Lazada writes times in the seller's offset (+08:00 for SG)
ITEM_STATUSES = (
    "unpaid",
    "pending",
    "packed",
    "canceled",
    "ready_to_ship",
    "delivered",
    "returned",
    "shipped",
    "failed",
    "topack",
    "toship",
    "shipping",
    "lost",
    "lost_by_3pl",
    "damaged_by_3pl",
    "failed_delivery",
    "shipped_back",
    "shipped_back_success",
    "shipped_back_failed",
    "package_scrapped",
)


def _iso(timestamp: float | None) -> str:
    if timestamp is None:
        return ""
    return dt.datetime.fromtimestamp(timestamp, tz=SELLER_TZ).isoformat(timespec="seconds")


class LazadaOrders(OrderMarket):
    """Mixed into LazadaModule (which provides apps, products, tokens, now() and errors)."""

    apps: dict[str, str]
    products: dict[int, dict[str, Any]]
    order_book: OrderBook

    def order_default_shop(self) -> str:
        from ..demo import DEMO_ACCOUNTS

        return str(DEMO_ACCOUNTS["lazada"]["shop_id"])

    def order_stock(self, shop_id: str, sku: str) -> StockRef | None:
        for product in self.products.values():
            if product["shop_id"] != shop_id or product["status"] == "Deleted":
                continue
            for entry in product["skus"]:
                if entry["SellerSku"] == sku:
                    price = Decimal(entry.get("special_price") or entry["price"])
                    return StockRef(int(entry["quantity"]), price, str(product["attributes"].get("name") or ""), entry)
        return None

    def order_set_stock(self, ref: StockRef, quantity: int) -> None:
        ref.target["quantity"] = quantity

    def order_currency(self, shop_id: str) -> str:
        return "SGD"

    def order_new_id(self, book: OrderBook) -> str:
        return str(491_253_082_180_000 + book.next_number())

    def order_refusal(self, kind: str, message: str) -> OrderRefused:
        # Sandbox assumption: the buyer side has no documented API; the body is Lazada's error envelope.
        code = "OutOfStock" if kind == "out_of_stock" else "SkuNotFound"
        return OrderRefused(400, {"type": "ISV", "code": code, "message": message, "request_id": "sandbox"})

    def order_status(self, order: Mapping[str, Any]) -> str:
        return ",".join(sorted({item["status"] for item in self.order_items(order)}))

    def order_items(self, order: Mapping[str, Any]) -> list[dict[str, Any]]:
        """One OrderItem per unit: cancelled units `canceled`, refunded `returned`, shipped `shipped` (or
        `delivered`), the rest `pending` (paid) or `unpaid`."""
        items = []
        for line in order["lines"]:
            cancelled, refunded = line["cancelled"], line["refunded"]
            shipped = min(line["shipped"], line["quantity"] - cancelled - refunded)
            statuses = (
                ["canceled"] * cancelled
                + ["returned"] * refunded
                + ["delivered" if order["delivered_at"] else "shipped"] * shipped
            )
            rest = "pending" if order["paid_at"] is not None else "unpaid"
            statuses += [rest] * (line["quantity"] - len(statuses))
            for unit, status in enumerate(statuses, start=1):
                items.append(
                    {
                        "order_item_id": int(f"{line['line_id']}{unit:03d}"),
                        "order_id": int(order["id"]),
                        "sku": line["sku"],
                        "shop_sku": f"{line['sku']}-SB",
                        "name": line["title"],
                        "item_price": line["unit_price"],
                        "paid_price": line["unit_price"],
                        "tax_amount": "0.00",
                        "voucher_amount": "0.00",
                        "shipping_amount": "0.00",
                        "currency": order["currency"],
                        "status": status,
                        "reason": "Change of mind" if status in ("canceled", "returned") else "",
                        "cancel_return_initiator": "buyer-cancel" if status == "canceled" else "",
                        "tracking_code": f"SB{order['id']}" if status in ("shipped", "delivered") else "",
                        "shipment_provider": "Sandbox Express" if status in ("shipped", "delivered") else "",
                        "created_at": _iso(order["placed_at"]),
                        "updated_at": _iso(order["updated_at"]),
                        "payment_time": int(order["paid_at"] * 1000) if order["paid_at"] else None,
                    }
                )
        return items

    def _order_row(self, order: Mapping[str, Any]) -> dict[str, Any]:
        buyer = order["buyer"]
        price = sum((Decimal(li["unit_price"]) * li["quantity"] for li in order["lines"]), Decimal("0"))
        first, _, last = buyer["name"].rpartition(" ")
        address = {
            "first_name": buyer["name"],
            "last_name": "",
            "address1": buyer["line1"],
            "city": buyer["city"],
            "post_code": buyer["postcode"],
            "country": "Singapore",
            "phone": buyer["phone"],
        }
        return {
            "order_id": order["id"],
            "order_number": order["id"],
            "created_at": _iso(order["placed_at"]),
            "updated_at": _iso(order["updated_at"]),
            "price": str(price.quantize(Decimal("0.01"))),
            "shipping_fee": "0.00",
            "voucher": "0.00",
            "voucher_platform": "0.00",
            "voucher_seller": "0.00",
            "payment_method": "CREDIT_CARD",
            "items_count": str(sum(li["quantity"] for li in order["lines"])),
            "statuses": sorted({item["status"] for item in self.order_items(order)}),
            "customer_first_name": first or last,
            "customer_last_name": last if first else "",
            "address_shipping": address,
            "address_billing": address,
            "warehouse_code": "dropshipping",
            "remarks": "",
            "gift_option": "false",
        }

    # --- endpoints ---

    def orders_get(self, params: dict[str, str], shop_id: str) -> dict[str, Any]:
        from .lazada import LazadaError

        bounds: dict[str, float] = {}
        for name in ("created_after", "created_before", "update_after", "update_before"):
            if params.get(name):
                if not ISO_OFFSET.match(params[name]):
                    raise LazadaError("E017", f"Invalid date format for {name}: use YYYY-MM-DDTHH:mm:ss+HH:MM")
                bounds[name] = dt.datetime.fromisoformat(params[name]).timestamp()
        if "created_after" not in bounds and "update_after" not in bounds:
            raise LazadaError("E017", "Either created_after or update_after is mandatory")
        sort_by = params.get("sort_by") or "created_at"
        if sort_by not in ("created_at", "updated_at"):
            raise LazadaError("E075", "Invalid sort filter")
        direction = (params.get("sort_direction") or "DESC").upper()
        if direction not in ("ASC", "DESC"):
            raise LazadaError("E074", "Invalid sort direction")
        offset, limit = params.get("offset") or "0", params.get("limit") or "100"
        if not offset.isdigit() or int(offset) > OFFSET_MAX:
            raise LazadaError("E014", f"Invalid offset: 0 to {OFFSET_MAX}")
        if not limit.isdigit() or not 1 <= int(limit) <= LIMIT_MAX:
            raise LazadaError("E019", f"Invalid limit: 1 to {LIMIT_MAX}")
        status = params.get("status") or "all"
        if status != "all" and status not in ITEM_STATUSES:
            raise LazadaError("E036", "Invalid status filter")
        orders = []
        for order in self.order_book.for_shop(shop_id):
            created, updated = int(order["placed_at"]), int(order["updated_at"])
            if (
                created < bounds.get("created_after", created)
                or created > bounds.get("created_before", created)
                or updated < bounds.get("update_after", updated)
                or updated > bounds.get("update_before", updated)
            ):
                continue
            if status != "all" and status not in {i["status"] for i in self.order_items(order)}:
                continue
            orders.append(order)
        key = "placed_at" if sort_by == "created_at" else "updated_at"
        orders.sort(key=lambda o: (int(o[key]), o["_seq"]), reverse=direction == "DESC")
        page = orders[int(offset) : int(offset) + int(limit)]
        return {"count": str(len(page)), "countTotal": str(len(orders)), "orders": [self._order_row(o) for o in page]}

    def _owned(self, raw_id: str, shop_id: str) -> Mapping[str, Any] | None:
        order = self.order_book.orders.get(str(raw_id))
        return order if order and order["shop_id"] == shop_id else None

    def order_items_get(self, params: dict[str, str], shop_id: str) -> list[dict[str, Any]]:
        from .lazada import LazadaError

        order = self._owned(params.get("order_id") or "", shop_id)
        if order is None:
            raise LazadaError("E016", "Invalid Order ID")
        return self.order_items(order)

    def orders_items_get(self, params: dict[str, str], shop_id: str) -> list[dict[str, Any]]:
        from .lazada import LazadaError

        try:
            ids = [str(i) for i in json.loads(params.get("order_ids") or "")]
        except (ValueError, TypeError):
            raise LazadaError("E037", "One or more order id in the list are incorrect") from None
        if not 1 <= len(ids) <= ITEMS_IDS_MAX:
            raise LazadaError("E037", f"order_ids: 1 to {ITEMS_IDS_MAX} ids")
        found = [self._owned(i, shop_id) for i in ids]
        if any(o is None for o in found):
            raise LazadaError("E037", "One or more order id in the list are incorrect")
        return [
            {"order_id": int(o["id"]), "order_number": int(o["id"]), "order_items": self.order_items(o)}
            for o in found
            if o is not None
        ]

    # --- push (docs/marketplaces/lazada.md#orders) ---

    def order_webhook_secret(self, shop_id: str) -> str:
        return next(iter(self.apps.values()), "")

    def order_webhook(self, order: Mapping[str, Any], event: str, hook: Mapping[str, Any]) -> tuple[bytes, dict]:
        app_key = next((k for k, v in self.apps.items() if v == hook["secret"]), next(iter(self.apps), ""))
        items = self.order_items(order)
        status = {"refund": "returned", "cancel": "canceled"}.get(event)
        item = next((i for i in items if i["status"] == status), items[0]) if status else items[0]
        payload = {
            "seller_id": order["shop_id"],
            "message_type": 0 if event not in ("refund",) else 10,
            "data": {
                "order_status": item["status"],
                "trade_order_id": order["id"],
                "trade_order_line_id": str(item["order_item_id"]),
                "status_update_time": int(order["updated_at"]),
            },
            "timestamp": int(order["updated_at"] * 1000),
            "site": "lazada_sg",
        }
        body = json.dumps(payload).encode()
        signature = hmac.new(hook["secret"].encode(), app_key.encode() + body, hashlib.sha256).hexdigest()
        return body, {"Authorization": signature}
