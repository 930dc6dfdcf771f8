"""Shopee Open Platform v2: partner signing, 4 h / 30 d tokens, product APIs, REVIEWING.

Facts: docs/marketplaces/shopee.md.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Mapping
from typing import Any

from .. import taxonomy
from ..core import MarketplaceModule, RateSetting, Request, Response, TokenStore, json_response
from .shopee_models import ShopeeModels
from .shopee_orders import ShopeeOrders

ACCESS_TTL = 4 * 3600  # access token 4 hours (docs/marketplaces/shopee.md#credentials)
REFRESH_TTL = 30 * 86400  # refresh token 30 days, single use (docs/marketplaces/shopee.md#credentials)
# the old access token stays valid 5 more minutes after a refresh (docs/marketplaces/shopee.md#credentials)
OLD_ACCESS_GRACE = 300
TIMESTAMP_WINDOW = 300  # timestamp valid 5 minutes (docs/marketplaces/shopee.md#signing)
PUBLIC_PATHS = (
    "/api/v2/auth/token/get",
    "/api/v2/auth/access_token/get",
    "/api/v2/shop/auth_partner",
    "/api/v2/media_space/upload_image",  # signed as a public API (docs/marketplaces/shopee.md#signing)
)
# Per-category limits served by get_item_limit: the reference's sample values
# (docs/marketplaces/shopee.md#listing-limits).
LIMITS = {
    "name_min": 5,
    "name_max": 100,
    "images_min": 1,
    "images_max": 9,
    "desc_min": 10,
    "desc_max": 3000,
    "price_min": 0.1,
    "price_max": 10_000_000,
    "stock_max": 10_000_000,
}
NON_LEAF_CATEGORIES = {100001, 100002}  # parents: add_item on them fails with error_invalid_category
LISTED = ("NORMAL", "UNLIST", "REVIEWING", "BANNED")


def shopee_signature(partner_key: str, base: str) -> str:
    return hmac.new(partner_key.encode(), base.encode(), hashlib.sha256).hexdigest()


class ShopeeError(Exception):
    def __init__(self, error: str, message: str, status: int = 200) -> None:
        super().__init__(message)
        self.error, self.message, self.status = error, message, status


class ShopeeModule(ShopeeModels, ShopeeOrders, MarketplaceModule):
    code = "shopee"
    default_rate = RateSetting(rate=20.0, burst=20.0)  # unpublished (docs/marketplaces/shopee.md#rate-limits)

    def reset(self) -> None:
        super().reset()
        self.partners: dict[str, str] = {}  # partner_id -> partner_key
        self.shops: dict[str, str] = {}  # shop_id -> partner_id
        self.regions: dict[str, str] = {}  # shop_id -> region (option "region", default SG)
        self.tokens = TokenStore(self)
        self.item_store: dict[int, dict[str, Any]] = {}
        self.next_item_id = 3_000_000_001
        self.next_image = 1
        self.next_model_id = 9_000_000_001

    def add_account(self, shop_id: str, credentials: Mapping[str, str], **options: Any) -> dict[str, str]:
        partner_id = str(credentials["partner_id"])
        self.partners[partner_id] = credentials["partner_key"]
        self.shops[str(shop_id)] = partner_id
        self.regions[str(shop_id)] = str(options.get("region", "SG")).upper()
        access = self.tokens.issue("access", shop_id, ACCESS_TTL, credentials.get("access_token"))
        refresh = self.tokens.issue("refresh", shop_id, REFRESH_TTL, credentials.get("refresh_token"))
        return {**credentials, "access_token": access.value, "refresh_token": refresh.value}

    def expire_tokens(self, shop_id: str, which: str = "access") -> None:
        self.tokens.expire(shop_id, which)

    def server_error(self, req: Request, status: int) -> Response:
        return self._error(ShopeeError("error_server", "Something wrong. Please try later.", status))

    def _error(self, exc: ShopeeError, headers: Mapping[str, str] | None = None) -> Response:
        body = {"error": exc.error, "message": exc.message, "warning": "", "request_id": self.new_request_id()}
        return json_response(exc.status, body, headers)

    def _ok(self, response: Any = None, created: bool = False) -> Response:
        body: dict[str, Any] = {"error": "", "message": "", "warning": "", "request_id": self.new_request_id()}
        if response is not None:
            body["response"] = response
        return json_response(200, body, created=created)

    # --- request pipeline ---

    def handle(self, req: Request) -> Response:
        with self.lock:
            try:
                shop_id = self._authenticate(req)
                if shop_id:
                    wait = self.throttle(shop_id)
                    if wait > 0:
                        retry = str(max(1, math.ceil(wait)))
                        exc = ShopeeError("error_too_many_request", "Too many requests, please try later.", 429)
                        return self._error(exc, {"Retry-After": retry})
                return self._route(req, shop_id)
            except ShopeeError as exc:
                return self._error(exc)

    def _authenticate(self, req: Request) -> str:
        """Check partner_id, timestamp and sign (docs/marketplaces/shopee.md#signing); for shop APIs also the
        access token. Return shop_id."""
        if req.method not in ("GET", "POST"):
            raise ShopeeError("error_not_found", "Only GET and POST are supported.", 404)
        partner_id, timestamp, sign = req.arg("partner_id"), req.arg("timestamp"), req.arg("sign")
        for name, value in (("partner_id", partner_id), ("timestamp", timestamp), ("sign", sign)):
            if not value:
                raise ShopeeError("error_param", f"There is no {name} in query.", 400)
        partner_key = self.partners.get(partner_id)
        if partner_key is None:
            raise ShopeeError("error_param", "Invalid partner_id.", 400)
        if not timestamp.isdigit() or abs(self.wall() - int(timestamp)) > TIMESTAMP_WINDOW:
            raise ShopeeError("error_param", "Invalid timestamp.", 400)
        base = f"{partner_id}{req.path}{timestamp}"
        public = req.path in PUBLIC_PATHS or req.path.startswith("/api/v2/public/")
        shop_id, access_token = req.arg("shop_id"), req.arg("access_token")
        if not public:
            if not access_token or not shop_id:
                raise ShopeeError("error_param", "There is no access_token or shop_id in query.", 400)
            base += f"{access_token}{shop_id}"
        if not hmac.compare_digest(shopee_signature(partner_key, base), sign):
            raise ShopeeError("error_sign", "Wrong sign.", 403)
        if public:
            return ""
        req.log["shop_id"] = shop_id
        token = self.tokens.valid("access", access_token)
        if token is None or token.shop_id != shop_id or self.shops.get(shop_id) != partner_id:
            raise ShopeeError("error_auth", "Invalid access_token.", 403)
        return shop_id

    def _route(self, req: Request, shop_id: str) -> Response:
        routes = {
            ("POST", "/api/v2/auth/access_token/get"): self._refresh,
            ("POST", "/api/v2/auth/token/get"): self._token_get,
            ("GET", "/api/v2/shop/get_shop_info"): self._shop_info,
            ("GET", "/api/v2/product/get_item_limit"): self._item_limit,
            ("GET", "/api/v2/logistics/get_channel_list"): self._logistics,
            ("POST", "/api/v2/media_space/upload_image"): self._upload_image,
            ("POST", "/api/v2/product/add_item"): self._add_item,
            ("POST", "/api/v2/product/update_item"): self._update_item,
            ("POST", "/api/v2/product/delete_item"): self._delete_item,
            ("POST", "/api/v2/product/unlist_item"): self._unlist_item,
            ("POST", "/api/v2/product/update_price"): self._update_price,
            ("POST", "/api/v2/product/update_stock"): self._update_stock,
            ("GET", "/api/v2/product/get_item_base_info"): self._base_info,
            ("GET", "/api/v2/product/get_item_list"): self._item_list,
            ("POST", "/api/v2/product/init_tier_variation"): self._init_tier_variation,
            ("POST", "/api/v2/product/add_model"): self._add_model,
            ("POST", "/api/v2/product/update_model"): self._update_model,
            ("GET", "/api/v2/product/get_model_list"): self._get_model_list,
            ("GET", "/api/v2/product/get_category"): lambda r, s: self._ok(taxonomy.shopee_categories()),
            ("GET", "/api/v2/product/get_attribute_tree"): self._attribute_tree,
            ("GET", "/api/v2/order/get_order_list"): lambda r, s: self._ok(self.order_list(r, s)),
            ("GET", "/api/v2/order/get_order_detail"): lambda r, s: self._ok(self.order_detail(r, s)),
        }
        handler = routes.get((req.method, req.path))
        if handler is None:
            raise ShopeeError("error_not_found", f"Unknown api {req.method} {req.path}.", 404)
        req.log["op"] = req.path.rsplit("/", 1)[-1]
        return handler(req, shop_id)

    def _body(self, req: Request) -> dict[str, Any]:
        try:
            body = req.json()
        except ValueError:
            raise ShopeeError("error_param", "Request body is not valid JSON.", 400) from None
        if not isinstance(body, dict):
            raise ShopeeError("error_param", "Request body must be a JSON object.", 400)
        return body

    # --- auth ---

    def _refresh(self, req: Request, _shop: str) -> Response:
        body = self._body(req)
        shop_id = str(body.get("shop_id") or "")
        token = self.tokens.valid("refresh", str(body.get("refresh_token") or ""))
        if token is None or token.shop_id != shop_id or str(body.get("partner_id")) != self.shops.get(shop_id):
            raise ShopeeError("error_auth", "Invalid refresh_token.", 403)
        token.used = True  # single use (docs/marketplaces/shopee.md#credentials)
        for old in list(self.tokens._tokens.values()):
            if old.kind == "access" and old.shop_id == shop_id:
                old.expires_at = min(old.expires_at or math.inf, self.now() + OLD_ACCESS_GRACE)
        access = self.tokens.issue("access", shop_id, ACCESS_TTL)
        refresh = self.tokens.issue("refresh", shop_id, REFRESH_TTL)
        return json_response(
            200,
            {
                "access_token": access.value,
                "refresh_token": refresh.value,
                "expire_in": ACCESS_TTL,
                "partner_id": int(self.shops[shop_id]),
                "shop_id": int(shop_id),
                "error": "",
                "message": "",
                "request_id": self.new_request_id(),
            },
        )

    def _attribute_tree(self, req: Request, _shop: str) -> Response:
        """get_attribute_tree: `category_id_list`, 1 to 20 leaf ids (docs/sandbox.md#category-trees)."""
        try:
            return self._ok(taxonomy.shopee_attribute_tree(req.arg("category_id_list")))
        except ValueError as exc:
            raise ShopeeError("product.error_param", str(exc)) from None

    def _token_get(self, req: Request, _shop: str) -> Response:
        raise ShopeeError("error_param", "Invalid code.", 400)  # the sandbox has no seller login page

    def _shop_info(self, req: Request, shop_id: str) -> Response:
        body = {"shop_name": f"Sandbox shop {shop_id}", "region": self.regions.get(shop_id, "SG"), "status": "NORMAL"}
        return json_response(200, {**body, "error": "", "message": "", "request_id": self.new_request_id()})

    def _item_limit(self, req: Request, _shop: str) -> Response:
        return self._ok(
            {
                "price_limit": {"min_limit": LIMITS["price_min"], "max_limit": LIMITS["price_max"]},
                "stock_limit": {"min_limit": 0, "max_limit": LIMITS["stock_max"]},
                "item_name_length_limit": {"min_limit": LIMITS["name_min"], "max_limit": LIMITS["name_max"]},
                "item_image_count_limit": {"min_limit": LIMITS["images_min"], "max_limit": LIMITS["images_max"]},
                "item_description_length_limit": {"min_limit": LIMITS["desc_min"], "max_limit": LIMITS["desc_max"]},
            }
        )

    def _logistics(self, req: Request, _shop: str) -> Response:
        channels = [
            {"logistics_channel_id": 18028, "logistics_channel_name": "Standard Delivery", "enabled": True},
            {"logistics_channel_id": 18099, "logistics_channel_name": "Self Collection", "enabled": False},
        ]
        return self._ok({"logistics_channel_list": channels})

    def _upload_image(self, req: Request, _shop: str) -> Response:
        if b'name="image"' not in req.body or "multipart/form-data" not in req.header("Content-Type"):
            raise ShopeeError("error_param", "invalid field image: value must Not Null", 400)
        if len(req.body) > 10 * 1024 * 1024:
            raise ShopeeError("error_param", "image size exceeds 10 MB", 400)
        image_id = f"sg-11134201-sandbox{self.next_image:06d}"
        self.next_image += 1
        url = {"image_url_region": "SG", "image_url": f"https://cf.shopee.sg/file/{image_id}"}
        return self._ok({"image_info": {"image_id": image_id, "image_url_list": [url]}})

    # --- products ---

    def _validate(self, data: Mapping[str, Any], creating: bool) -> None:
        if "logistic_info" in data and not any(e.get("enabled") for e in data.get("logistic_info") or []):
            raise ShopeeError("product.error_param", "invalid field logistic_info: enable at least one channel")
        required = ("original_price", "description", "weight", "item_name", "logistic_info", "category_id", "image")
        if creating:
            for name in required:
                if data.get(name) in (None, "", [], {}):
                    raise ShopeeError("product.error_param", f"invalid field {name}: value must Not Null")
        if "item_name" in data:
            name = str(data["item_name"]).strip()
            if len(name) < LIMITS["name_min"]:
                raise ShopeeError("product.error_item_name_is_too_short", "Item name is too short.")
            if len(name) > LIMITS["name_max"]:
                raise ShopeeError(
                    "product.error_name_length_limit", f"Item name exceeds {LIMITS['name_max']} characters."
                )
        if "description" in data:
            length = len(str(data["description"]))
            if length < LIMITS["desc_min"]:
                raise ShopeeError("product.error_desc_length_min_limit", "Description is too short.")
            if length > LIMITS["desc_max"]:
                raise ShopeeError("product.error_param", "invalid field description: length exceeds the limit")
        if "image" in data:
            images = (data.get("image") or {}).get("image_id_list") or []
            if len(images) < LIMITS["images_min"]:
                raise ShopeeError("product.error_image_num_min", "At least one image is required.")
            if len(images) > LIMITS["images_max"]:
                raise ShopeeError("product.error_param", f"invalid field image_id_list: at most {LIMITS['images_max']}")
        if "original_price" in data:
            self._check_price(data["original_price"])
        if "category_id" in data:
            category = data["category_id"]
            if not isinstance(category, int) or category <= 0 or category in NON_LEAF_CATEGORIES:
                raise ShopeeError("product.error_invalid_category", "Category is invalid or not a leaf category.")
        if "weight" in data and not (isinstance(data["weight"], int | float) and data["weight"] > 0):
            raise ShopeeError("product.error_param", "invalid field weight: value must be greater than 0")

    def _check_price(self, price: Any) -> None:
        if not isinstance(price, int | float) or isinstance(price, bool):
            raise ShopeeError("product.error_param", "invalid field original_price: value must be a number")
        if price < LIMITS["price_min"]:
            raise ShopeeError("product.error_price_exceed_min_limitt", f"Price is below {LIMITS['price_min']}.")
        if price > LIMITS["price_max"]:
            raise ShopeeError("product.error_price_exceed_max_limit", f"Price is above {LIMITS['price_max']}.")

    def _stock_of(self, data: Mapping[str, Any]) -> int | None:
        entries = data.get("seller_stock")
        if not entries:
            return None
        stock = entries[0].get("stock")
        if not isinstance(stock, int) or stock < 0 or stock > LIMITS["stock_max"]:
            raise ShopeeError("product.error_param", "invalid field seller_stock.stock: out of range")
        return stock

    def _add_item(self, req: Request, shop_id: str) -> Response:
        data = self._body(req)
        self._validate(data, creating=True)
        stock = self._stock_of(data) or 0
        sku = str(data.get("item_sku") or "")
        now = int(self.now())
        item = {
            "item_id": self.next_item_id,
            "shop_id": shop_id,
            "item_sku": sku,
            "item_name": str(data["item_name"]),
            "description": str(data["description"]),
            "category_id": data["category_id"],
            "original_price": float(data["original_price"]),
            "stock": stock,
            "weight": data["weight"],
            "image_id_list": list(data["image"]["image_id_list"]),
            "item_status": "UNLIST" if data.get("item_status") == "UNLIST" else "NORMAL",
            "create_time": now,
            "update_time": now,
        }
        self.next_item_id += 1
        if self.start_review(item):
            item["item_status"] = "REVIEWING"
        self.item_store[item["item_id"]] = item
        return self._ok(self._public(item), created=True)

    def _find(self, item_id: Any, shop_id: str) -> dict[str, Any]:
        try:
            item = self.item_store.get(int(item_id))
        except (TypeError, ValueError):
            item = None
        if item is None or item["shop_id"] != shop_id or item["item_status"] in ("SELLER_DELETE", "SHOPEE_DELETE"):
            raise ShopeeError("product.error_item_not_found", f"Item {item_id} not found.")
        self._settle(item)
        return item

    def _settle(self, item: dict[str, Any]) -> None:
        outcome = self.review_due(item)
        if outcome is not None and item["item_status"] == "REVIEWING":
            item["item_status"] = "NORMAL" if outcome == "approve" else "BANNED"
            item["update_time"] = int(item.pop("_reviewed_at", self.now()))
            if outcome == "reject":
                item["_reasons"] = self.rejection_reasons()

    def _update_item(self, req: Request, shop_id: str) -> Response:
        data = self._body(req)
        item = self._find(data.get("item_id"), shop_id)
        self._validate(data, creating=False)
        stock = self._stock_of(data)
        for key in ("item_name", "description", "category_id", "weight", "item_sku"):
            if key in data:
                item[key] = data[key]
        if "original_price" in data:
            item["original_price"] = float(data["original_price"])
        if "image" in data:
            item["image_id_list"] = list(data["image"]["image_id_list"])
        if stock is not None:
            item["stock"] = stock
        if data.get("item_status") in ("NORMAL", "UNLIST") and item["item_status"] in ("NORMAL", "UNLIST"):
            item["item_status"] = data["item_status"]
        item["update_time"] = int(self.now())
        return self._ok(self._public(item))

    def _delete_item(self, req: Request, shop_id: str) -> Response:
        item = self._find(self._body(req).get("item_id"), shop_id)
        item["item_status"] = "SELLER_DELETE"
        item["update_time"] = int(self.now())
        return self._ok()

    def _unlist_item(self, req: Request, shop_id: str) -> Response:
        entries = self._body(req).get("item_list") or []
        if not 1 <= len(entries) <= 50:
            raise ShopeeError("product.error_param", "invalid field item_list: 1 to 50 items", 400)
        success, failure = [], []
        for entry in entries:
            try:
                item = self._find(entry.get("item_id"), shop_id)
            except ShopeeError as exc:
                failure.append({"item_id": entry.get("item_id"), "failed_reason": exc.message})
                continue
            item["item_status"] = "UNLIST" if entry.get("unlist", True) else "NORMAL"
            item["update_time"] = int(self.now())
            success.append({"item_id": item["item_id"], "unlist": item["item_status"] == "UNLIST"})
        return self._ok({"success_list": success, "failure_list": failure})

    def _update_price(self, req: Request, shop_id: str) -> Response:
        data = self._body(req)
        item = self._find(data.get("item_id"), shop_id)
        entries = data.get("price_list") or []
        if not 1 <= len(entries) <= 50:
            raise ShopeeError("product.error_param", "invalid field price_list: 1 to 50 models", 400)
        success, failure = [], []
        for entry in entries:
            try:
                target = self.model_target(item, entry.get("model_id", 0))
                self._check_price(entry.get("original_price"))
            except ShopeeError as exc:
                failure.append({"model_id": entry.get("model_id"), "failed_reason": exc.message})
                continue
            target["original_price"] = float(entry["original_price"])
            success.append({"model_id": entry.get("model_id", 0), "original_price": target["original_price"]})
        item["update_time"] = int(self.now())
        return self._ok({"success_list": success, "failure_list": failure})

    def _update_stock(self, req: Request, shop_id: str) -> Response:
        data = self._body(req)
        item = self._find(data.get("item_id"), shop_id)
        entries = data.get("stock_list") or []
        if not 1 <= len(entries) <= 50:
            raise ShopeeError("product.error_param", "invalid field stock_list: 1 to 50 models", 400)
        success, failure = [], []
        for entry in entries:
            try:
                target = self.model_target(item, entry.get("model_id", 0))
                stock = self._stock_of(entry)
                if stock is None:
                    raise ShopeeError("product.error_param", "invalid field seller_stock: value must Not Null")
            except ShopeeError as exc:
                failure.append({"model_id": entry.get("model_id"), "failed_reason": exc.message})
                continue
            target["stock"] = stock
            success.append({"model_id": entry.get("model_id", 0), "location_id": "", "stock": stock})
        item["update_time"] = int(self.now())
        return self._ok({"success_list": success, "failure_list": failure})

    def _base_info(self, req: Request, shop_id: str) -> Response:
        raw = [part for value in req.query.get("item_id_list", []) for part in value.split(",") if part]
        if not 1 <= len(raw) <= 50:
            raise ShopeeError("product.error_param", "invalid field item_id_list: 1 to 50 ids", 400)
        found = []
        for item_id in raw:
            item = self.item_store.get(int(item_id)) if item_id.isdigit() else None
            if item is not None and item["shop_id"] == shop_id:
                self._settle(item)
                found.append(self._public(item))
        return self._ok({"item_list": found})

    def _item_list(self, req: Request, shop_id: str) -> Response:
        statuses = req.query.get("item_status") or []
        offset_raw, size_raw = req.arg("offset", "0"), req.arg("page_size", "")
        if not statuses:
            raise ShopeeError("product.error_param", "invalid field item_status: value must Not Null", 400)
        if not offset_raw.isdigit() or not size_raw.isdigit() or not 1 <= int(size_raw) <= 100:
            raise ShopeeError("product.error_param", "invalid field page_size: 1 to 100; offset >= 0", 400)
        offset, size = int(offset_raw), int(size_raw)
        for item in self.item_store.values():
            self._settle(item)
        matching = [i for i in sorted(self.item_store.values(), key=lambda i: i["item_id"]) if i["shop_id"] == shop_id]
        matching = [i for i in matching if i["item_status"] in statuses]
        window = _time_window(req.arg("update_time_from"), req.arg("update_time_to"))
        if window is not None:
            matching = [i for i in matching if window[0] <= i["update_time"] <= window[1]]
        page = matching[offset : offset + size]
        more = offset + size < len(matching)
        return self._ok(
            {
                "item": [
                    {"item_id": i["item_id"], "item_status": i["item_status"], "update_time": i["update_time"]}
                    for i in page
                ],
                "total_count": len(matching),
                "has_next_page": more,
                "next_offset": offset + size if more else 0,
            }
        )

    def _public(self, item: Mapping[str, Any]) -> dict[str, Any]:
        price = item["original_price"]
        public = {
            "item_id": item["item_id"],
            "item_sku": item["item_sku"],
            "item_name": item["item_name"],
            "description": item["description"],
            "category_id": item["category_id"],
            "item_status": item["item_status"],
            "price_info": [{"currency": "SGD", "original_price": price, "current_price": price}],
            "stock_info_v2": {"seller_stock": [{"location_id": "", "stock": item["stock"]}]},
            "weight": item["weight"],
            "image": {"image_id_list": list(item["image_id_list"])},
            "create_time": item["create_time"],
            "update_time": item["update_time"],
            "has_model": bool(item.get("models")),
            "deboost": bool(item.get("deboost")),
            # Sandbox assumption (docs/marketplaces/shopee.md#remote-status): why Shopee banned or deboosted it.
            "item_violation_reasons": list(item.get("_reasons") or []),
        }
        if item.get("models"):  # prices and stock are the models' (get_model_list), not the item's
            public.pop("price_info")
            public.pop("stock_info_v2")
        return public

    # --- control ---

    def items(self) -> list[dict[str, Any]]:
        for item in self.item_store.values():
            self._settle(item)
        return [{k: v for k, v in item.items() if not k.startswith("_")} for item in self.item_store.values()]

    def set_remote_state(self, item_id: str, state: str, reasons: list[str]) -> dict[str, Any]:
        """Shopee bans (rejected), deboosts (suppressed), unlists or deletes an item by itself."""
        item = self.item_store.get(int(item_id)) if item_id.isdigit() else None
        if item is None:
            raise ValueError(f"No Shopee item {item_id}.")
        status = {"live": "NORMAL", "inactive": "UNLIST", "suppressed": "NORMAL", "rejected": "BANNED"}
        item["item_status"] = status.get(state, "SHOPEE_DELETE")
        item["deboost"] = state == "suppressed"
        item["_reasons"] = (reasons or self.rejection_reasons()) if state in ("suppressed", "rejected") else []
        item["update_time"] = int(self.now())
        return self._public(item)

    def edit_item(self, item_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        item = self.item_store.get(int(item_id)) if item_id.isdigit() else None
        if item is None:
            raise ValueError(f"No Shopee item {item_id}.")
        allowed = {"item_name", "description", "original_price", "stock", "item_status", "item_sku"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"Cannot edit {sorted(unknown)}; editable: {sorted(allowed)}.")
        item.update(changes)
        item["update_time"] = int(self.now())
        return dict(item)


WINDOW_MAX = 15 * 24 * 3600  # update_time_from..update_time_to at most 15 days (docs/marketplaces/shopee.md)


def _time_window(start: str, end: str) -> tuple[int, int] | None:
    """get_item_list's update_time_from/update_time_to (unix seconds, both or neither, at most 15 days apart)."""
    if not start and not end:
        return None
    if not (start.isdigit() and end.isdigit()):
        raise ShopeeError("product.error_param", "update_time_from and update_time_to must both be unix seconds", 400)
    if int(end) < int(start) or int(end) - int(start) > WINDOW_MAX:
        raise ShopeeError("product.error_param", "update_time_to must be within 15 days after update_time_from", 400)
    return int(start), int(end)


MODULE = ShopeeModule
