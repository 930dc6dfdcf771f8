"""Etsy Open API v3 (docs/marketplaces/etsy.md): x-api-key + OAuth bearer tokens (1 h / 90 d, rotating refresh),
draft -> active listings, full-replace inventory, QPS + QPD limits with Etsy's headers.

Independent of the connectors. Error bodies are Etsy's `{"error": "..."}` (OAuth: `error` + `error_description`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import re
import secrets
import unicodedata
from collections import deque
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from .. import taxonomy
from ..core import MarketplaceModule, RateSetting, Request, Response, TokenStore, json_response
from ..multipart import image_size, parse_multipart
from .etsy_market import ACTIVE, EtsyMarket
from .etsy_orders import RECEIPTS, EtsyOrders

ACCESS_TTL = 3600  # access 1 hour (docs/marketplaces/etsy.md#credentials)
REFRESH_TTL = 90 * 86400  # refresh 90 days (docs/marketplaces/etsy.md#credentials)
CODE_TTL = 600  # [U] authorisation code lifetime (single use)
DAY = 86400
DAILY_LIMIT = 10_000  # default QPD (docs/marketplaces/etsy.md#rate-limits)
TITLE_MAX = 140  # [S] (docs/marketplaces/etsy.md#listing-limits)
TAGS_MAX, TAG_LENGTH_MAX = 13, 20  # [S] (docs/marketplaces/etsy.md#listing-limits)
MATERIALS_MAX = 13  # [U]
IMAGES_MAX = 20  # (docs/marketplaces/etsy.md#listing-limits)
OFFERING_QUANTITY_MAX = 999  # [U]
SKU_MAX = 32  # [U]
STATES = ("active", "inactive", "sold_out", "draft", "expired")
WHO_MADE = ("i_did", "someone_else", "collective")
WHEN_MADE = (
    "made_to_order", "2020_2026", "2010_2019", "2007_2009", "before_2007", "2000_2006", "1990s", "1980s", "1970s",
    "1960s", "1950s", "1940s", "1930s", "1920s", "1910s", "1900s", "1800s", "1700s", "before_1700",
)  # fmt: skip
LISTING_TYPES = ("physical", "download", "both")
ONCE_ONLY = "%:&+"
TITLE_EXTRA = "™©®"
READ_ONLY = ("product_id", "offering_id", "is_deleted")
PRODUCT_KEYS = ("sku", "property_values", "offerings")
OFFERING_KEYS = ("price", "quantity", "is_enabled", "readiness_state_id")
API = "/v3/application"
SHOP_LISTINGS = re.compile(rf"{API}/shops/(?P<shop>\d+)/listings")
SHOP_LISTING = re.compile(rf"{API}/shops/(?P<shop>\d+)/listings/(?P<lid>\d+)")
SHOP_LISTING_IMAGES = re.compile(rf"{API}/shops/(?P<shop>\d+)/listings/(?P<lid>\d+)/images")
LISTING = re.compile(rf"{API}/listings/(?P<lid>\d+)")
INVENTORY = re.compile(rf"{API}/listings/(?P<lid>\d+)/inventory")
SHOP = re.compile(rf"{API}/shops/(?P<shop>\d+)")
TAXONOMY_NODES = re.compile(rf"{API}/seller-taxonomy/nodes")
TAXONOMY_PROPERTIES = re.compile(rf"{API}/seller-taxonomy/nodes/(?P<taxonomy_id>\d+)/properties")
SHIPPING = re.compile(rf"{API}/shops/(?P<shop>\d+)/shipping-profiles")


class EtsyError(Exception):
    def __init__(self, status: int, error: str, description: str = "", headers: Mapping[str, str] | None = None):
        super().__init__(error)
        self.status, self.error, self.description, self.headers = status, error, description, dict(headers or {})


Handler = Callable[[Request, dict[str, Any], dict[str, str]], Response]


class EtsyModule(EtsyOrders, MarketplaceModule):
    code = "etsy"
    default_rate = RateSetting(rate=10.0, burst=10.0)  # default 10 QPS (docs/marketplaces/etsy.md#rate-limits)

    def reset(self) -> None:
        super().reset()
        self.apps: dict[str, dict[str, Any]] = {}  # keystring -> {"secret", "strict"}
        self.tokens = TokenStore(self)
        self.shops: dict[str, dict[str, Any]] = {}
        self.listings: dict[str, dict[str, Any]] = {}
        self.calls: dict[str, deque[float]] = {}  # shop -> wall times of the last 24 h (QPD window)
        self.next_listing_id = 1_800_000_001
        self.next_product_id = 21_000_000_001
        self.market = EtsyMarket(now=self.now, seed=self.sandbox.seed)  # other shops' listings (etsy_market.py)
        self.next_image_id = 5_100_000_001

    # --- accounts ---

    def add_account(self, shop_id: str, credentials: Mapping[str, str], **options: Any) -> dict[str, str]:
        keystring = str(credentials["api_key"])
        self.apps[keystring] = {
            "secret": credentials.get("shared_secret", ""),
            "strict": bool(options.get("strict")),
            "redirect_uris": list(options.get("redirect_uris") or []),
        }
        access_value = credentials.get("access_token") or ""
        user_id = access_value.split(".", 1)[0] if access_value.split(".", 1)[0].isdigit() else str(shop_id)
        self.shops[shop_id] = {
            "shop_id": int(shop_id),
            "user_id": int(user_id),
            "shop_name": str(options.get("name", f"SandboxShop{shop_id}")),
            "currency_code": str(options.get("currency", "USD")),
            "shipping_profile_id": int(options.get("shipping_profile_id", 190_000_001)),
            "daily_limit": int(options.get("daily_limit", DAILY_LIMIT)),
            "keystring": keystring,
        }
        access = self.tokens.issue("access", shop_id, ACCESS_TTL, access_value or None)
        refresh = self.tokens.issue("refresh", shop_id, REFRESH_TTL, credentials.get("refresh_token") or None)
        return {**credentials, "access_token": access.value, "refresh_token": refresh.value}

    def expire_tokens(self, shop_id: str, which: str = "access") -> None:
        self.tokens.expire(shop_id, which)

    def _token_value(self, shop_id: str) -> str:
        return f"{self.shops[shop_id]['user_id']}.{secrets.token_urlsafe(24)}"

    # --- responses ---

    def server_error(self, req: Request, status: int) -> Response:
        return json_response(status, {"error": "Internal Server Error" if status == 500 else "Service Unavailable"})

    def _request_headers(self) -> dict[str, str]:
        return {"x-etsy-request-uuid": self.new_request_id()}

    def _json(
        self, status: int, payload: Any, headers: Mapping[str, str] | None = None, created: bool = False
    ) -> Response:
        return json_response(status, payload, {**self._request_headers(), **(headers or {})}, created=created)

    # --- pipeline ---

    def handle(self, req: Request) -> Response:
        with self.lock:
            try:
                if req.path == "/v3/public/oauth/token":
                    return self._token(req)
                if req.path == "/oauth/connect":
                    return self._connect(req)
                handler, match = self._route(req)
                shop_id = self._authenticate(req)
                req.log.update(shop_id=shop_id, op=handler.__name__.strip("_"))
                rate_headers = self._charge(shop_id)
                response = handler(req, {"shop": shop_id}, match)
                response.headers.update(rate_headers)
                return response
            except (TypeError, ValueError, KeyError, AttributeError) as exc:  # a body of an unexpected shape
                return self._json(400, {"error": f"Invalid request parameters ({type(exc).__name__})"})
            except EtsyError as exc:
                body = {"error": exc.error}
                if exc.description:
                    body["error_description"] = exc.description
                return self._json(exc.status, body, exc.headers)

    def _route(self, req: Request) -> tuple[Handler, dict[str, str]]:
        routes: list[tuple[str, re.Pattern[str], Handler]] = [
            ("GET", SHOP, self._shop),
            ("GET", SHIPPING, self._shipping_profiles),
            ("POST", SHOP_LISTINGS, self._create),
            ("GET", SHOP_LISTINGS, self._list),
            ("PATCH", SHOP_LISTING, self._update),
            ("POST", SHOP_LISTING_IMAGES, self._upload_image),
            ("GET", LISTING, self._get),
            ("DELETE", LISTING, self._delete),
            ("GET", INVENTORY, self._get_inventory),
            ("PUT", INVENTORY, self._put_inventory),
            ("GET", RECEIPTS, self._receipts),
            ("GET", ACTIVE, self._active),
            ("GET", TAXONOMY_NODES, self._taxonomy_nodes),
            ("GET", TAXONOMY_PROPERTIES, self._taxonomy_properties),
        ]
        path_known = False
        for method, pattern, handler in routes:
            match = pattern.fullmatch(req.path)
            if match:
                path_known = True
                if method == req.method:
                    return handler, match.groupdict()
        if path_known:
            raise EtsyError(405, f"Method {req.method} not allowed on {req.path}")
        raise EtsyError(404, f"Resource not found: {req.path}")

    def _authenticate(self, req: Request) -> str:
        """x-api-key (keystring or keystring:shared_secret, docs/marketplaces/etsy.md#credentials), then the
        bearer token."""
        key = req.header("x-api-key")
        if not key:
            raise EtsyError(403, "Missing x-api-key header")
        keystring, _, secret = key.partition(":")
        app = self.apps.get(keystring)
        if app is None:
            raise EtsyError(403, "Invalid API key")
        if secret and not hmac.compare_digest(secret, app["secret"]):
            raise EtsyError(403, "Invalid API key: the shared secret does not match")
        if not secret and app["strict"]:
            raise EtsyError(403, "Shared secret is required in x-api-key header")
        auth = req.header("Authorization")
        if not auth.startswith("Bearer "):
            raise EtsyError(401, "invalid_token", "Missing bearer token")
        value = auth[len("Bearer ") :]
        token = self.tokens.get("access", value)
        if token is None or token.used:
            raise EtsyError(401, "invalid_token", "Invalid access token")
        if self.tokens.valid("access", value) is None:
            raise EtsyError(401, "invalid_token", "access token is expired")
        if self.shops[token.shop_id]["keystring"] != keystring:
            raise EtsyError(403, "The access token was issued to another application")
        return token.shop_id

    def _charge(self, shop_id: str) -> dict[str, str]:
        """QPS token bucket (core) + QPD sliding 24 h window; headers as Etsy sends them
        (docs/marketplaces/etsy.md#rate-limits)."""
        shop = self.shops[shop_id]
        now = self.wall()
        window = self.calls.setdefault(shop_id, deque())
        while window and window[0] <= now - DAY:
            window.popleft()
        if len(window) >= shop["daily_limit"]:
            wait = max(1, math.ceil(window[0] + DAY - now))
            raise EtsyError(
                429,
                f"You have exceeded your quota of {shop['daily_limit']} requests per day",
                headers={
                    "retry-after": str(wait),
                    "x-limit-per-day": str(shop["daily_limit"]),
                    "x-remaining-today": "0",
                },
            )
        wait_second = self.throttle(shop_id)
        available, setting = self.bucket_state(shop_id)
        if wait_second > 0:
            raise EtsyError(
                429,
                f"You have exceeded your quota of {setting.rate:g} requests per second",
                headers={"retry-after": str(max(1, math.ceil(wait_second)))},
            )
        window.append(now)
        return {
            "x-limit-per-second": f"{setting.rate:g}",
            "x-remaining-this-second": str(int(available)),
            "x-limit-per-day": str(shop["daily_limit"]),
            "x-remaining-today": str(shop["daily_limit"] - len(window)),
        }

    # --- OAuth token endpoint ---

    def _token(self, req: Request) -> Response:
        if req.method != "POST":
            raise EtsyError(405, "invalid_request", "Use POST")
        if "application/json" in req.header("Content-Type"):
            try:
                raw = req.json()
            except ValueError:
                raise EtsyError(400, "invalid_request", "Malformed JSON body") from None
            params = {k: str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}
        else:
            params = req.args()
        if params.get("client_id") not in self.apps:
            raise EtsyError(401, "invalid_client", "Unknown client_id")
        if params.get("grant_type") == "authorization_code":
            return self._code_grant(params)
        if params.get("grant_type") != "refresh_token":
            raise EtsyError(400, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token")
        old = self.tokens.valid("refresh", params.get("refresh_token", ""))
        if old is None:
            raise EtsyError(400, "invalid_grant", "The refresh token is invalid or expired")
        if self.shops[old.shop_id]["keystring"] != params["client_id"]:
            raise EtsyError(400, "invalid_grant", "The refresh token belongs to another client")
        old.used = True  # refresh tokens rotate (docs/marketplaces/etsy.md#credentials)
        access = self.tokens.issue("access", old.shop_id, ACCESS_TTL, self._token_value(old.shop_id))
        refresh = self.tokens.issue("refresh", old.shop_id, REFRESH_TTL, self._token_value(old.shop_id))
        body = {
            "access_token": access.value,
            "token_type": "Bearer",
            "expires_in": ACCESS_TTL,
            "refresh_token": refresh.value,
        }
        return self._json(200, body)

    def _connect(self, req: Request) -> Response:
        """The consent page (www.etsy.com/oauth/connect): the sandbox seller consents at once and is redirected
        back with `code` and `state`. PKCE S256 is mandatory (docs/marketplaces/etsy.md#signing)."""
        params = {k: v[0] for k, v in req.query.items() if v}
        for name in ("response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge"):
            if not params.get(name):
                raise EtsyError(400, "invalid_request", f"{name} is required")
        if params["response_type"] != "code":
            raise EtsyError(400, "unsupported_response_type", "response_type must be code")
        if params.get("code_challenge_method") != "S256":
            raise EtsyError(400, "invalid_request", "code_challenge_method must be S256")
        app = self.apps.get(params["client_id"])
        if app is None:
            raise EtsyError(400, "invalid_client", "Unknown client_id")
        registered = app.get("redirect_uris")
        if registered and params["redirect_uri"] not in registered:
            raise EtsyError(400, "invalid_request", "redirect_uri does not match a registered redirect URL")
        shop_id = next((sid for sid, shop in self.shops.items() if shop["keystring"] == params["client_id"]), None)
        if shop_id is None:
            raise EtsyError(400, "access_denied", "No sandbox seller has this app")
        code = self.tokens.issue(
            "code", shop_id, CODE_TTL, None, challenge=params["code_challenge"], redirect_uri=params["redirect_uri"],
            client_id=params["client_id"], scope=params["scope"],
        )  # fmt: skip
        separator = "&" if "?" in params["redirect_uri"] else "?"
        location = f"{params['redirect_uri']}{separator}{urlencode({'code': code.value, 'state': params['state']})}"
        return Response(302, b"", {"Location": location})

    def _code_grant(self, params: Mapping[str, str]) -> Response:
        code = self.tokens.valid("code", params.get("code", ""))
        if code is None:
            raise EtsyError(400, "invalid_grant", "The authorization code is invalid, used or expired")
        if code.extra["client_id"] != params["client_id"] or code.extra["redirect_uri"] != params.get("redirect_uri"):
            raise EtsyError(400, "invalid_grant", "client_id or redirect_uri does not match the authorization request")
        verifier = params.get("code_verifier", "")
        digest = hashlib.sha256(verifier.encode()).digest()
        if (
            not 43 <= len(verifier) <= 128
            or base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != code.extra["challenge"]
        ):
            raise EtsyError(400, "invalid_grant", "code_verifier does not match the code_challenge")
        code.used = True
        access = self.tokens.issue("access", code.shop_id, ACCESS_TTL, self._token_value(code.shop_id))
        refresh = self.tokens.issue("refresh", code.shop_id, REFRESH_TTL, self._token_value(code.shop_id))
        body = {
            "access_token": access.value,
            "token_type": "Bearer",
            "expires_in": ACCESS_TTL,
            "refresh_token": refresh.value,
        }
        return self._json(200, body)

    # --- helpers ---

    def _own_shop(self, ctx: Mapping[str, str], shop_in_path: str) -> str:
        if shop_in_path != ctx["shop"]:
            raise EtsyError(403, "You do not have permission to access this shop")
        return shop_in_path

    def _listing(self, listing_id: str, shop_id: str) -> dict[str, Any]:
        listing = self.listings.get(listing_id)
        if listing is None or str(listing["shop_id"]) != shop_id:
            raise EtsyError(404, f"Listing {listing_id} not found")
        return listing

    @staticmethod
    def _params(req: Request) -> dict[str, Any]:
        if "application/json" in req.header("Content-Type"):
            try:
                data = req.json()
            except ValueError:
                raise EtsyError(400, "Malformed JSON body") from None
            if not isinstance(data, dict):
                raise EtsyError(400, "Expected a JSON object")
            return data
        out: dict[str, Any] = {}
        for key, values in req.form().items():
            clean = key[:-2] if key.endswith("[]") else key
            out[clean] = values if key.endswith("[]") or len(values) > 1 else values[0]
        return out

    def _public(self, listing: Mapping[str, Any]) -> dict[str, Any]:
        return {
            k: (list(v) if isinstance(v, list) else dict(v) if isinstance(v, dict) else v)
            for k, v in listing.items()
            if not k.startswith("_")
        }

    # --- validation (docs/marketplaces/etsy.md#listing-limits) ---

    def _check_title(self, title: Any) -> str:
        if not isinstance(title, str) or not title.strip():
            raise EtsyError(400, "title: a title is required")
        if len(title) > TITLE_MAX:
            raise EtsyError(400, f"title: must be {TITLE_MAX} characters or fewer")
        for char in title:
            category = unicodedata.category(char)
            if not (category[0] in "LNPZ" or category == "Sm" or char in TITLE_EXTRA or char in "$^`|~<>="):
                raise EtsyError(400, f"title: the character {char!r} is not allowed")
        for char in ONCE_ONLY:
            if title.count(char) > 1:
                raise EtsyError(400, f"title: the character {char!r} may be used only once")
        return title

    @staticmethod
    def _as_list(value: Any) -> list[str]:
        if value in (None, ""):
            return []
        items = [str(v) for v in value] if isinstance(value, list) else str(value).split(",")
        return [item.strip() for item in items if item.strip()]

    def _check_words(self, name: str, value: Any, pattern: str) -> list[str]:
        words = self._as_list(value)
        if len(words) > TAGS_MAX:
            raise EtsyError(400, f"{name}: at most {TAGS_MAX} are allowed")
        for word in words:
            if len(word) > TAG_LENGTH_MAX or not re.fullmatch(pattern, word):
                raise EtsyError(400, f"{name}: {word!r} is not allowed (max {TAG_LENGTH_MAX} characters)")
        return words

    @staticmethod
    def _positive(name: str, value: Any, kind: type, maximum: Decimal | None = None) -> Any:
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise EtsyError(400, f"{name}: expected a positive number") from None
        if not number.is_finite() or number <= 0 or (kind is int and number != number.to_integral_value()):
            raise EtsyError(400, f"{name}: must be a positive non-zero {'integer' if kind is int else 'number'}")
        if maximum is not None and number > maximum:
            raise EtsyError(400, f"{name}: must be at most {maximum}")
        return int(number) if kind is int else number

    def _apply_fields(self, listing: dict[str, Any], params: Mapping[str, Any], creating: bool) -> None:
        shop = self.shops[str(listing["shop_id"])]
        required = ("quantity", "title", "description", "price", "who_made", "when_made", "taxonomy_id")
        if creating:
            missing = [name for name in required if params.get(name) in (None, "")]
            if missing:
                raise EtsyError(400, f"{missing[0]}: this parameter is required")
        if "title" in params:
            listing["title"] = self._check_title(params["title"])
        if "description" in params:
            if not str(params["description"]).strip():
                raise EtsyError(400, "description: a description is required")
            listing["description"] = str(params["description"])
        if "quantity" in params:
            listing["quantity"] = self._positive("quantity", params["quantity"], int, Decimal(OFFERING_QUANTITY_MAX))
        if "price" in params:
            price = self._positive("price", params["price"], Decimal, Decimal("50000"))
            listing["price"] = {"amount": int(price * 100), "divisor": 100, "currency_code": shop["currency_code"]}
        if "who_made" in params:
            if params["who_made"] not in WHO_MADE:
                raise EtsyError(400, f"who_made: must be one of {', '.join(WHO_MADE)}")
            listing["who_made"] = params["who_made"]
        if "when_made" in params:
            if params["when_made"] not in WHEN_MADE:
                raise EtsyError(400, "when_made: not a valid value")
            listing["when_made"] = params["when_made"]
        if "taxonomy_id" in params:
            listing["taxonomy_id"] = self._positive("taxonomy_id", params["taxonomy_id"], int)
        if "type" in params:
            if params["type"] not in LISTING_TYPES:
                raise EtsyError(400, f"type: must be one of {', '.join(LISTING_TYPES)}")
            listing["listing_type"] = params["type"]
        if "shipping_profile_id" in params:
            if str(params["shipping_profile_id"]) != str(shop["shipping_profile_id"]):
                raise EtsyError(400, "shipping_profile_id: no such shipping profile in this shop")
            listing["shipping_profile_id"] = int(params["shipping_profile_id"])
        if (
            creating
            and listing.get("listing_type", "physical") != "download"
            and not listing.get("shipping_profile_id")
        ):
            raise EtsyError(400, "shipping_profile_id: required for physical listings")
        if "tags" in params:
            listing["tags"] = self._check_words("tags", params["tags"], r"[\w\s\-'™©®]+")
        if "materials" in params:
            listing["materials"] = self._check_words("materials", params["materials"], r"[\w\s]+")
        if "item_weight" in params:
            listing["item_weight"] = float(self._positive("item_weight", params["item_weight"], Decimal))
            listing["item_weight_unit"] = params.get("item_weight_unit", "g")
        if "should_auto_renew" in params:
            listing["should_auto_renew"] = str(params["should_auto_renew"]).lower() in ("true", "1")

    def _set_state(self, listing: dict[str, Any], state: Any) -> None:
        if state not in ("active", "inactive"):
            raise EtsyError(400, "state: must be active or inactive")
        if state == "active":
            if not listing["_images"]:
                raise EtsyError(400, "image: a listing needs at least one image before it can be active")
            if listing["quantity"] <= 0:
                raise EtsyError(400, "quantity: a listing needs stock before it can be active")
        listing["state"] = state
        listing["state_timestamp"] = listing["updated_timestamp"] = int(self.now())

    # --- handlers ---

    def _taxonomy_nodes(self, req: Request, ctx: dict[str, Any], match: dict[str, str]) -> Response:
        """getSellerTaxonomyNodes: the roots with their children nested (docs/sandbox.md#category-trees)."""
        return self._json(200, taxonomy.etsy_nodes())

    def _taxonomy_properties(self, req: Request, ctx: dict[str, Any], match: dict[str, str]) -> Response:
        """getPropertiesByTaxonomyId (docs/sandbox.md#category-trees)."""
        body = taxonomy.etsy_properties(match["taxonomy_id"])
        if body is None:
            raise EtsyError(404, f"Taxonomy node {match['taxonomy_id']} not found")
        return self._json(200, body)

    def _shop(self, req: Request, ctx: dict[str, Any], match: dict[str, str]) -> Response:
        shop = self.shops[self._own_shop(ctx, match["shop"])]
        body = {k: v for k, v in shop.items() if k not in ("daily_limit", "keystring", "shipping_profile_id")}
        body["url"] = f"https://www.etsy.com/shop/{shop['shop_name']}"
        body["listing_active_count"] = sum(
            1 for lst in self.listings.values() if lst["shop_id"] == shop["shop_id"] and lst["state"] == "active"
        )
        return self._json(200, body)

    def _shipping_profiles(self, req: Request, ctx: dict[str, Any], match: dict[str, str]) -> Response:
        shop = self.shops[self._own_shop(ctx, match["shop"])]
        profile = {
            "shipping_profile_id": shop["shipping_profile_id"],
            "title": "Standard",
            "user_id": shop["user_id"],
            "origin_country_iso": "US",
            "processing_days_display_label": "1-3 days",
        }
        return self._json(200, {"count": 1, "results": [profile]})

    def _create(self, req: Request, ctx: dict[str, Any], match: dict[str, str]) -> Response:
        shop_id = self._own_shop(ctx, match["shop"])
        shop = self.shops[shop_id]
        listing_id = self.next_listing_id
        now = int(self.now())
        listing: dict[str, Any] = {
            "listing_id": listing_id, "user_id": shop["user_id"], "shop_id": shop["shop_id"], "title": "",
            "description": "", "state": "draft", "creation_timestamp": now, "created_timestamp": now,
            "ending_timestamp": now + 120 * DAY, "original_creation_timestamp": now, "last_modified_timestamp": now,
            "updated_timestamp": now, "state_timestamp": now, "quantity": 0, "shop_section_id": None,
            "featured_rank": -1, "url": "", "num_favorers": 0, "non_taxable": False, "is_taxable": True,
            "is_customizable": False, "is_personalizable": False, "listing_type": "physical", "tags": [],
            "materials": [], "shipping_profile_id": None, "return_policy_id": None, "who_made": "",
            "when_made": "", "is_supply": False, "item_weight": None, "item_weight_unit": None,
            "should_auto_renew": False, "language": "en-US", "price": {}, "taxonomy_id": None, "skus": [],
            "views": 0, "_images": [], "_inventory": None,
        }  # fmt: skip
        self._apply_fields(listing, self._params(req), creating=True)
        listing["url"] = f"https://www.etsy.com/listing/{listing_id}/{_slug(listing['title'])}"
        self.next_listing_id += 1
        self.listings[str(listing_id)] = listing
        listing["_inventory"] = self._default_inventory(listing)
        return self._json(201, self._public(listing), created=True)

    def _default_inventory(self, listing: Mapping[str, Any]) -> dict[str, Any]:
        """A new listing has one product without SKU holding the listing's price and quantity."""
        return {
            "products": [self._product("", [], [{"price": listing["price"], "quantity": listing["quantity"],
                                                  "is_enabled": True}])],
            "price_on_property": [], "quantity_on_property": [], "sku_on_property": [],
        }  # fmt: skip

    def _product(self, sku: str, property_values: list[Any], offerings: list[Mapping[str, Any]]) -> dict[str, Any]:
        self.next_product_id += 1
        stored_offerings = []
        for offering in offerings:
            self.next_product_id += 1
            stored_offerings.append({"offering_id": self.next_product_id, "quantity": offering["quantity"],
                                     "is_enabled": offering.get("is_enabled", True), "is_deleted": False,
                                     "price": dict(offering["price"])})  # fmt: skip
        return {"product_id": self.next_product_id, "sku": sku, "is_deleted": False, "offerings": stored_offerings,
                "property_values": property_values}  # fmt: skip

    def _update(self, req: Request, ctx: dict[str, Any], match: dict[str, str]) -> Response:
        shop_id = self._own_shop(ctx, match["shop"])
        listing = self._listing(match["lid"], shop_id)
        params = self._params(req)
        self._apply_fields(listing, {k: v for k, v in params.items() if k != "state"}, creating=False)
        if "state" in params:
            self._set_state(listing, params["state"])
        listing["last_modified_timestamp"] = listing["updated_timestamp"] = int(self.now())
        return self._json(200, self._public(listing))

    def _upload_image(self, req: Request, ctx: dict[str, Any], match: dict[str, str]) -> Response:
        shop_id = self._own_shop(ctx, match["shop"])
        listing = self._listing(match["lid"], shop_id)
        try:
            parts = parse_multipart(req.header("Content-Type"), req.body)
        except ValueError:
            raise EtsyError(400, "image: send the file as multipart/form-data") from None
        if "image" not in parts or image_size(parts["image"].data) is None:
            raise EtsyError(400, "image: a JPG or PNG file is required")
        if len(listing["_images"]) >= IMAGES_MAX:
            raise EtsyError(400, f"image: a listing may have at most {IMAGES_MAX} images")
        width, height = image_size(parts["image"].data) or (0, 0)
        self.next_image_id += 1
        digest = hashlib.sha1(parts["image"].data).hexdigest()[:12]
        image = {
            "listing_id": listing["listing_id"], "listing_image_id": self.next_image_id,
            "hex_code": None, "rank": len(listing["_images"]) + 1, "full_height": height, "full_width": width,
            "url_fullxfull": f"https://i.etsystatic.com/{listing['shop_id']}/r/il/{digest}/{self.next_image_id}/il_fullxfull.jpg",
            "created_timestamp": int(self.now()),
        }  # fmt: skip
        listing["_images"].append(image)
        return self._json(201, image)

    def _active(self, req: Request, ctx: dict[str, Any], match: dict[str, str]) -> Response:
        """findAllListingsActive over other shops' listings (etsy_market.py)."""
        try:
            return self._json(200, self.market.search(req.args()))
        except ValueError as exc:
            raise EtsyError(400, str(exc)) from None

    def set_competitor(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return self.market.set_competitor(data)

    def _get(self, req: Request, ctx: dict[str, Any], match: dict[str, str]) -> Response:
        other = self.market.get(match["lid"])  # getListing is public: another shop's listing too
        if other is not None:
            return self._json(200, other)
        listing = self._listing(match["lid"], ctx["shop"])
        body = self._public(listing)
        includes = {part.strip().lower() for part in req.arg("includes").split(",") if part.strip()}
        if "images" in includes:
            body["images"] = list(listing["_images"])
        if "inventory" in includes:
            body["inventory"] = _copy(listing["_inventory"])
        return self._json(200, body)

    def _delete(self, req: Request, ctx: dict[str, Any], match: dict[str, str]) -> Response:
        listing = self._listing(match["lid"], ctx["shop"])
        del self.listings[str(listing["listing_id"])]
        return Response(204, b"", self._request_headers())

    def _list(self, req: Request, ctx: dict[str, Any], match: dict[str, str]) -> Response:
        shop_id = self._own_shop(ctx, match["shop"])
        state = req.arg("state", "active")
        if state not in STATES:
            raise EtsyError(400, f"state: must be one of {', '.join(STATES)}")
        limit_text, offset_text = req.arg("limit", "25"), req.arg("offset", "0")
        if not limit_text.isdigit() or not 1 <= int(limit_text) <= 100:
            raise EtsyError(400, "limit: must be an integer from 1 to 100")
        if not offset_text.isdigit():
            raise EtsyError(400, "offset: must be a non-negative integer")
        limit, offset = int(limit_text), int(offset_text)
        sort_on, sort_order = req.arg("sort_on", "created"), req.arg("sort_order", "desc")
        if sort_on not in SORT_KEYS or sort_order not in ("asc", "ascending", "desc", "descending"):
            raise EtsyError(400, f"sort_on: one of {', '.join(SORT_KEYS)}; sort_order: asc or desc")
        found = [
            lst
            for key, lst in sorted(self.listings.items())
            if str(lst["shop_id"]) == shop_id and lst["state"] == state
        ]
        if req.arg("sort_on"):  # findAllShopListings' sort_on / sort_order (docs/marketplaces/etsy.md)
            found.sort(key=SORT_KEYS[sort_on], reverse=sort_order.startswith("desc"))
        return self._json(
            200, {"count": len(found), "results": [self._public(x) for x in found[offset : offset + limit]]}
        )

    def _get_inventory(self, req: Request, ctx: dict[str, Any], match: dict[str, str]) -> Response:
        listing = self._listing(match["lid"], ctx["shop"])
        return self._json(200, {**_copy(listing["_inventory"]), "listing": None})

    def _put_inventory(self, req: Request, ctx: dict[str, Any], match: dict[str, str]) -> Response:
        """Full replace (docs/marketplaces/etsy.md#endpoints): read-only fields are refused, every product needs
        one offering."""
        listing = self._listing(match["lid"], ctx["shop"])
        body = self._params(req)
        products = body.get("products")
        if not isinstance(products, list) or not products:
            raise EtsyError(400, "products: at least one product is required")
        on_price, on_quantity, on_sku = (
            _int_list(body, name) for name in ("price_on_property", "quantity_on_property", "sku_on_property")
        )
        stored, prices, skus = [], set(), []
        currency = self.shops[str(listing["shop_id"])]["currency_code"]
        for product in products:
            if not isinstance(product, dict):
                raise EtsyError(400, "products: each product must be an object")
            extra = set(product) - set(PRODUCT_KEYS)
            if extra:
                raise EtsyError(
                    400, f"products: unexpected field {sorted(extra)[0]} (read-only fields must be removed)"
                )
            sku = str(product.get("sku") or "")
            if len(sku) > SKU_MAX:
                raise EtsyError(400, f"sku: must be {SKU_MAX} characters or fewer")
            offerings = product.get("offerings")
            if not isinstance(offerings, list) or len(offerings) != 1:
                raise EtsyError(400, "offerings: each product needs exactly one offering")
            offering = offerings[0]
            if not isinstance(offering, dict):
                raise EtsyError(400, "offerings: each offering must be an object")
            if not isinstance(product.get("property_values") or [], list):
                raise EtsyError(400, "property_values: must be a list")
            extra = set(offering) - set(OFFERING_KEYS)
            if extra:
                raise EtsyError(
                    400, f"offerings: unexpected field {sorted(extra)[0]} (read-only fields must be removed)"
                )
            if isinstance(offering.get("price"), dict):
                raise EtsyError(400, "price: send the offering price as a number, not the Money object")
            price = self._positive("price", offering.get("price"), Decimal, Decimal("50000"))
            quantity = offering.get("quantity")
            if not isinstance(quantity, int) or not 0 <= quantity <= OFFERING_QUANTITY_MAX:
                raise EtsyError(400, f"quantity: offering quantity must be 0-{OFFERING_QUANTITY_MAX}")
            prices.add(price)
            skus.append(sku)
            money = {"amount": int(price * 100), "divisor": 100, "currency_code": currency}
            stored.append(self._product(sku, list(product.get("property_values") or []),
                                        [{"price": money, "quantity": quantity,
                                          "is_enabled": bool(offering.get("is_enabled", True))}]))  # fmt: skip
        if len(prices) > 1 and not on_price:
            raise EtsyError(400, "price_on_property: prices differ between products but no property sets the price")
        if len({s for s in skus if s}) < len([s for s in skus if s]):
            raise EtsyError(400, "sku: SKUs must be unique within a listing")
        listing["_inventory"] = {"products": stored, "price_on_property": on_price,
                                 "quantity_on_property": on_quantity, "sku_on_property": on_sku}  # fmt: skip
        enabled = [o for p in stored for o in p["offerings"] if o["is_enabled"]]
        listing["quantity"] = sum(o["quantity"] for o in enabled)
        listing["price"] = dict(min((o["price"] for o in enabled), key=lambda m: m["amount"], default=listing["price"]))
        listing["skus"] = [s for s in skus if s]
        if listing["state"] == "active" and listing["quantity"] == 0:
            listing["state"] = "sold_out"
        elif listing["state"] == "sold_out" and listing["quantity"] > 0:
            listing["state"] = "active"
        listing["updated_timestamp"] = int(self.now())
        return self._json(200, {**_copy(listing["_inventory"]), "listing": None})

    # --- control ---

    def items(self) -> list[dict[str, Any]]:
        return [self._public(x) for x in self.listings.values()]

    def set_remote_state(self, item_id: str, state: str, reasons: list[str]) -> dict[str, Any]:
        """Etsy has no review and no suppression state: a listing is deactivated, deleted or active again."""
        listing = self.listings.get(item_id)
        if listing is None:
            raise ValueError(f"No Etsy listing {item_id}.")
        if state in ("rejected", "suppressed"):
            raise ValueError("Etsy has no review or suppression; states: live, inactive, deleted.")
        if state == "deleted":
            del self.listings[item_id]
            return {}
        listing["state"] = "active" if state == "live" else "inactive"
        listing["state_timestamp"] = listing["updated_timestamp"] = int(self.now())
        return self._public(listing)

    def edit_item(self, item_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Seller edit on etsy.com: title, price, quantity, state."""
        listing = self.listings.get(item_id)
        if listing is None:
            raise ValueError(f"No Etsy listing {item_id}.")
        unknown = set(changes) - {"title", "price", "quantity", "state"}
        if unknown:
            raise ValueError(f"Cannot edit {', '.join(sorted(unknown))}; editable: title, price, quantity, state.")
        if "state" in changes and changes["state"] not in STATES:
            raise ValueError(f"state must be one of {', '.join(STATES)}.")
        if "title" in changes:
            listing["title"] = str(changes["title"])
        offerings = [o for p in listing["_inventory"]["products"] for o in p["offerings"]]
        if "price" in changes:
            money = {**listing["price"], "amount": int(Decimal(str(changes["price"])) * 100), "divisor": 100}
            listing["price"] = money
            for offering in offerings:
                offering["price"] = dict(money)
        if "quantity" in changes:
            listing["quantity"] = int(changes["quantity"])
            if offerings:
                offerings[0]["quantity"] = int(changes["quantity"])
        if "state" in changes:
            listing["state"] = changes["state"]
        listing["updated_timestamp"] = int(self.now())
        return self._public(listing)


SORT_KEYS: dict[str, Any] = {
    "created": lambda x: (x["created_timestamp"], x["listing_id"]),
    "updated": lambda x: (x["updated_timestamp"], x["listing_id"]),
    "price": lambda x: (x["price"]["amount"], x["listing_id"]),
    "score": lambda x: x["listing_id"],
}


def _int_list(body: Mapping[str, Any], name: str) -> list[int]:
    value = body.get(name) or []
    if not isinstance(value, list) or not all(isinstance(v, int) for v in value):
        raise EtsyError(400, f"{name}: must be a list of property ids")
    return value


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60] or "listing"


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


MODULE = EtsyModule
