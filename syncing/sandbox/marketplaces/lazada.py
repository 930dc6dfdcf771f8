"""Lazada Open Platform (docs/marketplaces/lazada.md): HMAC signing, 30 d / 180 d tokens, product APIs, Pending QC."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from .. import taxonomy
from ..core import MarketplaceModule, RateSetting, Request, Response, TokenStore, json_response
from .lazada_orders import LazadaOrders

ACCESS_TTL = 30 * 86400  # online app: access 30 days (docs/marketplaces/lazada.md#credentials)
REFRESH_TTL = 180 * 86400  # 180 days, not extended by a refresh (docs/marketplaces/lazada.md#credentials)
TIMESTAMP_WINDOW = 7200  # within 7200 s of UTC (docs/marketplaces/lazada.md#signing)
NAME_MAX = 255  # (docs/marketplaces/lazada.md#listing-limits)
IMAGES_MAX = 8  # error 4169 (docs/marketplaces/lazada.md#listing-limits)
BATCH_MAX = 50  # price_quantity/update, remove: max 50 SKUs (docs/marketplaces/lazada.md#endpoints)
PAGE_MAX = 50  # /products/get limit (docs/marketplaces/lazada.md#endpoints)
NON_LEAF_CATEGORIES = {10000001, 10000002}
IMAGE_HOST = "https://sg-test-11.slatic.net/p/"  # Lazada-hosted image URLs (after /image/migrate)
AUTH_PATHS = ("/auth/token/create", "/auth/token/refresh")
STATUS_FILTERS = {
    "all": None,
    "live": {"Active"},
    "inactive": {"InActive"},
    "deleted": {"Deleted"},
    "pending": {"Pending QC"},
    "rejected": {"Rejected"},
}


def lazada_signature(app_secret: str, api_path: str, params: Mapping[str, str], skip_empty: bool = False) -> str:
    text = api_path + "".join(f"{k}{params[k]}" for k in sorted(params) if not (skip_empty and params[k] == ""))
    return hmac.new(app_secret.encode(), text.encode(), hashlib.sha256).hexdigest().upper()


SHORT_DESCRIPTION_TAG = re.compile(r"</?\s*([A-Za-z0-9]+)")  # docs/marketplaces/lazada.md#content-fields


class LazadaError(Exception):
    def __init__(self, code: str, message: str, kind: str = "ISV", detail: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.kind, self.detail = code, message, kind, detail


class LazadaModule(LazadaOrders, MarketplaceModule):
    code = "lazada"
    default_rate = RateSetting(rate=20.0, burst=20.0)  # QPS unpublished (docs/marketplaces/lazada.md#rate-limits)

    def reset(self) -> None:
        super().reset()
        self.apps: dict[str, str] = {}  # app_key -> app_secret
        self.tokens = TokenStore(self)
        self.products: dict[int, dict[str, Any]] = {}
        self.next_item_id = 3_069_252_927
        self.next_sku_id = 15_298_395_971

    def add_account(self, shop_id: str, credentials: Mapping[str, str], **options: Any) -> dict[str, str]:
        self.apps[str(credentials["app_key"])] = credentials["app_secret"]
        access = self.tokens.issue("access", shop_id, ACCESS_TTL, credentials.get("access_token"))
        refresh = self.tokens.issue("refresh", shop_id, REFRESH_TTL, credentials.get("refresh_token"))
        return {**credentials, "access_token": access.value, "refresh_token": refresh.value}

    def expire_tokens(self, shop_id: str, which: str = "access") -> None:
        self.tokens.expire(shop_id, which)

    def server_error(self, req: Request, status: int) -> Response:
        body = {"type": "SYSTEM", "code": "ServiceUnavailable", "message": "Service temporarily unavailable"}
        return json_response(status, {**body, "request_id": self.new_request_id()})

    def _error(self, exc: LazadaError) -> Response:
        body: dict[str, Any] = {"type": exc.kind, "code": exc.code, "message": exc.message}
        if exc.detail is not None:
            body["detail"] = exc.detail
        return json_response(200, {**body, "request_id": self.new_request_id()})  # errors come with HTTP 200

    def _ok(self, data: Any, created: bool = False) -> Response:
        return json_response(200, {"code": "0", "data": data, "request_id": self.new_request_id()}, created=created)

    # --- request pipeline ---

    def handle(self, req: Request) -> Response:
        path = req.path[len("/rest") :] if req.path.startswith("/rest/") else req.path
        with self.lock:
            try:
                params = req.args()
                shop_id = self._authenticate(path, params)
                if shop_id:
                    wait = self.throttle(shop_id)
                    if wait > 0:
                        seconds = max(1, math.ceil(wait))
                        message = f"Api access frequency exceeds the limit. this ban will last {seconds} seconds"
                        raise LazadaError("ApiCallLimit", message, "ISP")
                return self._route(req, path, params, shop_id)
            except LazadaError as exc:
                return self._error(exc)

    def _authenticate(self, path: str, params: dict[str, str]) -> str:
        """Check app_key, timestamp window and sign (docs/marketplaces/lazada.md#signing); then the access token.
        Return the shop id."""
        for name in ("app_key", "timestamp", "sign_method", "sign"):
            if not params.get(name):
                raise LazadaError("MissingParameter", f'The input parameter "{name}" that is mandatory is missing')
        secret = self.apps.get(params["app_key"])
        if secret is None:
            raise LazadaError("InvalidAppKey", "Specified app key is not valid")
        if not self._timestamp_ok(params["timestamp"]):
            raise LazadaError("InvalidTimestamp", "The timestamp is out of the 7200 second window")
        if params["sign_method"] != "sha256":
            raise LazadaError("InvalidSignMethod", "sign_method must be sha256")
        signed = {k: v for k, v in params.items() if k != "sign"}
        candidates = {lazada_signature(secret, path, signed), lazada_signature(secret, path, signed, skip_empty=True)}
        if not any(hmac.compare_digest(c, params["sign"].upper()) for c in candidates):
            raise LazadaError("IncompleteSignature", "The request signature does not conform to lazada standards")
        if path in AUTH_PATHS:
            return ""
        token = self.tokens.valid("access", params.get("access_token", ""))
        if token is None:
            raise LazadaError("IllegalAccessToken", "The specified access token is invalid or expired")
        return token.shop_id

    def _timestamp_ok(self, raw: str) -> bool:
        if not raw.isdigit():
            return False
        return abs(self.wall() - int(raw) / 1000.0) <= TIMESTAMP_WINDOW

    def _route(self, req: Request, path: str, params: dict[str, str], shop_id: str) -> Response:
        routes = {
            ("POST", "/auth/token/refresh"): self._refresh,
            ("GET", "/auth/token/refresh"): self._refresh,
            ("POST", "/auth/token/create"): self._token_create,
            ("GET", "/seller/get"): self._seller,
            ("POST", "/image/migrate"): self._migrate_image,
            ("POST", "/product/create"): self._create,
            ("POST", "/product/update"): self._update,
            ("POST", "/product/price_quantity/update"): self._price_quantity,
            ("POST", "/product/deactivate"): self._deactivate,
            ("POST", "/product/remove"): self._remove,
            ("GET", "/product/item/get"): self._item_get,
            ("GET", "/products/get"): self._products_get,
            ("GET", "/category/tree/get"): lambda p, s: self._ok(taxonomy.lazada_tree()),
            ("GET", "/category/attributes/get"): self._category_attributes,
            ("GET", "/orders/get"): lambda p, s: self._ok(self.orders_get(p, s)),
            ("GET", "/order/items/get"): lambda p, s: self._ok(self.order_items_get(p, s)),
            ("GET", "/orders/items/get"): lambda p, s: self._ok(self.orders_items_get(p, s)),
        }
        handler = routes.get((req.method, path))
        if handler is None:
            raise LazadaError("InvalidApiPath", f"The specified API path {req.method} {path} is invalid")
        req.log.update(op=path, shop_id=shop_id)
        return handler(params, shop_id)

    def _category_attributes(self, params: dict[str, str], _shop: str) -> Response:
        """GetCategoryAttributes: `primary_category_id` (a leaf) is required (docs/sandbox.md#category-trees)."""
        category = params.get("primary_category_id", "")
        if not category:
            raise LazadaError("E001", 'The input parameter "primary_category_id" that is mandatory is missing')
        try:
            return self._ok(taxonomy.lazada_attributes(category))
        except ValueError as exc:
            raise LazadaError("4134", str(exc)) from None

    # --- auth ---

    def _refresh(self, params: dict[str, str], _shop: str) -> Response:
        token = self.tokens.valid("refresh", params.get("refresh_token", ""))
        if token is None:
            raise LazadaError("IllegalRefreshToken", "The specified refresh token is invalid or expired")
        access = self.tokens.issue("access", token.shop_id, ACCESS_TTL)
        remaining = int((token.expires_at or self.now()) - self.now())
        body = {
            "access_token": access.value,
            "refresh_token": token.value,
            "expires_in": ACCESS_TTL,
            "refresh_expires_in": remaining,
            "country": "sg",
            "account_platform": "seller_center",
            "account": "sandbox-seller@example.com",
            "country_user_info_list": [{"country": "sg", "seller_id": token.shop_id, "user_id": token.shop_id}],
            "code": "0",
            "request_id": self.new_request_id(),
        }
        return json_response(200, body)

    def _token_create(self, params: dict[str, str], _shop: str) -> Response:
        raise LazadaError("InvalidCode", "The authorization code is invalid or expired")

    def _seller(self, params: dict[str, str], shop_id: str) -> Response:
        return self._ok({"seller_id": int(shop_id) if shop_id.isdigit() else shop_id, "name": "Sandbox seller"})

    def _migrate_image(self, params: dict[str, str], _shop: str) -> Response:
        url = str(self._payload(params).get("Request", {}).get("Image", {}).get("Url") or "")
        if not url.startswith(("http://", "https://")):
            raise LazadaError("E005", "Invalid Request Format: Image.Url must be an http(s) URL")
        digest = hashlib.md5(url.encode(), usedforsecurity=False).hexdigest()
        return self._ok({"image": {"url": f"{IMAGE_HOST}{digest}.png", "hash_code": digest}})

    # --- products ---

    def _payload(self, params: dict[str, str], name: str = "payload") -> dict[str, Any]:
        raw = params.get(name, "")
        if not raw:
            raise LazadaError("E001", f'The input parameter "{name}" that is mandatory is missing')
        try:
            if raw.lstrip().startswith("<"):
                return {"Request": _xml_to_dict(ET.fromstring(raw))}
            data = json.loads(raw)
        except (ValueError, ET.ParseError):
            raise LazadaError("E005", "Invalid Request Format") from None
        if not isinstance(data, dict):
            raise LazadaError("E005", "Invalid Request Format")
        return data

    def _product_input(self, params: dict[str, str]) -> dict[str, Any]:
        product = self._payload(params).get("Request", {}).get("Product")
        if not isinstance(product, dict):
            raise LazadaError("E005", "Invalid Request Format: Request.Product is required")
        return product

    def _create(self, params: dict[str, str], shop_id: str) -> Response:
        product = self._product_input(params)
        category = str(product.get("PrimaryCategory") or "")
        if not category.isdigit():
            raise LazadaError("E001", 'The input parameter "PrimaryCategory" that is mandatory is missing')
        if int(category) in NON_LEAF_CATEGORIES:
            raise LazadaError("4134", "PrimaryCategory is not a leaf category")
        images = self._images(product)
        attrs = product.get("Attributes") or {}
        skus = _as_list((product.get("Skus") or {}).get("Sku"))
        self._check_attributes(attrs, creating=True)
        if not skus:
            raise LazadaError("500", "Create product failed", detail=[{"field": "Skus", "message": "SKU is required"}])
        parsed = [self._check_sku(sku, creating=True) for sku in skus]
        seen = {
            s["SellerSku"]
            for p in self.products.values()
            if p["shop_id"] == shop_id and p["status"] != "Deleted"
            for s in p["skus"]
        }
        for sku in parsed:
            if sku["SellerSku"] in seen:
                raise LazadaError("4105", f"SellerSku {sku['SellerSku']} already exists")
            seen.add(sku["SellerSku"])
        item_id = self.next_item_id
        self.next_item_id += 1
        for sku in parsed:
            sku["SkuId"] = self.next_sku_id
            sku["ShopSku"] = f"{item_id}_SG-{self.next_sku_id}"
            self.next_sku_id += 1
        item = {
            "item_id": item_id,
            "shop_id": shop_id,
            "primary_category": int(category),
            "attributes": {k: attrs[k] for k in attrs},
            "images": images,
            "skus": parsed,
            "status": "Active",
            "rejectReason": "",
            "created_time": int(self.now() * 1000),
            "updated_time": int(self.now() * 1000),
        }
        if self.start_review(item):
            item["status"] = "Pending QC"
        self.products[item_id] = item
        sku_list = [{"shop_sku": s["ShopSku"], "seller_sku": s["SellerSku"], "sku_id": s["SkuId"]} for s in parsed]
        return self._ok({"item_id": item_id, "sku_list": sku_list, "item_status": item["status"]}, created=True)

    def _images(self, product: Mapping[str, Any]) -> list[str]:
        images = _as_list((product.get("Images") or {}).get("Image"))
        if not images:
            raise LazadaError("4139", "Main image is required")
        if len(images) > IMAGES_MAX:
            raise LazadaError("4169", f"The number of pictures cannot exceed {IMAGES_MAX}")
        for url in images:
            if not str(url).startswith(IMAGE_HOST):
                detail = [{"field": "Images", "message": f"Image {url} is not a Lazada image; migrate it first"}]
                raise LazadaError("500", "Create product failed", detail=detail)
        return [str(url) for url in images]

    def _check_attributes(self, attrs: Mapping[str, Any], creating: bool) -> None:
        problems = []
        if creating or "name" in attrs:
            name = str(attrs.get("name") or "").strip()
            if not name:
                problems.append({"field": "name", "message": "name is mandatory"})
            elif len(name) > NAME_MAX:
                problems.append({"field": "name", "message": f"name must be at most {NAME_MAX} characters"})
        if "description" in attrs and len(str(attrs["description"])) > 25000:
            problems.append({"field": "description", "message": "description must be at most 25000 characters"})
        short = attrs.get("short_description")
        if short is not None and {t.lower() for t in SHORT_DESCRIPTION_TAG.findall(str(short))} - {"ul", "li"}:
            problems.append({"field": "short_description", "message": "short_description allows text, ul and li only"})
        if creating and not (attrs.get("brand") or attrs.get("brand_id")):
            problems.append({"field": "brand", "message": "brand is mandatory"})
        if problems:
            raise LazadaError("500", "Create product failed", detail=problems)

    def _check_sku(self, sku: Mapping[str, Any], creating: bool) -> dict[str, Any]:
        problems = []
        if not str(sku.get("SellerSku") or "").strip():
            problems.append({"field": "SellerSku", "message": "SellerSku is mandatory"})
        price = _decimal(sku.get("price"))
        if creating or "price" in sku:
            if price is None or price <= 0:
                problems.append({"field": "price", "message": "price is mandatory and must be greater than 0"})
            elif price.as_tuple().exponent < -2:  # type: ignore[operator]
                problems.append({"field": "price", "message": "price allows at most two decimal places"})
        special = _decimal(sku.get("special_price"))
        if special is not None and price is not None and special >= price:
            problems.append({"field": "special_price", "message": "special_price must be lower than price"})
        quantity = sku.get("quantity", 0)
        if not str(quantity).isdigit():
            problems.append({"field": "quantity", "message": "quantity must be a non-negative integer"})
        for name in ("package_weight", "package_length", "package_width", "package_height"):
            value = _decimal(sku.get(name))
            if creating and (value is None or value <= 0):
                problems.append({"field": name, "message": f"{name} is mandatory"})
            elif name == "package_weight" and value is not None and value > 40:
                problems.append({"field": name, "message": "package_weight must be at most 40 kg"})
        if problems:
            raise LazadaError("500", "Create product failed", detail=problems)
        return {
            "SellerSku": str(sku["SellerSku"]),
            "price": str(price) if price is not None else "0",
            "special_price": str(special) if special is not None else "",
            "quantity": int(quantity),
            **{
                k: str(sku[k])
                for k in ("package_weight", "package_length", "package_width", "package_height")
                if k in sku
            },
            "saleProp": dict(sku.get("saleProp") or {}),
            "Status": "active",
        }

    def _get(self, item_id: Any, shop_id: str) -> dict[str, Any]:
        item = self.products.get(int(item_id)) if str(item_id).isdigit() else None
        if item is None or item["shop_id"] != shop_id or item["status"] == "Deleted":
            raise LazadaError("ITEM_NOT_FOUND", f"Product {item_id} not found")
        self._settle(item)
        return item

    def _settle(self, item: dict[str, Any]) -> None:
        outcome = self.review_due(item)
        if outcome is not None and item["status"] == "Pending QC":
            item["status"] = "Active" if outcome == "approve" else "Rejected"
            item["updated_time"] = int(item.pop("_reviewed_at", self.now()) * 1000)
            if outcome == "reject":
                item["rejectReason"] = "; ".join(
                    self.review_reasons or ["Images do not meet the Lazada image guidelines"]
                )

    def _update(self, params: dict[str, str], shop_id: str) -> Response:
        product = self._product_input(params)
        item = self._get(product.get("ItemId"), shop_id)
        attrs = product.get("Attributes") or {}
        self._check_attributes(attrs, creating=False)
        if "Images" in product:
            item["images"] = self._images(product)
        item["attributes"].update(attrs)
        by_sku = {s["SellerSku"]: s for s in item["skus"]}
        for raw in _as_list((product.get("Skus") or {}).get("Sku")):
            current = by_sku.get(str(raw.get("SellerSku") or ""))
            if current is None:
                raise LazadaError(
                    "500", "Update product failed", detail=[{"field": "SellerSku", "message": "unknown SellerSku"}]
                )
            checked = self._check_sku(raw, creating=False)
            for key in (
                "price",
                "special_price",
                "package_weight",
                "package_length",
                "package_width",
                "package_height",
            ):
                if key in raw:
                    current[key] = checked[key]
            if "quantity" in raw:
                current["quantity"] = checked["quantity"]
        item["updated_time"] = int(self.now() * 1000)
        return self._ok({})

    def _price_quantity(self, params: dict[str, str], shop_id: str) -> Response:
        product = self._product_input(params)
        skus = _as_list((product.get("Skus") or {}).get("Sku"))
        if not 1 <= len(skus) <= BATCH_MAX:
            raise LazadaError("E001", f"Skus.Sku must hold 1 to {BATCH_MAX} SKUs")
        failures = []
        for raw in skus:
            problem = self._apply_offer(raw, shop_id)
            if problem:
                failures.append(
                    {"seller_sku": str(raw.get("SellerSku") or ""), "item_id": str(raw.get("ItemId") or ""), **problem}
                )
        if failures:
            raise LazadaError("500", "Update price or quantity failed for some SKUs", detail=failures)
        return self._ok({})

    def _apply_offer(self, raw: Mapping[str, Any], shop_id: str) -> dict[str, str] | None:
        try:
            item = self._get(raw.get("ItemId"), shop_id)
        except LazadaError as exc:
            return {"field": "ItemId", "code": exc.code, "message": exc.message}
        sku = next(
            (
                s
                for s in item["skus"]
                if s["SellerSku"] == str(raw.get("SellerSku") or "") or str(s["SkuId"]) == str(raw.get("SkuId") or "")
            ),
            None,
        )
        if sku is None:
            return {"field": "SellerSku", "code": "SKU_NOT_FOUND", "message": "SKU not found in this item"}
        price = _decimal(raw.get("Price")) if "Price" in raw else None
        if "Price" in raw and (price is None or price <= 0):
            return {"field": "Price", "code": "INVALID_PRICE", "message": "Price must be greater than 0"}
        if "Quantity" in raw and not str(raw["Quantity"]).isdigit():
            return {
                "field": "Quantity",
                "code": "INVALID_QUANTITY",
                "message": "Quantity must be a non-negative integer",
            }
        if price is not None:
            sku["price"] = str(price)
        if "Quantity" in raw:
            sku["quantity"] = int(raw["Quantity"])
        item["updated_time"] = int(self.now() * 1000)
        return None

    def _deactivate(self, params: dict[str, str], shop_id: str) -> Response:
        product = self._payload(params, "apiRequestBody").get("Request", {}).get("Product") or {}
        item = self._get(product.get("ItemId"), shop_id)
        item["status"] = "InActive"
        for sku in item["skus"]:
            sku["Status"] = "inactive"
        item["updated_time"] = int(self.now() * 1000)
        return self._ok({})

    def _remove(self, params: dict[str, str], shop_id: str) -> Response:
        try:
            by_id = json.loads(params.get("sku_id_list") or "[]")
            by_sku = json.loads(params.get("seller_sku_list") or "[]")
        except ValueError:
            raise LazadaError("E005", "Invalid Request Format: sku lists must be JSON arrays") from None
        wanted = by_id or by_sku
        if not 1 <= len(wanted) <= BATCH_MAX:
            raise LazadaError("E001", f"Send 1 to {BATCH_MAX} SKUs in sku_id_list or seller_sku_list")
        for item in self.products.values():
            if item["shop_id"] != shop_id or item["status"] == "Deleted":
                continue
            keys = (
                [f"SkuId_{item['item_id']}_{s['SkuId']}" for s in item["skus"]]
                if by_id
                else [s["SellerSku"] for s in item["skus"]]
            )
            item["skus"] = [s for s, key in zip(item["skus"], keys, strict=True) if key not in wanted]
            if not item["skus"]:
                item["status"] = "Deleted"
                item["updated_time"] = int(self.now() * 1000)
        return self._ok({})

    def _item_get(self, params: dict[str, str], shop_id: str) -> Response:
        return self._ok(self._public(self._get(params.get("item_id"), shop_id)))

    def _products_get(self, params: dict[str, str], shop_id: str) -> Response:
        filter_name = params.get("filter", "all")
        if filter_name not in STATUS_FILTERS:
            raise LazadaError("E005", f"filter must be one of {', '.join(STATUS_FILTERS)}")
        limit_raw, offset_raw = params.get("limit", "20"), params.get("offset", "0")
        if not limit_raw.isdigit() or not 1 <= int(limit_raw) <= PAGE_MAX or not offset_raw.isdigit():
            raise LazadaError("E005", f"limit must be 1 to {PAGE_MAX} and offset >= 0")
        try:
            sku_filter = set(json.loads(params["sku_seller_list"])) if params.get("sku_seller_list") else None
        except ValueError:
            raise LazadaError("E005", "sku_seller_list must be a JSON array") from None
        wanted = STATUS_FILTERS[filter_name]
        # update_after: ISO 8601 (docs/marketplaces/lazada.md#incremental-pull); compared in sandbox time.
        update_after = _iso_ms(params["update_after"]) if params.get("update_after") else None
        matching = []
        for item in sorted(self.products.values(), key=lambda i: i["item_id"]):
            self._settle(item)
            if item["shop_id"] != shop_id or (wanted is None and item["status"] == "Deleted"):
                continue
            if wanted is not None and item["status"] not in wanted:
                continue
            if sku_filter is not None and not sku_filter & {s["SellerSku"] for s in item["skus"]}:
                continue
            if update_after is not None and item["updated_time"] < update_after:
                continue
            matching.append(item)
        offset, limit = int(offset_raw), int(limit_raw)
        page = matching[offset : offset + limit]
        return self._ok({"total_products": len(matching), "products": [self._public(i) for i in page]})

    def _public(self, item: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "item_id": item["item_id"],
            "primary_category": item["primary_category"],
            "status": item["status"],
            "rejectReason": item["rejectReason"],
            "attributes": dict(item["attributes"]),
            "images": list(item["images"]),
            "created_time": str(item["created_time"]),
            "updated_time": str(item["updated_time"]),
            "skus": [
                {
                    "SellerSku": s["SellerSku"],
                    "SkuId": s["SkuId"],
                    "ShopSku": s["ShopSku"],
                    "price": float(s["price"]),
                    "special_price": float(s["special_price"]) if s["special_price"] else 0.0,
                    "quantity": s["quantity"],
                    "Status": s["Status"],
                    "package_weight": s.get("package_weight", ""),
                    "saleProp": dict(s["saleProp"]),
                }
                for s in item["skus"]
            ],
        }

    # --- control ---

    def items(self) -> list[dict[str, Any]]:
        for item in self.products.values():
            self._settle(item)
        return [self._public(item) for item in self.products.values()]

    REMOTE_STATUS = {
        "live": "Active",
        "inactive": "InActive",
        "suppressed": "Suspended",
        "rejected": "Rejected",
        "deleted": "Deleted",
    }

    def set_remote_state(self, item_id: str, state: str, reasons: list[str]) -> dict[str, Any]:
        """Lazada QC rejects or suspends with a `rejectReason`; the seller centre deactivates or deletes."""
        item = self.products.get(int(item_id)) if item_id.isdigit() else None
        if item is None:
            raise ValueError(f"No Lazada item {item_id}.")
        item["status"] = self.REMOTE_STATUS[state]
        if state in ("rejected", "suppressed"):
            item["rejectReason"] = "; ".join(reasons or self.rejection_reasons())
        elif state == "live":
            item["rejectReason"] = ""
        item["updated_time"] = int(self.now() * 1000)
        return self._public(item)

    def edit_item(self, item_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        item = self.products.get(int(item_id)) if item_id.isdigit() else None
        if item is None:
            raise ValueError(f"No Lazada item {item_id}.")
        allowed = {"name", "description", "price", "quantity", "status"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"Cannot edit {sorted(unknown)}; editable: {sorted(allowed)}.")
        for key in ("name", "description"):
            if key in changes:
                item["attributes"][key] = changes[key]
        for sku in item["skus"]:
            if "price" in changes:
                sku["price"] = str(changes["price"])
            if "quantity" in changes:
                sku["quantity"] = int(changes["quantity"])
        if "status" in changes:
            item["status"] = changes["status"]
        item["updated_time"] = int(self.now() * 1000)
        return self._public(item)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _xml_to_dict(node: ET.Element) -> Any:
    """`<Product><ItemId>1</ItemId><Skus><Sku>..</Sku><Sku>..</Sku></Skus></Product>` -> nested dicts/lists."""
    children = list(node)
    if not children:
        return (node.text or "").strip()
    out: dict[str, Any] = {}
    for child in children:
        value = _xml_to_dict(child)
        if child.tag in out:
            out[child.tag] = _as_list(out[child.tag]) + [value]
        else:
            out[child.tag] = value
    return out


MODULE = LazadaModule


def _iso_ms(text: str) -> int:
    """Lazada's ISO 8601 date ("2026-01-01T00:00:00+08:00", or with a Z) as epoch milliseconds."""
    try:
        moment = dt.datetime.fromisoformat(text.strip().replace(" ", "+").replace("Z", "+00:00"))
    except ValueError:
        raise LazadaError("E005", f"update_after must be an ISO 8601 date, not {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return int(moment.timestamp() * 1000)
