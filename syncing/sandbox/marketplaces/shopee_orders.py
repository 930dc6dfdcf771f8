"""Shopee orders in the sandbox: v2.order.get_order_list (≤ 15-day update-time windows, opaque cursor),
v2.order.get_order_detail (1–50 order_sn, optional fields on request) and order status pushes (code 3).

Facts: docs/marketplaces/shopee.md#orders.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ..orders import OrderBook, OrderMarket, OrderRefused, StockRef

WINDOW_MAX = 15 * 86400  # time_to - time_from at most 15 days
DETAIL_MAX = 50
DEFAULT_FIELDS = (
    "order_sn",
    "region",
    "currency",
    "cod",
    "order_status",
    "message_to_seller",
    "create_time",
    "update_time",
    "days_to_ship",
    "ship_by_date",
    "booking_sn",
)
ORDER_STATUSES = ("UNPAID", "READY_TO_SHIP", "PROCESSED", "SHIPPED", "COMPLETED", "IN_CANCEL", "CANCELLED")
CURRENCIES = {"SG": "SGD", "MY": "MYR", "TH": "THB", "VN": "VND", "PH": "PHP", "ID": "IDR", "TW": "TWD", "BR": "BRL"}


class ShopeeOrders(OrderMarket):
    """Mixed into ShopeeModule (which provides shops, regions, item_store, now() and errors)."""

    shops: dict[str, str]
    partners: dict[str, str]
    regions: dict[str, str]
    item_store: dict[int, dict[str, Any]]
    order_book: OrderBook
    partial_cancel = False  # Shopee cancels whole orders (docs/marketplaces/shopee.md#orders)

    def order_default_shop(self) -> str:
        return next(iter(self.shops), "")

    def order_stock(self, shop_id: str, sku: str) -> StockRef | None:
        for item in self.item_store.values():
            if item["shop_id"] != shop_id or item["item_status"] == "DELETED":
                continue
            for model in (item.get("models") or {}).values():  # a family: each model has its own SKU and stock
                if model["model_sku"] == sku:
                    price = Decimal(str(model["original_price"]))
                    return StockRef(int(model["stock"]), price, item["item_name"], model)
            if item["item_sku"] == sku and not item.get("models"):
                return StockRef(int(item["stock"]), Decimal(str(item["original_price"])), item["item_name"], item)
        return None

    def order_set_stock(self, ref: StockRef, quantity: int) -> None:
        ref.target["stock"] = quantity
        ref.target["update_time"] = int(self.now())  # type: ignore[attr-defined]

    def order_currency(self, shop_id: str) -> str:
        return CURRENCIES.get(self.regions.get(shop_id, "SG"), "SGD")

    def order_new_id(self, book: OrderBook) -> str:
        return f"261206{book.next_number():06d}SB"  # order_sn: date-like prefix + serial, as Shopee's

    def order_refusal(self, kind: str, message: str) -> OrderRefused:
        # Sandbox assumption: the buyer side has no documented API; the error follows Shopee's envelope.
        error = "order.item_out_of_stock" if kind == "out_of_stock" else "order.item_not_found"
        return OrderRefused(400, {"error": error, "message": message, "request_id": "sandbox"})

    def order_status(self, order: Mapping[str, Any]) -> str:
        if order["cancelled_at"] is not None:
            return "CANCELLED"
        if order["paid_at"] is None:
            return "UNPAID"
        if any(li["refunded"] for li in order["lines"]):
            return "TO_RETURN"
        if order["delivered_at"] is not None:
            return "COMPLETED"
        to_ship = sum(li["quantity"] - li["cancelled"] for li in order["lines"])
        shipped = sum(li["shipped"] for li in order["lines"])
        if shipped and shipped >= to_ship:
            return "SHIPPED"
        return "PROCESSED" if shipped else "READY_TO_SHIP"

    # --- endpoints ---

    def order_list(self, req: Any, shop_id: str) -> Any:
        from .shopee import ShopeeError

        field = req.arg("time_range_field")
        if field not in ("create_time", "update_time"):
            raise ShopeeError("error_param", "invalid field time_range_field: create_time or update_time", 400)
        start, end, size = req.arg("time_from"), req.arg("time_to"), req.arg("page_size")
        if not (start.isdigit() and end.isdigit()):
            raise ShopeeError("error_param", "invalid field time_from/time_to: value must Not Null", 400)
        if not (int(start) < int(end) and int(end) - int(start) <= WINDOW_MAX):
            raise ShopeeError(
                "order.order_list_invalid_time", "Start time must be earlier than end time and diff in 15days."
            )
        if not size.isdigit() or not 1 <= int(size) <= 100:
            raise ShopeeError("error_param", "invalid field page_size: 1 to 100", 400)
        status = req.arg("order_status")
        if status and status not in (*ORDER_STATUSES, "INVOICE_PENDING"):
            raise ShopeeError("error_param", f"invalid field order_status: {status}", 400)
        key = "placed_at" if field == "create_time" else "updated_at"
        orders = [
            o
            for o in self.order_book.for_shop(shop_id)
            if int(start) <= int(o[key]) <= int(end) and (not status or self.order_status(o) == status)
        ]
        cursor = req.arg("cursor") or "0"
        if not cursor.isdigit():
            raise ShopeeError("error_param", "invalid field cursor", 400)
        offset = int(cursor)
        page = orders[offset : offset + int(size)]
        more = offset + int(size) < len(orders)
        with_status = "order_status" in req.arg("response_optional_fields")
        rows = [{"order_sn": o["id"], **({"order_status": self.order_status(o)} if with_status else {})} for o in page]
        return {"more": more, "next_cursor": str(offset + int(size)) if more else "", "order_list": rows}

    def order_detail(self, req: Any, shop_id: str) -> Any:
        from .shopee import ShopeeError

        wanted = [s for s in req.arg("order_sn_list").split(",") if s]
        if not 1 <= len(wanted) <= DETAIL_MAX:
            raise ShopeeError("error_param", f"invalid field order_sn_list: 1 to {DETAIL_MAX} order_sn", 400)
        optional = {f.strip() for f in req.arg("response_optional_fields").split(",") if f.strip()}
        found, missing = [], []
        for order_sn in wanted:
            order = self.order_book.orders.get(order_sn)
            if order is None or order["shop_id"] != shop_id:
                missing.append(order_sn)
                continue
            full = self._detail(order)
            found.append({k: v for k, v in full.items() if k in DEFAULT_FIELDS or k in optional})
        result: dict[str, Any] = {"order_list": found}
        if missing:
            result["warning"] = [f"order_sn not found: {', '.join(missing)}"]
        return result

    def _detail(self, order: Mapping[str, Any]) -> dict[str, Any]:
        buyer = order["buyer"]
        items = [
            {
                "item_id": self._item_id(order["shop_id"], li["sku"]),
                "item_name": li["title"],
                "item_sku": li["sku"],
                "model_id": 0,
                "model_name": "",
                "model_sku": "",
                "model_quantity_purchased": li["quantity"],
                "model_original_price": float(li["unit_price"]),
                "model_discounted_price": float(li["unit_price"]),
                "order_item_id": int(li["line_id"][-2:]),
            }
            for li in order["lines"]
        ]
        packages = [
            {
                "package_number": shipment["id"],
                "logistics_status": "LOGISTICS_DELIVERY_DONE" if order["delivered_at"] else "LOGISTICS_PICKUP_DONE",
                "shipping_carrier": "Sandbox Express",
                "item_list": [
                    {
                        "item_id": self._item_id(order["shop_id"], s["sku"]),
                        "model_id": 0,
                        "model_quantity": s["quantity"],
                        "order_item_id": int(s["line_id"][-2:]),
                    }
                    for s in shipment["lines"]
                ],
            }
            for shipment in order["shipments"]
        ]
        total = sum(Decimal(li["unit_price"]) * (li["quantity"] - li["cancelled"]) for li in order["lines"])
        detail: dict[str, Any] = {
            "order_sn": order["id"],
            "region": self.regions.get(order["shop_id"], "SG"),
            "currency": order["currency"],
            "cod": False,
            "order_status": self.order_status(order),
            "message_to_seller": "",
            "create_time": int(order["placed_at"]),
            "update_time": int(order["updated_at"]),
            "days_to_ship": 3,
            "ship_by_date": int(order["placed_at"]) + 3 * 86400,
            "booking_sn": "",
            "buyer_user_id": int(buyer["id"].split("-")[-1]),
            "buyer_username": buyer["name"].replace(" ", "").lower(),
            "recipient_address": {
                "name": buyer["name"],
                "phone": buyer["phone"],
                "full_address": f"{buyer['line1']}, {buyer['city']} {buyer['postcode']}",
                "city": buyer["city"],
                "state": "",
                "zipcode": buyer["postcode"],
                "region": buyer["country"],
            },
            "item_list": items,
            "package_list": packages,
            "estimated_shipping_fee": 0.0,
            "actual_shipping_fee": 0.0,
            "payment_method": "Credit Card",
            "note": "",
            "cancel_by": "buyer" if order["cancelled_at"] else "",
            "cancel_reason": "Change of mind" if order["cancelled_at"] else "",
        }
        if order["paid_at"] is not None:
            detail["pay_time"] = int(order["paid_at"])
            detail["total_amount"] = float(total)  # only after payment
        return detail

    def _item_id(self, shop_id: str, sku: str) -> int:
        ref = self.order_stock(shop_id, sku)
        return int(ref.target["item_id"]) if ref else 0

    # --- push (docs/marketplaces/shopee.md#orders) ---

    def order_webhook_secret(self, shop_id: str) -> str:
        return self.partners.get(self.shops.get(shop_id, ""), "")

    def order_webhook(self, order: Mapping[str, Any], event: str, hook: Mapping[str, Any]) -> tuple[bytes, dict]:
        payload = {
            "data": {
                "items": [],
                "ordersn": order["id"],
                "status": self.order_status(order),
                "completed_scenario": "",
                "update_time": int(order["updated_at"]),
            },
            "shop_id": int(order["shop_id"]),
            "code": 3,
            "timestamp": int(order["updated_at"]),
        }
        body = json.dumps(payload).encode()
        base = hook["url"].encode() + b"|" + body
        signature = hmac.new(hook["secret"].encode(), base, hashlib.sha256).hexdigest()
        return body, {"Authorization": signature}
