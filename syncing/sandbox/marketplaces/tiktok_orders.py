"""TikTok Shop orders in the sandbox: order search (`POST /order/202309/orders/search`, update-time filter,
`page_token`), order detail (`GET /order/202309/orders?ids=`) with one line item per unit, and order status
webhooks (type 1). Facts and sandbox assumptions: docs/marketplaces/tiktok.md#orders.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from ..core import Request, Response
from ..orders import OrderBook, OrderMarket, OrderRefused, StockRef

DETAIL_IDS_MAX = 50
STATUSES = (
    "UNPAID",
    "ON_HOLD",
    "AWAITING_SHIPMENT",
    "PARTIALLY_SHIPPING",
    "AWAITING_COLLECTION",
    "IN_TRANSIT",
    "DELIVERED",
    "COMPLETED",
    "CANCELLED",
)


class TiktokOrders(OrderMarket):
    """Mixed into TiktokModule (which provides apps, shops, products, now(), _ok and errors)."""

    apps: dict[str, str]
    shops: dict[str, dict[str, Any]]
    products: dict[str, dict[str, Any]]
    order_book: OrderBook
    _ok: Callable[..., Response]

    def order_default_shop(self) -> str:
        from ..demo import DEMO_ACCOUNTS

        return str(DEMO_ACCOUNTS["tiktok"]["shop_id"])

    def order_stock(self, shop_id: str, sku: str) -> StockRef | None:
        for product in self.products.values():
            if product["_shop"] != shop_id or product["status"] == "DELETED":
                continue
            for entry in product["skus"]:
                if entry["seller_sku"] == sku:
                    stock = int(entry["inventory"][0]["quantity"])
                    return StockRef(stock, Decimal(entry["price"]["amount"]), product["title"], (product, entry))
        return None

    def order_set_stock(self, ref: StockRef, quantity: int) -> None:
        product, entry = ref.target
        entry["inventory"][0]["quantity"] = quantity
        product["update_time"] = int(self.now())  # type: ignore[attr-defined]

    def order_currency(self, shop_id: str) -> str:
        from .tiktok import CURRENCY_BY_REGION

        return CURRENCY_BY_REGION.get(self.shops.get(shop_id, {}).get("region", "US"), "USD")

    def order_new_id(self, book: OrderBook) -> str:
        return str(576_461_413_038_785_000 + book.next_number())

    def order_refusal(self, kind: str, message: str) -> OrderRefused:
        # Sandbox assumption: the buyer side has no documented API; the body is TikTok Shop's envelope.
        code = 16019001 if kind == "out_of_stock" else 12019013
        return OrderRefused(400, {"code": code, "message": message, "request_id": "sandbox", "data": None})

    def order_status(self, order: Mapping[str, Any]) -> str:
        if order["cancelled_at"] is not None:
            return "CANCELLED"
        if order["paid_at"] is None:
            return "UNPAID"
        if order["delivered_at"] is not None:
            return "DELIVERED"
        to_ship = sum(li["quantity"] - li["cancelled"] for li in order["lines"])
        shipped = sum(li["shipped"] for li in order["lines"])
        if shipped and shipped >= to_ship:
            return "IN_TRANSIT"
        return "PARTIALLY_SHIPPING" if shipped else "AWAITING_SHIPMENT"

    def _line_items(self, order: Mapping[str, Any]) -> list[dict[str, Any]]:
        """One line item per unit (the API has no quantity field). Sandbox assumption: a refunded unit reads
        `display_status: CANCELLED` with `cancel_reason: "Refund"`, keeping its package status."""
        items = []
        status = self.order_status(order)
        for line in order["lines"]:
            ref = self.order_stock(order["shop_id"], line["sku"])
            product_id, sku_id = (ref.target[0]["id"], ref.target[1]["id"]) if ref else ("0", "0")
            cancelled, refunded = line["cancelled"], line["refunded"]
            shipped = line["shipped"]
            for unit in range(line["quantity"]):
                display, package, reason = status, "TO_FULFILL", ""
                if unit < cancelled:
                    display, package, reason = "CANCELLED", "CANCELLED", "Buyer cancelled"
                elif unit < cancelled + shipped:
                    display = "DELIVERED" if order["delivered_at"] else "IN_TRANSIT"
                    package = "COMPLETED"
                if cancelled <= unit < cancelled + refunded:
                    display, reason = "CANCELLED", "Refund"
                items.append(
                    {
                        "id": f"{line['line_id']}{unit:03d}",
                        "sku_id": sku_id,
                        "product_id": product_id,
                        "seller_sku": line["sku"],
                        "product_name": line["title"],
                        "sku_name": "",
                        "original_price": line["unit_price"],
                        "sale_price": line["unit_price"],
                        "seller_discount": "0",
                        "platform_discount": "0",
                        "currency": order["currency"],
                        "display_status": display,
                        "package_status": package,
                        "cancel_user": "BUYER" if reason else "",
                        "cancel_reason": reason,
                        "is_gift": False,
                    }
                )
        return items

    def _order(self, order: Mapping[str, Any]) -> dict[str, Any]:
        buyer = order["buyer"]
        subtotal = sum(Decimal(li["unit_price"]) * li["quantity"] for li in order["lines"])
        out: dict[str, Any] = {
            "id": order["id"],
            "status": self.order_status(order),
            "create_time": int(order["placed_at"]),
            "update_time": int(order["updated_at"]),
            "user_id": f"7494{buyer['id'].split('-')[-1]:0>8}",
            "buyer_message": "",
            "payment": {
                "currency": order["currency"],
                "sub_total": str(subtotal),
                "shipping_fee": "0",
                "seller_discount": "0",
                "platform_discount": "0",
                "total_amount": str(subtotal),
                "original_total_product_price": str(subtotal),
                "original_shipping_fee": "0",
                "tax": "0",
            },
            "line_items": self._line_items(order),
            "packages": [{"id": s["id"]} for s in order["shipments"]],
            "fulfillment_type": "FULFILLMENT_BY_SELLER",
            "shipping_type": "SELLER",
            "is_cod": False,
            "is_on_hold_order": False,
        }
        if order["paid_at"] is not None:
            out["paid_time"] = int(order["paid_at"])
            out["recipient_address"] = {  # absent while UNPAID / ON_HOLD
                "name": buyer["name"],
                "phone_number": buyer["phone"],
                "address_line1": buyer["line1"],
                "address_line2": "",
                "postal_code": buyer["postcode"],
                "region_code": buyer["country"],
                "district_info": [{"address_level_name": "City", "address_name": buyer["city"]}],
            }
        if order["cancelled_at"] is not None:
            out.update(cancel_time=int(order["cancelled_at"]), cancellation_initiator="BUYER")
        if order["delivered_at"] is not None:
            out["delivery_time"] = int(order["delivered_at"])
        return out

    # --- endpoints ---

    def _search_orders(self, req: Request, body: dict[str, Any], shop_id: str, match: dict[str, str]) -> Response:
        from .tiktok import BAD_PARAM, TiktokError, _decode_token, _encode_token

        size_text = req.arg("page_size")
        if not size_text.isdigit() or not 1 <= int(size_text) <= 100:
            raise TiktokError(BAD_PARAM, "page_size must be 1-100")
        size, offset = int(size_text), _decode_token(req.arg("page_token"))
        sort_field = req.arg("sort_field") or "create_time"
        sort_order = req.arg("sort_order") or "DESC"
        if sort_field not in ("create_time", "update_time") or sort_order not in ("ASC", "DESC"):
            raise TiktokError(BAD_PARAM, "sort_field: create_time|update_time; sort_order: ASC|DESC")
        bounds = {k: body.get(k) for k in ("create_time_ge", "create_time_lt", "update_time_ge", "update_time_lt")}
        if any(v is not None and not isinstance(v, int) for v in bounds.values()):
            raise TiktokError(BAD_PARAM, "time filters must be unix seconds")
        wanted = body.get("order_status")
        if wanted is not None and wanted not in STATUSES:
            raise TiktokError(BAD_PARAM, f"order_status must be one of {', '.join(STATUSES)}")
        found = []
        for order in self.order_book.for_shop(shop_id):
            created, updated = int(order["placed_at"]), int(order["updated_at"])
            if (
                (bounds["create_time_ge"] is not None and created < bounds["create_time_ge"])
                or (bounds["create_time_lt"] is not None and created >= bounds["create_time_lt"])
                or (bounds["update_time_ge"] is not None and updated < bounds["update_time_ge"])
                or (bounds["update_time_lt"] is not None and updated >= bounds["update_time_lt"])
                or (wanted is not None and self.order_status(order) != wanted)
            ):
                continue
            found.append(order)
        key = "placed_at" if sort_field == "create_time" else "updated_at"
        found.sort(key=lambda o: (int(o[key]), o["_seq"]), reverse=sort_order == "DESC")
        page = found[offset : offset + size]
        more = offset + size < len(found)
        return self._ok(
            {
                "total_count": len(found),
                "orders": [self._order(o) for o in page],
                "next_page_token": _encode_token(offset + size) if more else "",
            }
        )

    def _order_detail(self, req: Request, body: dict[str, Any], shop_id: str, match: dict[str, str]) -> Response:
        from .tiktok import BAD_PARAM, TiktokError

        ids = [i for i in req.arg("ids").split(",") if i]
        if not 1 <= len(ids) <= DETAIL_IDS_MAX:
            raise TiktokError(BAD_PARAM, f"ids: 1 to {DETAIL_IDS_MAX} order ids")
        orders = [self.order_book.orders.get(i) for i in ids]
        return self._ok({"orders": [self._order(o) for o in orders if o and o["shop_id"] == shop_id]})

    # --- webhooks (docs/marketplaces/tiktok.md#orders) ---

    def order_webhook_secret(self, shop_id: str) -> str:
        return self.apps.get(self.shops.get(shop_id, {}).get("app_key", ""), "")

    def order_webhook(self, order: Mapping[str, Any], event: str, hook: Mapping[str, Any]) -> tuple[bytes, dict]:
        status = self.order_status(order)
        payload = {
            "type": 1,
            "tts_notification_id": f"{order['id']}-{order['_seq']}",
            "shop_id": order["shop_id"],
            "timestamp": int(order["updated_at"]),
            "data": {
                "order_id": order["id"],
                "order_status": "CANCEL" if status == "CANCELLED" else status,  # the webhook page's spelling
                "is_on_hold_order": False,
                "update_time": int(order["updated_at"]),
            },
        }
        body = json.dumps(payload).encode()
        app_key = self.shops.get(order["shop_id"], {}).get("app_key", "")
        # [unconfirmed] formula (docs/marketplaces/tiktok.md#orders): hex HMAC-SHA256(app_secret, app_key + body)
        signature = hmac.new(hook["secret"].encode(), app_key.encode() + body, hashlib.sha256).hexdigest()
        return body, {"Authorization": signature}
