"""Sandbox orders: one order book per marketplace module, the buyer-side control API and webhook deliveries.

A buyer places, pays, cancels, ships and refunds orders through `/_control/orders` (docs/sandbox.md#orders).
The book keeps orders in one neutral shape; each marketplace module that supports orders implements the
`OrderMarket` hooks below to find the advertised item of a SKU, refuse as the marketplace would, serve its order
endpoints in its own shape and sign its webhooks. Placing an order takes the units off the item's advertised
stock at once (every marketplace here reserves at checkout); cancelling and a refund with restock give them back.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .core import MarketplaceModule, Request, Response, Sandbox

ACTIONS = ("pay", "cancel", "ship", "deliver", "refund")
DEFAULT_RETRY_DELAYS = (1.0, 5.0)  # wall seconds between webhook attempts (scaled down from the vendors' schedules)


class OrderRefused(Exception):
    """The marketplace refuses a buyer action: `status` and `body` are its own error answer."""

    def __init__(self, status: int, body: Mapping[str, Any]) -> None:
        super().__init__(json.dumps(body))
        self.status = status
        self.body = dict(body)


@dataclass
class StockRef:
    """The advertised item a SKU sells as: its stock, price and title, and how to change the stock."""

    quantity: int
    price: Decimal
    title: str
    target: Any  # the module's own item/variant dict


class OrderMarket:
    """Hooks a marketplace module implements to support orders (mixed into its MarketplaceModule)."""

    partial_cancel = True  # False: the marketplace cancels whole orders only

    def order_default_shop(self) -> str:
        raise NotImplementedError

    def order_stock(self, shop_id: str, sku: str) -> StockRef | None:
        raise NotImplementedError

    def order_set_stock(self, ref: StockRef, quantity: int) -> None:
        raise NotImplementedError

    def order_currency(self, shop_id: str) -> str:
        return "USD"

    def order_new_id(self, book: OrderBook) -> str:
        return str(book.next_number())

    def order_refusal(self, kind: str, message: str) -> OrderRefused:
        """The marketplace's own error for an order it would not take (`kind`: unknown_sku, out_of_stock)."""
        return OrderRefused(400, {"error": kind, "message": message})

    def order_status(self, order: Mapping[str, Any]) -> str:
        """The marketplace's raw status of an order (what its API and webhooks say)."""
        raise NotImplementedError

    def order_webhook(self, order: Mapping[str, Any], event: str, hook: Mapping[str, Any]) -> tuple[bytes, dict]:
        """(body, headers) of one signed webhook delivery for an order event; NotImplementedError: no webhooks."""
        raise NotImplementedError

    def order_webhook_secret(self, shop_id: str) -> str:
        """The secret this marketplace signs webhooks of the shop with ("" when a subscription makes its own)."""
        return ""


class OrderBook:
    """The orders of one marketplace, in a neutral shape (see `place`)."""

    def __init__(self, module: MarketplaceModule) -> None:
        self.module = module
        self.orders: dict[str, dict[str, Any]] = {}
        self.hooks: dict[str, dict[str, Any]] = {}  # shop id -> {"url", "secret", "retry_delays"}
        self.deliveries: list[dict[str, Any]] = []
        self._number = 0
        self._seq = 0

    @property
    def market(self) -> OrderMarket:
        if not isinstance(self.module, OrderMarket):
            raise ValueError(f"The sandbox has no orders on {self.module.code} yet.")
        return self.module

    def next_number(self) -> int:
        self._number += 1
        return self._number

    def touch(self, order: dict[str, Any]) -> None:
        """Stamp the order's update time: the sandbox clock, strictly increasing so `updated since` filters and
        update-time sorting are stable even for events in the same second."""
        self._seq += 1
        order["updated_at"] = max(self.module.now(), order.get("updated_at", 0) + 0.001)
        order["_seq"] = self._seq

    # --- buyer actions ---

    def place(self, shop_id: str | None, lines: list[Mapping[str, Any]], paid: bool) -> dict[str, Any]:
        market = self.market
        shop = str(shop_id or market.order_default_shop())
        if not lines:
            raise ValueError("'lines' needs at least one {sku, quantity}.")
        wanted: dict[str, int] = {}
        for line in lines:
            sku, quantity = str(line.get("sku") or ""), int(line.get("quantity") or 0)
            if not sku or quantity < 1:
                raise ValueError("Each line needs a 'sku' and a 'quantity' of at least 1.")
            wanted[sku] = wanted.get(sku, 0) + quantity
        refs: dict[str, StockRef] = {}
        for sku, quantity in wanted.items():
            ref = market.order_stock(shop, sku)
            if ref is None:
                raise market.order_refusal("unknown_sku", f"No item with SKU {sku} in shop {shop}.")
            if quantity > ref.quantity:
                raise market.order_refusal(
                    "out_of_stock", f"Only {ref.quantity} of SKU {sku} available, {quantity} ordered."
                )
            refs[sku] = ref
        now = self.module.now()
        order_id = market.order_new_id(self)
        order: dict[str, Any] = {
            "id": order_id,
            "shop_id": shop,
            "currency": market.order_currency(shop),
            "placed_at": now,
            "paid_at": None,
            "cancelled_at": None,
            "shipped_at": None,
            "delivered_at": None,
            "updated_at": now,
            "buyer": _buyer(self._number),
            "lines": [],
            "refunds": [],
            "shipments": [],
        }
        for index, (sku, quantity) in enumerate(wanted.items(), start=1):
            ref = refs[sku]
            market.order_set_stock(ref, ref.quantity - quantity)
            order["lines"].append(
                {
                    "line_id": f"{order_id}{index:02d}",
                    "sku": sku,
                    "title": ref.title,
                    "quantity": quantity,
                    "unit_price": str(ref.price),
                    "cancelled": 0,
                    "shipped": 0,
                    "refunded": 0,
                    "restocked": 0,
                }
            )
        if paid:
            order["paid_at"] = now
        self.orders[order_id] = order
        self.touch(order)
        self.notify(order, "paid" if paid else "created")
        return order

    def act(self, order_id: str, action: str, lines: list[Mapping[str, Any]] | None) -> dict[str, Any]:
        order = self.orders.get(str(order_id))
        if order is None:
            raise ValueError(f"No {self.module.code} order {order_id}.")
        if action not in ACTIONS:
            raise ValueError(f"Unknown order action '{action}'; one of {', '.join(ACTIONS)}.")
        now = self.module.now()
        if action == "pay":
            if order["paid_at"] is not None or order["cancelled_at"] is not None:
                raise ValueError("Only an unpaid, open order can be paid.")
            order["paid_at"] = now
        elif action == "deliver":
            if order["shipped_at"] is None:
                raise ValueError("Only a shipped order can be delivered.")
            order["delivered_at"] = now
        else:
            picked = self._pick(order, action, lines)
            getattr(self, f"_{action}")(order, picked, now)
        self.touch(order)
        self.notify(order, action)
        return order

    def _pick(
        self, order: dict[str, Any], action: str, lines: list[Mapping[str, Any]] | None
    ) -> list[tuple[dict[str, Any], int, bool]]:
        """(line, quantity, restock) per line the action applies to; all that it can apply to when no lines."""
        room = {
            "cancel": lambda li: li["quantity"] - li["cancelled"] - li["shipped"],
            "ship": lambda li: li["quantity"] - li["cancelled"] - li["shipped"],
            "refund": lambda li: li["quantity"] - li["cancelled"] - li["refunded"],
        }[action]
        if action == "cancel" and lines and not self.market.partial_cancel:
            raise ValueError(f"{self.module.code} cancels whole orders only; send no 'lines'.")
        by_sku = {li["sku"]: li for li in order["lines"]}
        if not lines:
            picked = [(li, room(li), action == "refund") for li in order["lines"] if room(li) > 0]
        else:
            picked = []
            for entry in lines:
                line = by_sku.get(str(entry.get("sku") or ""))
                if line is None:
                    raise ValueError(f"Order {order['id']} has no line with SKU {entry.get('sku')!r}.")
                quantity = int(entry.get("quantity") or room(line))
                if quantity < 1 or quantity > room(line):
                    raise ValueError(f"SKU {line['sku']}: can {action} 1 to {room(line)} units, not {quantity}.")
                picked.append((line, quantity, bool(entry.get("restock", True))))
        if not picked:
            raise ValueError(f"Nothing left to {action} on order {order['id']}.")
        if action == "ship" and order["paid_at"] is None:
            raise ValueError("An unpaid order cannot ship.")
        return picked

    def _restock(self, order: dict[str, Any], sku: str, quantity: int) -> None:
        ref = self.market.order_stock(order["shop_id"], sku)
        if ref is not None:  # the item may have been deleted since
            self.market.order_set_stock(ref, ref.quantity + quantity)

    def _cancel(self, order: dict[str, Any], picked: list[tuple[dict[str, Any], int, bool]], now: float) -> None:
        for line, quantity, _ in picked:
            line["cancelled"] += quantity
            self._restock(order, line["sku"], quantity)
        if all(li["cancelled"] == li["quantity"] for li in order["lines"]):
            order["cancelled_at"] = now

    def _ship(self, order: dict[str, Any], picked: list[tuple[dict[str, Any], int, bool]], now: float) -> None:
        shipment: dict[str, Any] = {"id": f"{order['id']}S{len(order['shipments']) + 1}", "at": now, "lines": []}
        for line, quantity, _ in picked:
            line["shipped"] += quantity
            shipment["lines"].append({"line_id": line["line_id"], "sku": line["sku"], "quantity": quantity})
        order["shipments"].append(shipment)
        order["shipped_at"] = order["shipped_at"] or now

    def _refund(self, order: dict[str, Any], picked: list[tuple[dict[str, Any], int, bool]], now: float) -> None:
        if order["paid_at"] is None:
            raise ValueError("An unpaid order cannot be refunded; cancel it.")
        refund: dict[str, Any] = {"id": f"{order['id']}R{len(order['refunds']) + 1}", "at": now, "lines": []}
        for line, quantity, restock in picked:
            line["refunded"] += quantity
            if restock:
                line["restocked"] += quantity
                self._restock(order, line["sku"], quantity)
            amount = Decimal(line["unit_price"]) * quantity
            refund["lines"].append(
                {
                    "line_id": line["line_id"],
                    "sku": line["sku"],
                    "quantity": quantity,
                    "restock": restock,
                    "amount": str(amount),
                }
            )
        order["refunds"].append(refund)

    # --- reading ---

    def for_shop(self, shop_id: str) -> list[dict[str, Any]]:
        """The shop's orders, oldest update first."""
        return sorted((o for o in self.orders.values() if o["shop_id"] == shop_id), key=lambda o: o["_seq"])

    def public(self, order: Mapping[str, Any]) -> dict[str, Any]:
        view = {k: v for k, v in order.items() if not k.startswith("_")}
        view["order_id"] = order["id"]
        view["status"] = self.market.order_status(order)
        return view

    # --- webhooks ---

    def subscribe(self, shop_id: str, url: str, retry_delays: list[float] | None) -> dict[str, Any]:
        if not url.startswith(("http://", "https://")):
            raise ValueError("'url' must be an http(s) URL.")
        secret = self.market.order_webhook_secret(shop_id) or f"whsec_{self.module.new_request_id()}"
        delays = DEFAULT_RETRY_DELAYS if retry_delays is None else tuple(float(d) for d in retry_delays)
        self.hooks[shop_id] = {"url": url, "secret": secret, "retry_delays": delays}
        return {"url": url, "secret": secret}

    def notify(self, order: dict[str, Any], event: str) -> None:
        hook = self.hooks.get(order["shop_id"])
        if hook is None:
            return
        try:
            body, headers = self.market.order_webhook(order, event, hook)
        except NotImplementedError:
            return
        delivery = {
            "marketplace": self.module.code,
            "shop_id": order["shop_id"],
            "order_id": order["id"],
            "event": event,
            "url": hook["url"],
            "attempts": [],
            "headers": headers,
            "body": body.decode(),
        }
        self.deliveries.append(delivery)
        threading.Thread(target=_deliver, args=(delivery, body, headers, hook["retry_delays"]), daemon=True).start()


def _deliver(delivery: dict[str, Any], body: bytes, headers: dict, delays: tuple[float, ...]) -> None:
    """POST the delivery; retry on a non-2xx answer or a connection error after each of `delays`."""
    for wait in (0.0, *delays):
        time.sleep(wait)
        request = urllib.request.Request(
            delivery["url"], data=body, headers={"Content-Type": "application/json", **headers}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 - URL is the shop's own setting
                status = answer.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except OSError:
            status = 0
        delivery["attempts"].append(status)
        if 200 <= status < 300:
            return


def _buyer(number: int) -> dict[str, str]:
    """A sandbox buyer: the fields fulfilment needs, nothing more."""
    return {
        "id": f"buyer-{number}",
        "name": f"Sandbox Buyer {number}",
        "email": f"buyer{number}@example.test",
        "line1": f"{number} Market Street",
        "city": "Singapore",
        "postcode": "018956",
        "country": "SG",
        "phone": "+6560000000",
    }


# --- control API (docs/sandbox.md#orders) ---


def control(sandbox: Sandbox, req: Request) -> Response:
    """`/_control/orders...` and `/_control/webhooks`: the buyer side and webhook settings."""
    from .core import json_response

    parts = req.path.strip("/").split("/")
    try:
        data = req.json() if req.method == "POST" else {k: v[0] for k, v in req.query.items()}
        if not isinstance(data, dict):
            raise ValueError("Send a JSON object.")
        code = str(data.get("marketplace") or "")
        if not code:
            raise ValueError("'marketplace' is required.")
        module = sandbox.module(code)
        with sandbox.lock:
            book = module.order_book
            if parts[0] == "webhooks":
                if req.method == "GET":
                    return json_response(200, {"deliveries": [dict(d) for d in book.deliveries]})
                shop = str(data.get("shop_id") or book.market.order_default_shop())
                return json_response(200, book.subscribe(shop, str(data.get("url") or ""), data.get("retry_delays")))
            if req.method == "GET" and len(parts) == 1:
                wanted = str(data.get("shop_id") or "")
                return json_response(
                    200,
                    {"orders": [book.public(o) for o in book.orders.values() if wanted in ("", o["shop_id"])]},
                )
            if req.method != "POST":
                raise ValueError(f"Unknown control action {req.method} {req.path}.")
            if len(parts) == 1:
                order = book.place(data.get("shop_id"), list(data.get("lines") or []), bool(data.get("paid", True)))
            elif len(parts) == 3:
                order = book.act(parts[1], parts[2], data.get("lines"))
            else:
                raise ValueError("Use POST /_control/orders or /_control/orders/{order_id}/{action}.")
            return json_response(200, book.public(order))
    except OrderRefused as exc:
        return json_response(exc.status, exc.body)
    except (ValueError, TypeError, KeyError) as exc:
        return json_response(400, {"error": str(exc) or exc.__class__.__name__})
