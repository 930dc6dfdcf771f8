"""TikTok Shop Open API 202309+: signed calls, 7-day tokens, products with AUDITING review.

Facts: docs/marketplaces/tiktok.md. Independent of the connectors: the signature check below is written from
docs/marketplaces/tiktok.md#signing, not imported. Codes marked [U] in comments are not in TikTok's docs; they
are ours, in TikTok's numbering style (docs/marketplaces/tiktok.md#errors).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from .. import taxonomy
from ..core import MarketplaceModule, RateSetting, Request, Response, Token, TokenStore, json_response
from ..multipart import image_size, parse_multipart
from .tiktok_orders import TiktokOrders

ACCESS_TTL = 7 * 86400  # default access lifetime (docs/marketplaces/tiktok.md#credentials)
REFRESH_TTL = 365 * 86400  # [U] not documented (docs/marketplaces/tiktok.md#credentials)
CODE_TTL = 30 * 60  # auth code: 30 minutes, single use (docs/marketplaces/tiktok.md#credentials)
WINDOW_PAST, WINDOW_FUTURE = 300, 30  # timestamp from now-5 min to now+30 s (docs/marketplaces/tiktok.md#signing)
TITLE_MAX = 255
TITLE_MIN_OTHER_REGIONS = 25
TITLE_LIMITS = {"BR": (1, 300), "MX": (1, 300)}
FULL_TITLE_REGIONS = {"DE", "ES", "FR", "IE", "IT", "JP", "UK", "GB", "US"}
SKU_LIMIT_300 = {"BR", "DE", "ES", "FR", "IE", "IT", "JP", "MX", "UK", "GB", "US"}
DESCRIPTION_MAX = 10_000
MAIN_IMAGES_MAX = 9
QUANTITY_MAX = 99_999
SELLER_SKU_MAX = 50
NON_LEAF_CATEGORIES = {"600000", "700000"}
CURRENCY_BY_REGION = {
    "US": "USD",
    "UK": "GBP",
    "GB": "GBP",
    "SG": "SGD",
    "MY": "MYR",
    "TH": "THB",
    "VN": "VND",
    "PH": "PHP",
    "ID": "IDR",
    "JP": "JPY",
    "MX": "MXN",
    "BR": "BRL",
    "DE": "EUR",
    "FR": "EUR",
}
STATUSES = ("DRAFT", "PENDING", "FAILED", "ACTIVATE", "SELLER_DEACTIVATED", "PLATFORM_DEACTIVATED", "FREEZE", "DELETED")

# Codes (docs/marketplaces/tiktok.md#errors)
OK = 0
TOKEN_EXPIRED = 105002
BAD_SIGN = 106001
BAD_CREDENTIALS = 36009004
MISSING_CIPHER = 106013
THROTTLED = 36009002
INVALID_PATH = 36009009
INVALID_METHOD = 36009010
INTERNAL = 12001000
BAD_WEIGHT = 12019011
MAIN_IMAGE_REQUIRED = 12052028
TOO_MANY_SKUS = 12052050
TITLE_LENGTH = 12052051
SELLER_SKU_INVALID = 12052054
LISTING_LIMIT = 12052093
WAREHOUSE_MISSING = 12052097
TOO_MANY_IMAGES = 12052306
# [U] ours
BAD_PARAM = 36009003
DESCRIPTION_TOO_LONG = 12052230
CATEGORY_INVALID = 12052008
IMAGE_URI_INVALID = 12052029
PRICE_INVALID = 12052217
CURRENCY_INVALID = 12052218
QUANTITY_INVALID = 12052219
PRODUCT_NOT_FOUND = 12052700
SKU_NOT_FOUND = 12052701
AUTH_REFRESH_INVALID = 36004015
AUTH_CODE_INVALID = 36004014

PRODUCT_ID = r"(?P<pid>\d{19})"
VERSION = r"(?:202309|202502|202509)"


def tiktok_signature(secret: str, path: str, params: Mapping[str, str], body: bytes) -> str:
    """secret + path + k1v1k2v2... (sorted, without sign/access_token) + body + secret, HMAC-SHA256 hex
    (docs/marketplaces/tiktok.md#signing)."""
    text = path
    for key in sorted(params):
        if key in ("sign", "access_token"):
            continue
        text += key + params[key]
    text += body.decode("utf-8", "replace")
    return hmac.new(secret.encode(), (secret + text + secret).encode(), hashlib.sha256).hexdigest()


class TiktokError(Exception):
    def __init__(self, code: int, message: str, status: int = 200) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


Handler = Callable[[Request, dict[str, Any], str, dict[str, str]], Response]


class TiktokModule(TiktokOrders, MarketplaceModule):
    code = "tiktok"
    # 50 QPS per API per app+shop (docs/marketplaces/tiktok.md#rate-limits)
    default_rate = RateSetting(rate=50.0, burst=50.0)

    def reset(self) -> None:
        super().reset()
        self.apps: dict[str, str] = {}  # app_key -> app_secret
        self.tokens = TokenStore(self)
        self.shops: dict[str, dict[str, Any]] = {}  # shop_id -> {cipher, region, name, warehouse_id, app_key}
        self.products: dict[str, dict[str, Any]] = {}
        self.images: dict[str, dict[str, Any]] = {}
        self.listing_limit = 10_000
        self.next_product_id = 1_729_592_969_712_207_008
        self.next_sku_id = 1_729_592_969_712_271_234

    # --- accounts and tokens ---

    def add_account(self, shop_id: str, credentials: Mapping[str, str], **options: Any) -> dict[str, str]:
        app_key = str(credentials["app_key"])
        self.apps[app_key] = credentials["app_secret"]
        cipher = credentials.get("shop_cipher") or f"ROW_{shop_id}"
        self.shops[shop_id] = {
            "id": shop_id,
            "cipher": cipher,
            "region": str(options.get("region", "US")).upper(),
            "name": options.get("name", f"Sandbox shop {shop_id}"),
            "warehouse_id": str(options.get("warehouse_id", "7068517275539719942")),
            "app_key": app_key,
            "service_id": str(options.get("service_id", app_key)),
            "redirect_url": str(options.get("redirect_url", "http://127.0.0.1:8000/channels/oauth/tiktok/callback")),
        }
        access = self.tokens.issue("access", shop_id, ACCESS_TTL, credentials.get("access_token"))
        refresh = self.tokens.issue("refresh", shop_id, REFRESH_TTL, credentials.get("refresh_token"))
        return {**credentials, "shop_cipher": cipher, "access_token": access.value, "refresh_token": refresh.value}

    def expire_tokens(self, shop_id: str, which: str = "access") -> None:
        self.tokens.expire(shop_id, which)

    # --- responses ---

    def _ok(self, data: Any, created: bool = False) -> Response:
        body = {"code": OK, "message": "Success", "request_id": self.new_request_id(), "data": data}
        return json_response(200, body, created=created)

    def _error(self, exc: TiktokError) -> Response:
        body = {"code": exc.code, "message": exc.message, "request_id": self.new_request_id(), "data": None}
        return json_response(exc.status, body)

    def server_error(self, req: Request, status: int) -> Response:
        message = "Service overload, please retry later" if status == 503 else "Internal error, please retry later"
        return json_response(status, {"code": INTERNAL, "message": message, "request_id": self.new_request_id()})

    # --- pipeline ---

    def handle(self, req: Request) -> Response:
        with self.lock:
            try:
                if req.path.startswith("/api/v2/token/"):
                    return self._token_endpoint(req)
                if req.path == "/open/authorize":
                    return self._authorize(req)
                handler, match, shop_scoped = self._route(req)
                params = {k: v[0] for k, v in req.query.items() if v}
                shop = self._authenticate(req, params, shop_scoped)
                req.log.update(shop_id=shop["id"], op=handler.__name__.strip("_"))
                wait = self.throttle(f"{shop['app_key']}:{shop['id']}")
                if wait > 0:
                    raise TiktokError(THROTTLED, "Too many requests", status=429)
                return handler(req, self._body(req), shop["id"], match)
            except TiktokError as exc:
                return self._error(exc)
            except (TypeError, ValueError, KeyError, AttributeError) as exc:  # a body of an unexpected shape
                return self._error(TiktokError(BAD_PARAM, f"Invalid request parameters: {type(exc).__name__}"))

    def _route(self, req: Request) -> tuple[Handler, dict[str, str], bool]:
        routes: list[tuple[str, str, Handler, bool]] = [
            ("GET", r"/authorization/202309/shops", self._shops, False),
            ("GET", r"/logistics/202309/warehouses", self._warehouses, True),
            ("POST", r"/product/202309/images/upload", self._upload, False),
            ("POST", rf"/product/{VERSION}/products", self._create, True),
            ("DELETE", rf"/product/{VERSION}/products", self._delete, True),
            ("POST", rf"/product/{VERSION}/products/search", self._search, True),
            ("POST", rf"/product/{VERSION}/products/deactivate", self._deactivate, True),
            ("POST", rf"/product/{VERSION}/products/activate", self._activate, True),
            ("GET", rf"/product/{VERSION}/products/{PRODUCT_ID}", self._get, True),
            ("PUT", rf"/product/{VERSION}/products/{PRODUCT_ID}", self._edit, True),
            ("POST", rf"/product/{VERSION}/products/{PRODUCT_ID}/prices/update", self._prices, True),
            ("POST", rf"/product/{VERSION}/products/{PRODUCT_ID}/inventory/update", self._inventory, True),
            ("POST", r"/order/202309/orders/search", self._search_orders, True),
            ("GET", r"/product/202309/categories", self._categories, True),
            ("GET", r"/product/202309/categories/(?P<category_id>\d+)/attributes", self._category_attributes, True),
            ("GET", r"/order/202309/orders", self._order_detail, True),
        ]
        path_known = False
        for method, pattern, handler, shop_scoped in routes:
            match = re.fullmatch(pattern, req.path)
            if match:
                path_known = True
                if method == req.method:
                    return handler, match.groupdict(), shop_scoped
        if path_known:
            raise TiktokError(INVALID_METHOD, f"Invalid method {req.method} for {req.path}", status=405)
        raise TiktokError(INVALID_PATH, f"Invalid path {req.path}", status=404)

    def _authenticate(self, req: Request, params: dict[str, str], shop_scoped: bool) -> dict[str, Any]:
        """app_key, timestamp window, sign, then x-tts-access-token and shop_cipher
        (docs/marketplaces/tiktok.md#signing)."""
        secret = self.apps.get(params.get("app_key", ""))
        if secret is None:
            raise TiktokError(BAD_CREDENTIALS, "Invalid credentials: app_key is invalid")
        stamp = params.get("timestamp", "")
        if not stamp.isdigit() or not -WINDOW_PAST <= int(stamp) - self.wall() <= WINDOW_FUTURE:
            raise TiktokError(BAD_CREDENTIALS, "Invalid credentials: timestamp is expired or invalid")
        multipart = "multipart/form-data" in req.header("Content-Type")
        expected = tiktok_signature(secret, req.path, params, b"" if multipart else req.body)
        if not hmac.compare_digest(expected, params.get("sign", "")):
            raise TiktokError(BAD_SIGN, "Invalid sign")
        value = req.header("x-tts-access-token")
        token = self.tokens.get("access", value) if value else None
        if token is None:
            raise TiktokError(BAD_CREDENTIALS, "Invalid credentials: access token is invalid")
        if self.tokens.valid("access", value) is None:
            raise TiktokError(TOKEN_EXPIRED, "Expired credentials: access token is expired")
        shop = self.shops[token.shop_id]
        if shop["app_key"] != params["app_key"]:
            raise TiktokError(BAD_CREDENTIALS, "Invalid credentials: the token belongs to another app")
        if shop_scoped:
            cipher = params.get("shop_cipher", "")
            if not cipher:
                raise TiktokError(MISSING_CIPHER, "shop_cipher is required for this API")
            if cipher != shop["cipher"]:
                raise TiktokError(BAD_CREDENTIALS, "Invalid credentials: shop_cipher is not authorised")
        return shop

    def _body(self, req: Request) -> dict[str, Any]:
        if "multipart/form-data" in req.header("Content-Type") or not req.body:
            return {}
        try:
            body = req.json()
        except ValueError:
            raise TiktokError(BAD_PARAM, "Invalid request body: not JSON") from None
        if not isinstance(body, dict):
            raise TiktokError(BAD_PARAM, "Invalid request body: expected an object")
        return body

    # --- auth host ---

    def _token_endpoint(self, req: Request) -> Response:
        if req.method != "GET":
            raise TiktokError(INVALID_METHOD, "Use GET", status=405)
        params = {k: v[0] for k, v in req.query.items() if v}
        secret = self.apps.get(params.get("app_key", ""))
        if secret is None or not hmac.compare_digest(secret, params.get("app_secret", "")):
            raise TiktokError(BAD_CREDENTIALS, "Invalid credentials: app_key or app_secret")
        if req.path == "/api/v2/token/get" and params.get("grant_type") == "authorized_code":
            return self._code_grant(params)
        if req.path != "/api/v2/token/refresh" or params.get("grant_type") != "refresh_token":
            raise TiktokError(
                BAD_PARAM, "Use /api/v2/token/get (authorized_code) or /api/v2/token/refresh (refresh_token)"
            )
        old = self.tokens.valid("refresh", params.get("refresh_token", ""))
        if old is None:
            raise TiktokError(AUTH_REFRESH_INVALID, "refresh_token is invalid or expired")
        access = self.tokens.issue("access", old.shop_id, ACCESS_TTL)
        return self._ok(self._token_data(old.shop_id, access, old))  # TikTok keeps the refresh token [U]

    def _token_data(self, shop_id: str, access: Token, refresh: Token) -> dict[str, Any]:
        shop = self.shops[shop_id]
        return {
            "access_token": access.value,
            "access_token_expire_in": int(access.expires_at or 0),  # absolute time (docs/marketplaces/tiktok.md)
            "refresh_token": refresh.value,
            "refresh_token_expire_in": int(refresh.expires_at or 0),
            "open_id": f"open-{shop_id}",
            "seller_name": shop["name"],
            "seller_base_region": shop["region"],
            "user_type": 0,
            "granted_scopes": ["seller.product.basic", "seller.product.write"],
        }

    def _authorize(self, req: Request) -> Response:
        """Seller consent: the sandbox seller of the app's shop agrees at once; redirect with code + state."""
        service_id, state = req.arg("service_id"), req.arg("state")
        shop = next((s for s in self.shops.values() if s["service_id"] == service_id), None)
        if shop is None:
            raise TiktokError(BAD_PARAM, "service_id is unknown", status=400)
        code = self.tokens.issue("code", shop["id"], CODE_TTL)
        location = f"{shop['redirect_url']}?{urlencode({'code': code.value, 'state': state})}"
        return Response(302, b"", {"Location": location})

    def _code_grant(self, params: Mapping[str, str]) -> Response:
        code = self.tokens.valid("code", params.get("auth_code", ""))
        if code is None or self.shops[code.shop_id]["app_key"] != params.get("app_key"):
            raise TiktokError(AUTH_CODE_INVALID, "auth_code is invalid, used or expired")
        code.used = True
        access = self.tokens.issue("access", code.shop_id, ACCESS_TTL)
        refresh = self.tokens.issue("refresh", code.shop_id, REFRESH_TTL)
        return self._ok(self._token_data(code.shop_id, access, refresh))

    # --- shop-level ---

    def _shops(self, req: Request, body: dict[str, Any], shop_id: str, match: dict[str, str]) -> Response:
        shop = self.shops[shop_id]
        return self._ok(
            {
                "shops": [
                    {
                        "id": shop_id,
                        "name": shop["name"],
                        "region": shop["region"],
                        "seller_type": "LOCAL",
                        "cipher": shop["cipher"],
                        "code": f"SB{shop_id[-6:]}",
                    }
                ]
            }
        )

    def _categories(self, req: Request, body: dict[str, Any], shop_id: str, match: dict[str, str]) -> Response:
        """Get Categories: `keyword` filters by name; `category_version` v1 or v2, and a US shop must pass v2
        (docs/sandbox.md#category-trees)."""
        version = req.arg("category_version") or "v1"
        if version not in ("v1", "v2") or (self.shops[shop_id].get("region") == "US" and version != "v2"):
            raise TiktokError(BAD_PARAM, "Invalid category_version: US shops must use v2, others v1 or v2")
        return self._ok(taxonomy.tiktok_categories(req.arg("keyword")))

    def _category_attributes(self, req: Request, body: dict[str, Any], shop_id: str, match: dict[str, str]) -> Response:
        try:
            return self._ok(taxonomy.tiktok_attributes(match["category_id"]))
        except ValueError as exc:
            raise TiktokError(CATEGORY_INVALID, str(exc)) from None

    def _warehouses(self, req: Request, body: dict[str, Any], shop_id: str, match: dict[str, str]) -> Response:
        warehouse = {
            "id": self.shops[shop_id]["warehouse_id"],
            "name": "Sandbox warehouse",
            "effect_status": "ENABLED",
            "type": "SALES_WAREHOUSE",
            "sub_type": "DOMESTIC_WAREHOUSE",
            "is_default": True,
        }
        return self._ok({"warehouses": [warehouse]})

    def _upload(self, req: Request, body: dict[str, Any], shop_id: str, match: dict[str, str]) -> Response:
        try:
            parts = parse_multipart(req.header("Content-Type"), req.body)
        except ValueError:
            raise TiktokError(36009022, "Invalid content-type: use multipart/form-data") from None
        if "data" not in parts or not parts["data"].data:
            raise TiktokError(BAD_PARAM, "data (the image file) is required")
        size = image_size(parts["data"].data)
        if size is None:
            raise TiktokError(BAD_PARAM, "data must be a JPG or PNG image")
        width, height = size
        if not (300 <= width <= 4000 and 300 <= height <= 4000):
            raise TiktokError(BAD_PARAM, "image must be between 300x300 and 4000x4000 px")
        use_case = parts["use_case"].data.decode() if "use_case" in parts else "MAIN_IMAGE"
        uri = (
            "tos-maliva-i-o3syd03w52-us/"
            + hashlib.sha1(parts["data"].data + str(len(self.images)).encode()).hexdigest()
        )
        image = {
            "uri": uri,
            "url": f"https://p16-oec-va.ibyteimg.com/{uri}~tplv-o3syd03w52-origin-jpeg.jpeg",
            "width": width,
            "height": height,
            "use_case": use_case,
        }
        self.images[uri] = image
        return self._ok(image)

    # --- products ---

    def _product(self, product_id: str, shop_id: str) -> dict[str, Any]:
        product = self.products.get(product_id)
        if product is None or product["_shop"] != shop_id:
            raise TiktokError(PRODUCT_NOT_FOUND, f"Product {product_id} does not exist")
        self._settle(product)
        return product

    def _settle(self, product: dict[str, Any]) -> None:
        outcome = self.review_due(product)
        if outcome is not None:
            product["update_time"] = int(product.pop("_reviewed_at", self.now()))
        if outcome == "approve":
            product["status"], product["audit"] = "ACTIVATE", {"status": "APPROVED"}
        elif outcome == "reject":
            product["status"], product["audit"] = "FAILED", {"status": "REJECTED"}
            product["audit_failed_reasons"] = [
                {
                    "position": "product",
                    "reasons": self.review_reasons or ["Images do not meet the platform's requirements"],
                    "suggestions": ["Edit the product and submit it again."],
                }
            ]

    REMOTE_STATUS = {
        "live": "ACTIVATE",
        "inactive": "SELLER_DEACTIVATED",
        "suppressed": "PLATFORM_DEACTIVATED",
        "rejected": "FAILED",
        "deleted": "DELETED",
    }

    def set_remote_state(self, item_id: str, state: str, reasons: list[str]) -> dict[str, Any]:
        """TikTok rejects an audit (FAILED), deactivates an item for a policy (PLATFORM_DEACTIVATED) or deletes it."""
        product = self.products.get(item_id)
        if product is None:
            raise ValueError(f"No TikTok product {item_id}.")
        product["status"] = self.REMOTE_STATUS[state]
        product.pop("_review_until", None)
        product.pop("audit_failed_reasons", None)
        if state == "rejected":
            product["audit"] = {"status": "REJECTED"}
        if state in ("rejected", "suppressed"):
            product["audit_failed_reasons"] = [
                {
                    "position": "product",
                    "reasons": reasons or self.rejection_reasons(),
                    "suggestions": ["Edit the product and submit it again."],
                }
            ]
        product["update_time"] = int(self.now())
        return self._public(product)

    def _validate(self, body: Mapping[str, Any], shop_id: str, existing: dict[str, Any] | None) -> list[dict[str, Any]]:
        """Listing limits (docs/marketplaces/tiktok.md#listing-limits); the first problem found is answered
        (TikTok reports one code per call)."""
        shop = self.shops[shop_id]
        region = shop["region"]
        title = body.get("title")
        low, high = TITLE_LIMITS.get(
            region, (1, TITLE_MAX) if region in FULL_TITLE_REGIONS else (TITLE_MIN_OTHER_REGIONS, TITLE_MAX)
        )
        if not isinstance(title, str) or not low <= len(title) <= high:
            raise TiktokError(TITLE_LENGTH, f"The title must be {low}-{high} characters long")
        description = body.get("description", "")
        if not isinstance(description, str) or len(description) > DESCRIPTION_MAX:
            raise TiktokError(DESCRIPTION_TOO_LONG, f"The description exceeds {DESCRIPTION_MAX} characters")
        category = str(body.get("category_id") or "")
        if not category.isdigit() or category in NON_LEAF_CATEGORIES:
            raise TiktokError(CATEGORY_INVALID, "category_id must be a leaf category")
        images = body.get("main_images") or []
        if not isinstance(images, list) or not images:
            raise TiktokError(MAIN_IMAGE_REQUIRED, "At least one main image is required")
        if len(images) > MAIN_IMAGES_MAX:
            raise TiktokError(TOO_MANY_IMAGES, f"At most {MAIN_IMAGES_MAX} main images are allowed")
        for image in images:
            if not isinstance(image, Mapping) or image.get("uri") not in self.images:
                raise TiktokError(IMAGE_URI_INVALID, "main_images uri is invalid: upload the image first")
        weight = body.get("package_weight")
        try:
            weight_ok = (
                isinstance(weight, Mapping)
                and Decimal(str(weight.get("value"))) > 0
                and weight.get("unit") in ("KILOGRAM", "POUND")
            )
        except InvalidOperation:
            weight_ok = False
        if not weight_ok:
            raise TiktokError(BAD_WEIGHT, "package_weight is invalid")
        skus = body.get("skus") or []
        limit = 300 if region in SKU_LIMIT_300 else 100
        if not isinstance(skus, list) or not 1 <= len(skus) <= limit:
            raise TiktokError(TOO_MANY_SKUS, f"A product needs 1-{limit} SKUs")
        attribute_sets = set()
        old_ids = {s["id"] for s in (existing or {}).get("skus", [])}
        stored = []
        for sku in skus:
            if not isinstance(sku, Mapping):
                raise TiktokError(BAD_PARAM, "skus must be objects")
            seller_sku = sku.get("seller_sku", "")
            if not isinstance(seller_sku, str) or not 1 <= len(seller_sku) <= SELLER_SKU_MAX or " " in seller_sku:
                raise TiktokError(SELLER_SKU_INVALID, "seller_sku must be 1-50 characters without spaces")
            price = self._price(sku.get("price"), shop)
            inventory = self._stock(sku.get("inventory"), shop, minimum=1)
            attributes = sku.get("sales_attributes") or []
            attribute_sets.add(tuple(sorted(str(a.get("name")) for a in attributes if isinstance(a, Mapping))))
            stored.append(
                {
                    "id": self._sku_id(sku.get("id"), old_ids),
                    "seller_sku": seller_sku,
                    "price": price,
                    "inventory": inventory,
                    "sales_attributes": attributes,
                }
            )
        if len(attribute_sets) > 1:
            raise TiktokError(BAD_PARAM, "Every SKU must have the same sales attributes")
        return stored

    def _price(self, raw: Any, shop: Mapping[str, Any]) -> dict[str, str]:
        if not isinstance(raw, Mapping):
            raise TiktokError(PRICE_INVALID, "price is required")
        amount = raw.get("amount")
        try:
            value = Decimal(amount) if isinstance(amount, str) else None
        except InvalidOperation:
            value = None
        if value is None or value <= 0 or value > Decimal("1000000"):
            raise TiktokError(PRICE_INVALID, "price amount must be a positive number sent as a string")
        currency = CURRENCY_BY_REGION.get(shop["region"], "USD")
        if raw.get("currency") != currency:
            raise TiktokError(CURRENCY_INVALID, f"The currency must be {currency} in this market")
        return {"amount": str(amount), "currency": currency}

    def _stock(self, raw: Any, shop: Mapping[str, Any], minimum: int) -> list[dict[str, Any]]:
        if not isinstance(raw, list) or not raw:
            raise TiktokError(QUANTITY_INVALID, "inventory is required")
        out = []
        for row in raw:
            if not isinstance(row, Mapping) or str(row.get("warehouse_id")) != shop["warehouse_id"]:
                raise TiktokError(WAREHOUSE_MISSING, "The warehouse does not exist")
            quantity = row.get("quantity")
            if not isinstance(quantity, int) or not minimum <= quantity <= QUANTITY_MAX:
                raise TiktokError(QUANTITY_INVALID, f"inventory quantity must be {minimum}-{QUANTITY_MAX}")
            out.append({"warehouse_id": shop["warehouse_id"], "quantity": quantity})
        return out

    def _sku_id(self, given: Any, existing: set[str]) -> str:
        """A full edit keeps a SKU only when its `id` is sent; a SKU without id is a new SKU (new id)."""
        if given in (None, ""):
            return self._new_sku_id()
        if str(given) not in existing:
            raise TiktokError(SKU_NOT_FOUND, f"SKU id {given} does not belong to this product")
        return str(given)

    def _new_sku_id(self) -> str:
        self.next_sku_id += 7_919
        return str(self.next_sku_id)

    def _store(self, product: dict[str, Any], body: Mapping[str, Any], skus: list[dict[str, Any]]) -> None:
        product.update(
            title=body["title"],
            description=body.get("description", ""),
            category_id=str(body["category_id"]),
            main_images=[dict(self.images[i["uri"]]) for i in body["main_images"]],
            skus=skus,
            package_weight=dict(body["package_weight"]),
            external_product_id=str(body.get("external_product_id", "")),
            update_time=int(self.now()),
        )
        product.pop("audit_failed_reasons", None)
        if self.start_review(product):
            product["status"], product["audit"] = "PENDING", {"status": "AUDITING"}
        else:
            product["status"], product["audit"] = "ACTIVATE", {"status": "APPROVED"}

    def _create(self, req: Request, body: dict[str, Any], shop_id: str, match: dict[str, str]) -> Response:
        live = [p for p in self.products.values() if p["_shop"] == shop_id and p["status"] != "DELETED"]
        if len(live) >= self.listing_limit:
            raise TiktokError(LISTING_LIMIT, "The listing limit of the shop has been exceeded")
        skus = self._validate(body, shop_id, None)
        self.next_product_id += 1_000_003
        product_id = str(self.next_product_id)
        product: dict[str, Any] = {"id": product_id, "_shop": shop_id, "create_time": int(self.now())}
        self._store(product, body, skus)
        self.products[product_id] = product
        data = {"product_id": product_id, "skus": self._sku_refs(product), "warnings": []}
        return self._ok(data, created=True)

    def _edit(self, req: Request, body: dict[str, Any], shop_id: str, match: dict[str, str]) -> Response:
        product = self._product(match["pid"], shop_id)
        if product["status"] == "DELETED":
            raise TiktokError(PRODUCT_NOT_FOUND, f"Product {product['id']} is deleted")
        skus = self._validate(body, shop_id, product)
        self._store(product, body, skus)
        data = {
            "product_id": product["id"],
            "skus": self._sku_refs(product),
            "warnings": [],
            "audit": {"status": product["audit"]["status"]},
        }
        return self._ok(data)

    @staticmethod
    def _sku_refs(product: Mapping[str, Any]) -> list[dict[str, Any]]:
        return [
            {
                "id": s["id"],
                "seller_sku": s["seller_sku"],
                "sales_attributes": s["sales_attributes"],
                "external_sku_id": "",
            }
            for s in product["skus"]
        ]

    def _get(self, req: Request, body: dict[str, Any], shop_id: str, match: dict[str, str]) -> Response:
        return self._ok(self._public(self._product(match["pid"], shop_id)))

    def _prices(self, req: Request, body: dict[str, Any], shop_id: str, match: dict[str, str]) -> Response:
        product = self._product(match["pid"], shop_id)
        by_id = {s["id"]: s for s in product["skus"]}
        changes = []
        for row in _rows(body, "skus"):
            sku = by_id.get(str(row.get("id", ""))) if isinstance(row, Mapping) else None
            if sku is None:
                raise TiktokError(SKU_NOT_FOUND, "The SKU does not exist in this product")
            changes.append((sku, self._price(row.get("price"), self.shops[shop_id])))
        if not changes:
            raise TiktokError(BAD_PARAM, "skus is required")
        for sku, price in changes:
            sku["price"] = price
        product["update_time"] = int(self.now())
        return self._ok({})

    def _inventory(self, req: Request, body: dict[str, Any], shop_id: str, match: dict[str, str]) -> Response:
        """Per-SKU failures come back in data.errors while code stays 0 (docs/marketplaces/tiktok.md#endpoints)."""
        product = self._product(match["pid"], shop_id)
        by_id = {s["id"]: s for s in product["skus"]}
        errors = []
        rows = _rows(body, "skus")
        if not rows:
            raise TiktokError(BAD_PARAM, "skus is required")
        for row in rows:
            sku_id = str(row.get("id", "")) if isinstance(row, Mapping) else ""
            sku = by_id.get(sku_id)
            try:
                if sku is None:
                    raise TiktokError(SKU_NOT_FOUND, "The SKU does not exist in this product")
                sku["inventory"] = self._stock(row.get("inventory"), self.shops[shop_id], minimum=0)
            except TiktokError as exc:
                errors.append({"code": exc.code, "message": exc.message, "detail": {"sku_id": sku_id}})
        product["update_time"] = int(self.now())
        return self._ok({"errors": errors} if errors else {})

    def _bulk(self, body: Mapping[str, Any], shop_id: str, apply: Callable[[dict[str, Any]], None]) -> Response:
        ids = body.get("product_ids")
        if not isinstance(ids, list) or not ids:
            raise TiktokError(BAD_PARAM, "product_ids is required")
        errors = []
        for product_id in ids:
            try:
                product = self._product(str(product_id), shop_id)
                if product["status"] == "DELETED":
                    raise TiktokError(PRODUCT_NOT_FOUND, f"Product {product_id} is deleted")
                apply(product)
            except TiktokError as exc:
                errors.append({"code": exc.code, "message": exc.message, "detail": {"product_id": str(product_id)}})
        return self._ok({"errors": errors} if errors else {})

    def _deactivate(self, req: Request, body: dict[str, Any], shop_id: str, match: dict[str, str]) -> Response:
        def apply(product: dict[str, Any]) -> None:
            product["status"] = "SELLER_DEACTIVATED"
            product.pop("_review_until", None)
            product["update_time"] = int(self.now())

        return self._bulk(body, shop_id, apply)

    def _activate(self, req: Request, body: dict[str, Any], shop_id: str, match: dict[str, str]) -> Response:
        def apply(product: dict[str, Any]) -> None:
            if product["status"] == "SELLER_DEACTIVATED":
                product["status"] = "ACTIVATE"
                product["update_time"] = int(self.now())

        return self._bulk(body, shop_id, apply)

    def _delete(self, req: Request, body: dict[str, Any], shop_id: str, match: dict[str, str]) -> Response:
        def apply(product: dict[str, Any]) -> None:
            product["status"] = "DELETED"
            product.pop("_review_until", None)
            product["update_time"] = int(self.now())

        return self._bulk(body, shop_id, apply)

    def _search(self, req: Request, body: dict[str, Any], shop_id: str, match: dict[str, str]) -> Response:
        size_text = req.arg("page_size")
        if not size_text.isdigit() or not 1 <= int(size_text) <= 100:
            raise TiktokError(BAD_PARAM, "page_size must be 1-100")
        size = int(size_text)
        offset = _decode_token(req.arg("page_token"))
        wanted_status = body.get("status") or "ALL"
        if wanted_status != "ALL" and wanted_status not in STATUSES:
            raise TiktokError(BAD_PARAM, f"status must be one of {', '.join(STATUSES)}")
        seller_skus = body.get("seller_skus") or []
        if not isinstance(seller_skus, list) or not all(isinstance(sku, str) for sku in seller_skus):
            raise TiktokError(BAD_PARAM, "seller_skus must be a list of strings")
        since, until = body.get("update_time_ge"), body.get("update_time_le")
        if any(v is not None and not isinstance(v, int) for v in (since, until)):
            raise TiktokError(BAD_PARAM, "update_time_ge and update_time_le must be unix seconds")
        found = []
        for product in sorted(self.products.values(), key=lambda p: p["id"]):
            if product["_shop"] != shop_id:
                continue
            self._settle(product)
            if (since is not None and product["update_time"] < since) or (
                until is not None and product["update_time"] > until
            ):
                continue
            if wanted_status == "ALL" and product["status"] == "DELETED":
                continue
            if wanted_status != "ALL" and product["status"] != wanted_status:
                continue
            if seller_skus and not set(seller_skus) & {s["seller_sku"] for s in product["skus"]}:
                continue
            found.append(product)
        page = found[offset : offset + size]
        more = offset + size < len(found)
        summaries = [
            {k: v for k, v in self._public(p).items() if k not in ("description", "main_images", "package_weight")}
            for p in page
        ]
        return self._ok(
            {
                "total_count": len(found),
                "products": summaries,
                "next_page_token": _encode_token(offset + size) if more else "",
            }
        )

    # --- views ---

    def _public(self, product: Mapping[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in product.items() if not k.startswith("_") and k != "category_id"}
        out["category_chains"] = [
            {"id": product["category_id"], "parent_id": "0", "local_name": "Sandbox", "is_leaf": True}
        ]
        out["skus"] = [
            {
                "id": s["id"],
                "seller_sku": s["seller_sku"],
                "price": {
                    "currency": s["price"]["currency"],
                    "sale_price": s["price"]["amount"],
                    "tax_exclusive_price": s["price"]["amount"],
                },
                "inventory": [dict(i) for i in s["inventory"]],
                "sales_attributes": s["sales_attributes"],
                "status_info": {"status": "NORMAL"},
            }
            for s in product["skus"]
        ]
        out["main_images"] = [
            {"uri": i["uri"], "urls": [i["url"]], "width": i["width"], "height": i["height"]}
            for i in product["main_images"]
        ]
        return json.loads(json.dumps(out))

    def items(self) -> list[dict[str, Any]]:
        for product in self.products.values():
            self._settle(product)
        return [self._public(p) for p in self.products.values()]

    def edit_item(self, item_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Seller edit in TikTok Seller Center: title, price, quantity, status."""
        product = self.products.get(item_id)
        if product is None:
            raise ValueError(f"No TikTok product {item_id}.")
        unknown = set(changes) - {"title", "price", "quantity", "status"}
        if unknown:
            raise ValueError(f"Cannot edit {', '.join(sorted(unknown))}; editable: title, price, quantity, status.")
        if "status" in changes and changes["status"] not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}.")
        if "title" in changes:
            product["title"] = str(changes["title"])
        for sku in product["skus"]:
            if "price" in changes:
                sku["price"]["amount"] = str(Decimal(str(changes["price"])))
            if "quantity" in changes:
                sku["inventory"][0]["quantity"] = int(changes["quantity"])
        if "status" in changes:
            product["status"] = changes["status"]
        product["update_time"] = int(self.now())
        return self._public(product)


def _rows(body: Mapping[str, Any], key: str) -> list[Any]:
    rows = body.get(key) or []
    if not isinstance(rows, list):
        raise TiktokError(BAD_PARAM, f"{key} must be a list")
    return rows


def _encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode().rstrip("=")


def _decode_token(token: str) -> int:
    if not token:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        return max(0, int(data["o"]))
    except (ValueError, KeyError, TypeError):
        raise TiktokError(BAD_PARAM, "page_token is invalid") from None


MODULE = TiktokModule
