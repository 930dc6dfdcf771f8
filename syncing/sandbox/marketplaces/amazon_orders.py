"""Amazon SP-API Orders v0 in the sandbox: getOrders (`LastUpdatedAfter`/`CreatedAfter` families, the 2-minute
rule, `NextToken` that needs the same filters) and getOrderItems. Amazon has no HTTP order webhooks (SQS /
EventBridge), so nothing is sent. Facts and sandbox assumptions: docs/marketplaces/amazon.md#orders.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from ..core import Request, Response
from ..orders import OrderBook, OrderMarket, OrderRefused, StockRef

ORDERS_PATH = "/orders/v0/orders"
ORDER_ITEMS = re.compile(r"/orders/v0/orders/(?P<order>[^/]+)/orderItems")
BEFORE_MARGIN = 120  # `…Before` must be at least two minutes before now
STATUSES = (
    "PendingAvailability",
    "Pending",
    "Unshipped",
    "PartiallyShipped",
    "Shipped",
    "InvoiceUnconfirmed",
    "Canceled",
    "Unfulfillable",
)
FILTER_KEYS = ("CreatedAfter", "CreatedBefore", "LastUpdatedAfter", "LastUpdatedBefore", "OrderStatuses")


def _iso(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    return dt.datetime.fromtimestamp(timestamp, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(text: str) -> float | None:
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).timestamp()


class AmazonOrders(OrderMarket):
    """Mixed into AmazonModule (which provides sellers, listings, tokens, now(), _json and _errors)."""

    sellers: dict[str, dict[str, Any]]
    listings: dict[tuple[str, str], dict[str, Any]]
    order_book: OrderBook
    _json: Callable[..., Response]
    partial_cancel = False  # a buyer cancels a whole order (BuyerRequestedCancel)

    def order_default_shop(self) -> str:
        return next(iter(self.sellers), "")

    def order_stock(self, shop_id: str, sku: str) -> StockRef | None:
        item = self.listings.get((shop_id, sku))
        live = (item or {}).get("live")
        if not item or not live:
            return None
        stock = live["attributes"].get("fulfillment_availability") or [{"quantity": 0}]
        offer = live["attributes"].get("purchasable_offer") or []
        price = offer[0]["our_price"][0]["schedule"][0]["value_with_tax"] if offer else 0
        title = str((live["attributes"].get("item_name") or [{}])[0].get("value") or "")
        return StockRef(int(stock[0].get("quantity") or 0), Decimal(str(price)), title, item)

    def order_set_stock(self, ref: StockRef, quantity: int) -> None:
        for attributes in (ref.target["attributes"], ref.target["live"]["attributes"]):
            stock = attributes.get("fulfillment_availability") or [{"fulfillment_channel_code": "DEFAULT"}]
            attributes["fulfillment_availability"] = [{**stock[0], "quantity": quantity}]

    def order_currency(self, shop_id: str) -> str:
        from .amazon import CURRENCY_BY_MARKETPLACE

        return CURRENCY_BY_MARKETPLACE.get(self.sellers.get(shop_id, {}).get("marketplace_id", ""), "USD")

    def order_new_id(self, book: OrderBook) -> str:
        number = book.next_number()
        return f"113-{5_000_000 + number:07d}-{7_000_000 + number:07d}"  # 3-7-7

    def order_refusal(self, kind: str, message: str) -> OrderRefused:
        # Sandbox assumption: the buyer side has no documented API; the body is SP-API's `errors` shape.
        code = "QuantityUnavailable" if kind == "out_of_stock" else "InvalidInput"
        return OrderRefused(400, {"errors": [{"code": code, "message": message, "details": ""}]})

    def order_status(self, order: Mapping[str, Any]) -> str:
        if order["cancelled_at"] is not None:
            return "Canceled"
        if order["paid_at"] is None:
            return "Pending"
        to_ship = sum(li["quantity"] - li["cancelled"] for li in order["lines"])
        shipped = sum(li["shipped"] for li in order["lines"])
        if shipped and shipped >= to_ship:
            return "Shipped"
        return "PartiallyShipped" if shipped else "Unshipped"

    def _order(self, order: Mapping[str, Any]) -> dict[str, Any]:
        status = self.order_status(order)
        total = sum((Decimal(li["unit_price"]) * li["quantity"] for li in order["lines"]), Decimal("0"))
        shipped = sum(li["shipped"] for li in order["lines"])
        out: dict[str, Any] = {
            "AmazonOrderId": order["id"],
            "PurchaseDate": _iso(order["placed_at"]),
            "LastUpdateDate": _iso(order["updated_at"]),
            "OrderStatus": status,
            "FulfillmentChannel": "MFN",
            "SalesChannel": "Amazon.com",
            "MarketplaceId": self.sellers[order["shop_id"]]["marketplace_id"],
            "NumberOfItemsShipped": shipped,
            "NumberOfItemsUnshipped": sum(li["quantity"] - li["cancelled"] for li in order["lines"]) - shipped,
            "OrderType": "StandardOrder",
            "IsPrime": False,
            "IsBusinessOrder": False,
            "IsReplacementOrder": False,
        }
        if status != "Pending":  # prices are not returned while Pending
            out["OrderTotal"] = {"CurrencyCode": order["currency"], "Amount": str(total.quantize(Decimal("0.01")))}
            out["PaymentMethod"] = "Other"
        return out

    def _order_items(self, order: Mapping[str, Any]) -> list[dict[str, Any]]:
        pending = order["paid_at"] is None
        items: list[dict[str, Any]] = []
        for line in order["lines"]:
            item: dict[str, Any] = {
                "ASIN": f"B0{hashlib.sha1(line['sku'].encode(), usedforsecurity=False).hexdigest()[:8].upper()}",
                "SellerSKU": line["sku"],
                "OrderItemId": f"{line['line_id']}{len(items):02d}",
                "Title": line["title"],
                "QuantityOrdered": line["quantity"],
                "QuantityShipped": line["shipped"],
                "ConditionId": "New",
                "IsGift": "false",
                "BuyerRequestedCancel": {
                    "IsBuyerRequestedCancel": "true" if order["cancelled_at"] else "false",
                    "BuyerCancelReason": "Changed my mind" if order["cancelled_at"] else "",
                },
            }
            if not pending:
                money = Decimal(line["unit_price"]) * line["quantity"]
                item["ItemPrice"] = {"CurrencyCode": order["currency"], "Amount": str(money.quantize(Decimal("0.01")))}
                item["ItemTax"] = {"CurrencyCode": order["currency"], "Amount": "0.00"}
                item["ShippingPrice"] = {"CurrencyCode": order["currency"], "Amount": "0.00"}
            items.append(item)
        return items

    # --- endpoints ---

    def orders_request(self, req: Request) -> Response:
        """Authenticate (the seller is the token's), throttle per operation, then getOrders or getOrderItems."""
        from .amazon import AmazonError

        try:
            value = req.header("x-amz-access-token")
            token = self.tokens.get("access", value) if value else None  # type: ignore[attr-defined]
            # the seller is the token's; _authenticate answers missing, invalid and expired tokens as for listings
            seller = self._authenticate(req, token.shop_id if token else "")  # type: ignore[attr-defined]
            match = ORDER_ITEMS.fullmatch(req.path)
            op = "getOrderItems" if match else "getOrders"
            req.log.update(shop_id=seller, op=op)
            if req.method != "GET" or (match is None and req.path != ORDERS_PATH):
                raise AmazonError(404, "NotFound", f"Resource {req.path} is not found.")
            if self.throttle(f"{seller}:{op}") > 0:  # type: ignore[attr-defined]
                raise AmazonError(429, "QuotaExceeded", "You exceeded your quota for the requested resource.")
            if match:
                return self._get_order_items(match["order"], seller)
            return self._get_orders(req, seller)
        except AmazonError as exc:
            return self._errors(exc)  # type: ignore[attr-defined,no-any-return]

    def _get_orders(self, req: Request, seller: str) -> Response:
        from .amazon import AmazonError

        def bad(message: str) -> AmazonError:
            return AmazonError(400, "InvalidInput", message)

        ids = [m for m in req.arg("MarketplaceIds").split(",") if m]
        if not ids:
            raise bad("MarketplaceIds is required.")
        if ids != [self.sellers[seller]["marketplace_id"]]:
            raise bad(f"Invalid MarketplaceIds: {','.join(ids)}.")
        filters = {k: req.arg(k) for k in FILTER_KEYS if req.arg(k)}
        created = {k for k in filters if k.startswith("Created")}
        updated = {k for k in filters if k.startswith("LastUpdated")}
        if created and updated:
            raise bad("CreatedAfter/CreatedBefore and LastUpdatedAfter/LastUpdatedBefore cannot be combined.")
        family = "LastUpdated" if updated else "Created"
        after_text = filters.get(f"{family}After")
        if not after_text:
            raise bad("Either CreatedAfter or LastUpdatedAfter must be specified.")
        after = _parse(after_text)
        if after is None:
            raise bad(f"{family}After is not a valid ISO 8601 date.")
        latest = self.now() - BEFORE_MARGIN  # type: ignore[attr-defined]
        before = latest
        if filters.get(f"{family}Before"):
            parsed = _parse(filters[f"{family}Before"])
            if parsed is None or parsed < after:
                raise bad(f"{family}Before must be a date after {family}After.")
            if parsed > latest:
                raise bad(f"{family}Before must be at least 2 minutes before the current time.")
            before = parsed
        statuses = [s for s in filters.get("OrderStatuses", "").split(",") if s]
        if any(s not in STATUSES for s in statuses):
            raise bad(f"OrderStatuses must be among {', '.join(STATUSES)}.")
        size_text = req.arg("MaxResultsPerPage") or "100"
        if not size_text.isdigit() or not 1 <= int(size_text) <= 100:
            raise bad("MaxResultsPerPage must be 1 to 100.")
        fingerprint = hashlib.sha256(json.dumps(filters, sort_keys=True).encode()).hexdigest()[:16]
        offset = 0
        if req.arg("NextToken"):
            try:
                token = json.loads(base64.b64decode(req.arg("NextToken")))
                offset, same = int(token["o"]), token["f"] == fingerprint
            except (ValueError, KeyError, TypeError):
                same = False
            if not same:
                raise bad("Invalid NextToken (send the same filters as the first call).")
        key = "updated_at" if family == "LastUpdated" else "placed_at"
        orders = [
            o
            for o in self.order_book.for_shop(seller)
            if after <= o[key] <= before and (not statuses or self.order_status(o) in statuses)
        ]
        orders.sort(key=lambda o: (o[key], o["_seq"]))
        size = int(size_text)
        page = orders[offset : offset + size]
        payload: dict[str, Any] = {"Orders": [self._order(o) for o in page], f"{family}Before": _iso(before)}
        if offset + size < len(orders):
            payload["NextToken"] = base64.b64encode(
                json.dumps({"o": offset + size, "f": fingerprint}).encode()
            ).decode()
        return self._json(200, {"payload": payload})

    def _get_order_items(self, order_id: str, seller: str) -> Response:
        from .amazon import AmazonError

        order = self.order_book.orders.get(order_id)
        if order is None or order["shop_id"] != seller:
            raise AmazonError(404, "NotFound", f"Order {order_id} is not found.")
        return self._json(200, {"payload": {"AmazonOrderId": order_id, "OrderItems": self._order_items(order)}})
