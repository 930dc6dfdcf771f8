"""Amazon SP-API Listings Items 2021-08-01 + Login with Amazon (docs/marketplaces/amazon.md).

No request signing (SigV4 dropped 2023-10); calls carry an LWA access token (1 h) in `x-amz-access-token`, obtained
from `POST /auth/o2/token` with the seller's long-lived refresh token. Submissions are asynchronous: PUT/PATCH answer
`ACCEPTED` and the listing is processed after the review delay, which is when late issues (missing main image,
prohibited title characters) appear. Independent of the connectors.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import re
import secrets
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import unquote, urlencode

from .. import taxonomy
from ..core import MarketplaceModule, RateSetting, Request, Response, TokenStore, json_response
from . import amazon_catalog, amazon_fees, amazon_reports
from .amazon_orders import AmazonOrders

ACCESS_TTL = 3600  # LWA access token: 1 hour (docs/marketplaces/amazon.md#credentials)
REFRESH_TTL = 365 * 86400  # authorisations are renewed every 365 days (docs/marketplaces/amazon.md#credentials)
CODE_TTL = 300  # [U] spapi_oauth_code lifetime (single use)
TITLE_MAX = 200  # [S] (docs/marketplaces/amazon.md#listing-limits)
BULLETS_MAX = 5  # bullet_point entries for a seller (docs/marketplaces/amazon.md#content-fields)
BULLET_MAX = 500  # characters per bullet_point value
KEYWORDS_MAX_BYTES = 250  # generic_keyword, counted in UTF-8 bytes
SKU_MAX = 40  # [U] (docs/marketplaces/amazon.md#listing-limits)
PAGE_MAX = 20  # (docs/marketplaces/amazon.md#endpoints)
SEARCH_CEILING = 1000  # (docs/marketplaces/amazon.md#endpoints)
PROHIBITED_TITLE_CHARS = set("!$?_{}^¬¦")  # (docs/marketplaces/amazon.md#listing-limits)
CURRENCY_BY_MARKETPLACE = {"ATVPDKIKX0DER": "USD", "A2EUQ1WTGCTBG2": "CAD", "A1F83G8C2ARO7P": "GBP",
                           "A1PA6795UKMFR9": "EUR", "A1VC38T7YXB528": "JPY"}  # fmt: skip
REQUIREMENTS = ("LISTING", "LISTING_PRODUCT_ONLY", "LISTING_OFFER_ONLY")
PATCH_OPS = ("add", "replace", "merge", "delete")
ITEM = re.compile(r"/listings/2021-08-01/items/(?P<seller>[^/]+)/(?P<sku>[^/]+)")
ITEMS = re.compile(r"/listings/2021-08-01/items/(?P<seller>[^/]+)")
# The `variation_theme` values each product type's definition allows (docs/marketplaces/amazon.md#variation-families);
# a product type missing here has no variation themes. Each theme's parts are the child attributes it varies by.
APPAREL = ("SIZE", "COLOR", "SIZE/COLOR")
THEMES = {"SHIRT": APPAREL, "DRESS": APPAREL, "PANTS": APPAREL, "SHOES": APPAREL, "SWEATSHIRT": APPAREL,
          "T_SHIRTS": APPAREL, "DRESSES": APPAREL, "TOPS": APPAREL, "DRINKING_CUP": ("COLOR", "SIZE", "SIZE/COLOR"),
          "BACKPACK": ("COLOR", "STYLE", "COLOR/STYLE")}  # fmt: skip
PARENTAGE = ("parent", "child")
DEFINITIONS = "/definitions/2020-09-01/"
PRODUCT_TYPE = re.compile(r"/definitions/2020-09-01/productTypes/(?P<product_type>[A-Z0-9_]+)")
SCHEMA = re.compile(r"/definitions/2020-09-01/schemas/(?P<product_type>[A-Z0-9_]+)\.json")
# requests per second (docs/marketplaces/amazon.md#rate-limits)
RATES = {"put": 5.0, "patch": 5.0, "delete": 5.0, "get": 5.0, "search": 5.0}


class AmazonError(Exception):
    def __init__(self, status: int, code: str, message: str, details: str = "") -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


class LwaError(Exception):
    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status, self.error, self.description = status, error, description


class AmazonModule(AmazonOrders, MarketplaceModule):
    code = "amazon"
    # per operation, burst 5-10 (docs/marketplaces/amazon.md#rate-limits)
    default_rate = RateSetting(rate=5.0, burst=10.0)

    def reset(self) -> None:
        super().reset()
        self.clients: dict[str, str] = {}  # LWA client id -> secret
        self.tokens = TokenStore(self)
        self.sellers: dict[str, dict[str, Any]] = {}  # sellerId -> {marketplace_id, client_id}
        self.listings: dict[tuple[str, str], dict[str, Any]] = {}
        # other sellers' items and offers (amazon_catalog.py), moving on the sandbox clock (competition.py)
        self.catalog = amazon_catalog.AmazonCatalog(now=self.now, seed=self.sandbox.seed)
        self.reports = amazon_reports.ReportsState()  # Reports API 2021-06-30 (amazon_reports.py)

    # --- accounts ---

    def add_account(self, shop_id: str, credentials: Mapping[str, str], **options: Any) -> dict[str, str]:
        client_id = str(credentials["lwa_client_id"])
        self.clients[client_id] = str(credentials["lwa_client_secret"])
        self.sellers[shop_id] = {
            "marketplace_id": credentials.get("marketplace_id", "ATVPDKIKX0DER"),
            "client_id": client_id,
            "application_id": str(options.get("application_id", "amzn1.sp.solution.sandbox")),
            "redirect_uri": str(options.get("redirect_uri", "http://127.0.0.1:8000/channels/oauth/amazon/callback")),
        }
        refresh = self.tokens.issue("refresh", shop_id, REFRESH_TTL, credentials.get("refresh_token") or None)
        out = {**credentials, "refresh_token": refresh.value}
        if credentials.get("access_token"):
            self.tokens.issue("access", shop_id, ACCESS_TTL, credentials["access_token"])
        return out

    def expire_tokens(self, shop_id: str, which: str = "access") -> None:
        self.tokens.expire(shop_id, which)

    def set_competitor(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return self.catalog.set_competitor(data)

    def set_reports(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return self.reports.control(data)

    def operation_rate(self, key: str) -> RateSetting | None:
        """The Reports API's documented usage plans per operation (`<seller>:<operation>` buckets)."""
        return amazon_reports.RATES.get(key.rsplit(":", 1)[-1])

    # --- responses ---

    def _json(
        self, status: int, payload: Any, headers: Mapping[str, str] | None = None, created: bool = False
    ) -> Response:
        base = {"x-amzn-RequestId": str(uuid.uuid4())}
        return json_response(status, payload, {**base, **(headers or {})}, created=created)

    def _errors(self, exc: AmazonError, headers: Mapping[str, str] | None = None) -> Response:
        body = {"errors": [{"code": exc.code, "message": exc.message, "details": exc.details}]}
        return self._json(exc.status, body, headers)

    def server_error(self, req: Request, status: int) -> Response:
        if status == 503:
            exc = AmazonError(503, "ServiceUnavailable", "Service is temporarily unavailable. Please try again.")
        else:
            exc = AmazonError(status, "InternalFailure", "We encountered an internal error. Please try again.")
        return self._errors(exc)

    # --- pipeline ---

    def handle(self, req: Request) -> Response:
        with self.lock:
            if req.path == "/apps/authorize/consent":
                return self._consent(req)
            if req.path == "/auth/o2/token":
                try:
                    return self._lwa(req)
                except LwaError as exc:
                    return self._json(exc.status, {"error_description": exc.description, "error": exc.error})
            if req.path.startswith("/orders/v0/"):
                return self.orders_request(req)
            if req.path.startswith(DEFINITIONS):
                return self._definitions(req)
            if (catalog := amazon_catalog.serve(self, req)) is not None:
                return catalog
            if (fees := amazon_fees.serve(self, req, self._fees_seller)) is not None:
                return fees
            if (reports := amazon_reports.serve(self, req)) is not None:
                return reports
            rate_headers: dict[str, str] = {}
            try:
                op, match = self._route(req)
                seller = self._authenticate(req, match["seller"])
                req.log.update(shop_id=seller, op=op)
                wait, rate_headers = self.operation_gate(f"{seller}:{op}")
                if wait > 0:
                    raise AmazonError(429, "QuotaExceeded", "You exceeded your quota for the requested resource.")
                marketplace_id = self._marketplace(req, seller)
                response = getattr(self, f"_{op}")(req, seller, match.get("sku", ""), marketplace_id)
                response.headers.update(rate_headers)
                return response
            except AmazonError as exc:
                return self._errors(exc, rate_headers)
            except (TypeError, ValueError, KeyError, AttributeError) as exc:  # a body of an unexpected shape
                return self._errors(AmazonError(400, "InvalidInput", f"Invalid input ({type(exc).__name__})."))

    def _definitions(self, req: Request) -> Response:
        """Product Type Definitions (docs/sandbox.md#category-trees): searchDefinitionsProductTypes and
        getDefinitionsProductType, authorised and throttled like the Listings calls; the schema document its
        `schema.link.resource` names is served without a token, as Amazon's presigned link is."""
        rate_headers: dict[str, str] = {}
        try:
            if req.method != "GET":
                raise AmazonError(405, "MethodNotAllowed", f"{req.method} is not supported here.")
            schema = SCHEMA.fullmatch(req.path)
            if schema:
                body = taxonomy.amazon_schema(schema["product_type"])
                if body is None:
                    raise AmazonError(404, "NotFound", "The schema document is not found.")
                return self._json(200, body)
            one = PRODUCT_TYPE.fullmatch(req.path)
            if one is None and req.path != DEFINITIONS + "productTypes":
                raise AmazonError(404, "NotFound", f"Resource {req.path} is not found.")
            seller = amazon_catalog.seller_of(self, req)
            operation = "getDefinitionsProductType" if one else "searchDefinitionsProductTypes"
            req.log.update(shop_id=seller, op=operation)
            wait, rate_headers = self.operation_gate(f"{seller}:{operation}")
            if wait > 0:
                raise AmazonError(429, "QuotaExceeded", "You exceeded your quota for the requested resource.")
            marketplace_id = self._marketplace(req, seller)
            if one is None:
                return self._json(200, taxonomy.amazon_search(marketplace_id, req.arg("keywords")), rate_headers)
            host = req.header("Host", "127.0.0.1")
            url = f"http://{host}/{self.code}{DEFINITIONS}schemas/{one['product_type']}.json"
            definition = taxonomy.amazon_definition(one["product_type"], marketplace_id, url)
            if definition is None:
                raise AmazonError(404, "NotFound", f"Product type {one['product_type']} is not found.")
            return self._json(200, definition, rate_headers)
        except amazon_catalog.CatalogError as exc:
            return self._errors(AmazonError(exc.status, exc.code, exc.message), rate_headers)
        except AmazonError as exc:
            return self._errors(exc, rate_headers)

    def _route(self, req: Request) -> tuple[str, dict[str, str]]:
        match = ITEM.fullmatch(req.path)
        if match:
            ops = {"PUT": "put", "PATCH": "patch", "DELETE": "delete", "GET": "get"}
            if req.method not in ops:
                raise AmazonError(405, "MethodNotAllowed", f"{req.method} is not supported here.")
            return ops[req.method], {"seller": unquote(match["seller"]), "sku": unquote(match["sku"])}
        match = ITEMS.fullmatch(req.path)
        if match:
            if req.method != "GET":
                raise AmazonError(405, "MethodNotAllowed", f"{req.method} is not supported here.")
            return "search", {"seller": unquote(match["seller"])}
        raise AmazonError(404, "NotFound", f"Resource {req.path} is not found.")

    def operation_gate(self, bucket: str) -> tuple[float, dict[str, str]]:
        """Take a token from one operation's bucket (`<seller>:<operation>`): the wait it would need (> 0: throttle
        with 429) and the rate header every answer of that operation carries."""
        wait = self.throttle(bucket)
        _, setting = self.bucket_state(bucket)
        return wait, {"x-amzn-RateLimit-Limit": f"{setting.rate:g}"}

    def _fees_seller(self, req: Request) -> str:
        """The seller of the LWA access token of a Product Fees call (its paths carry no seller id)."""
        try:
            return amazon_catalog.seller_of(self, req)
        except amazon_catalog.CatalogError as exc:
            raise amazon_fees.FeesError(exc.status, exc.code, exc.message) from None

    def _authenticate(self, req: Request, seller: str) -> str:
        value = req.header("x-amz-access-token")
        denied = "Access to requested resource is denied."
        if not value:
            raise AmazonError(403, "Unauthorized", denied, "The access token is missing.")
        token = self.tokens.get("access", value)
        if token is None:
            raise AmazonError(
                403, "Unauthorized", denied, "The access token you provided is revoked, malformed or invalid."
            )
        if self.tokens.expired(token):
            raise AmazonError(403, "Unauthorized", denied, "The access token you provided has expired.")
        if token.shop_id != seller:
            raise AmazonError(403, "Unauthorized", denied, "")
        return seller

    def _marketplace(self, req: Request, seller: str) -> str:
        ids = [part for part in req.arg("marketplaceIds").split(",") if part]
        if not ids:
            raise AmazonError(400, "InvalidInput", "Missing required 'marketplaceIds'.")
        if ids != [self.sellers[seller]["marketplace_id"]]:
            raise AmazonError(400, "InvalidInput", f"Invalid 'marketplaceIds': {','.join(ids)}.")
        return ids[0]

    # --- Login with Amazon ---

    def _lwa(self, req: Request) -> Response:
        if req.method != "POST":
            raise LwaError(400, "invalid_request", "The request must be a POST.")
        params = req.args()
        for name in ("grant_type", "client_id", "client_secret"):
            if not params.get(name):
                raise LwaError(400, "invalid_request", f"The request is missing a required parameter : {name}")
        secret = self.clients.get(params["client_id"])
        if secret is None or not hmac.compare_digest(secret, params["client_secret"]):
            raise LwaError(401, "invalid_client", "Client authentication failed")
        if params["grant_type"] == "authorization_code":
            return self._code_grant(params)
        if params["grant_type"] != "refresh_token":
            raise LwaError(400, "unsupported_grant_type", "grant_type must be refresh_token or authorization_code")
        refresh = self.tokens.valid("refresh", params.get("refresh_token", ""))
        if refresh is None or self.sellers[refresh.shop_id]["client_id"] != params["client_id"]:
            raise LwaError(400, "invalid_grant", "The request has an invalid grant parameter : refresh_token")
        access = self.tokens.issue("access", refresh.shop_id, ACCESS_TTL, "Atza|" + secrets.token_urlsafe(32))
        body = {
            "access_token": access.value,
            "refresh_token": refresh.value,
            "token_type": "bearer",
            "expires_in": ACCESS_TTL,
        }
        return self._json(200, body)

    def _consent(self, req: Request) -> Response:
        """Seller Central consent page: the sandbox seller of the application consents at once and is sent to the
        redirect URI with `spapi_oauth_code`, `state` and `selling_partner_id`."""
        application_id, state = req.arg("application_id"), req.arg("state")
        seller = next((sid for sid, s in self.sellers.items() if s["application_id"] == application_id), None)
        if seller is None or not state:
            return self._json(400, {"error": "Unknown application_id or missing state."})
        redirect = self.sellers[seller]["redirect_uri"]
        code = self.tokens.issue("code", seller, CODE_TTL, "ANDm" + secrets.token_urlsafe(16), redirect_uri=redirect)
        query = urlencode({"state": state, "selling_partner_id": seller, "spapi_oauth_code": code.value})
        return Response(302, b"", {"Location": f"{redirect}?{query}"})

    def _code_grant(self, params: Mapping[str, str]) -> Response:
        code = self.tokens.valid("code", params.get("code", ""))
        if code is None or self.sellers[code.shop_id]["client_id"] != params["client_id"]:
            raise LwaError(400, "invalid_grant", "The request has an invalid grant parameter : code")
        if params.get("redirect_uri") != code.extra["redirect_uri"]:
            raise LwaError(400, "invalid_grant", "The redirect_uri does not match the one of the authorization")
        code.used = True
        refresh = self.tokens.issue("refresh", code.shop_id, REFRESH_TTL, "Atzr|" + secrets.token_urlsafe(32))
        access = self.tokens.issue("access", code.shop_id, ACCESS_TTL, "Atza|" + secrets.token_urlsafe(32))
        body = {
            "access_token": access.value,
            "refresh_token": refresh.value,
            "token_type": "bearer",
            "expires_in": ACCESS_TTL,
        }
        return self._json(200, body)

    # --- validation ---

    def _issue(self, code: str, message: str, names: list[str], severity: str = "ERROR") -> dict[str, Any]:
        category = "MISSING_ATTRIBUTE" if "required" in message else "INVALID_ATTRIBUTE"
        return {
            "code": code,
            "message": message,
            "severity": severity,
            "attributeNames": names,
            "categories": [category],
        }

    def _check_attributes(
        self, attributes: Mapping[str, Any], marketplace_id: str, requirements: str
    ) -> list[dict[str, Any]]:
        """Synchronous checks (schema level): these make the submission INVALID."""
        issues = []
        if requirements != "LISTING_OFFER_ONLY":
            name = _first_value(attributes.get("item_name"))
            if not isinstance(name, str) or not name.strip():
                issues.append(self._issue("90220", "'item_name' is required but not supplied.", ["item_name"]))
            elif len(name) > TITLE_MAX:
                issues.append(self._issue("8541", f"'item_name' exceeds {TITLE_MAX} characters.", ["item_name"]))
        issues.extend(self._check_content(attributes))
        if "purchasable_offer" in attributes:
            issues.extend(self._check_offer(attributes["purchasable_offer"], marketplace_id))
        if "fulfillment_availability" in attributes:
            issues.extend(self._check_stock(attributes["fulfillment_availability"]))
        return issues

    def _check_content(self, attributes: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Content attributes as the product type schemas bound them (docs/marketplaces/amazon.md#content-fields):
        bullet_point at most 5 entries of at most 500 characters; generic_keyword at most 250 bytes of UTF-8."""
        issues = []
        bullets = attributes.get("bullet_point")
        if bullets is not None:
            values = [b.get("value") for b in bullets if isinstance(b, Mapping)] if isinstance(bullets, list) else []
            if not isinstance(bullets, list) or len(values) != len(bullets) or len(bullets) > BULLETS_MAX:
                issues.append(
                    self._issue("90244", f"'bullet_point' takes at most {BULLETS_MAX} entries.", ["bullet_point"])
                )
            elif any(not isinstance(v, str) or len(v) > BULLET_MAX for v in values):
                issues.append(
                    self._issue("8541", f"'bullet_point' value exceeds {BULLET_MAX} characters.", ["bullet_point"])
                )
        keywords = _first_value(attributes.get("generic_keyword"))
        if keywords is not None and (not isinstance(keywords, str) or len(keywords.encode()) > KEYWORDS_MAX_BYTES):
            issues.append(
                self._issue(
                    "8541",
                    f"'generic_keyword' exceeds the maximum of {KEYWORDS_MAX_BYTES} bytes.",
                    ["generic_keyword"],
                )
            )
        return issues

    def _check_offer(self, value: Any, marketplace_id: str) -> list[dict[str, Any]]:
        names = ["purchasable_offer"]
        try:
            offer = value[0]
            price = Decimal(str(offer["our_price"][0]["schedule"][0]["value_with_tax"]))
        except (TypeError, KeyError, IndexError, InvalidOperation):
            return [
                self._issue("90244", "'purchasable_offer' must contain our_price[0].schedule[0].value_with_tax.", names)
            ]
        currency = CURRENCY_BY_MARKETPLACE.get(marketplace_id, "USD")
        if offer.get("currency") != currency:
            return [
                self._issue("90244", f"'purchasable_offer' currency must be {currency} in {marketplace_id}.", names)
            ]
        if price <= 0:
            return [self._issue("90244", "'purchasable_offer' price must be greater than 0.", names)]
        return []

    def _check_stock(self, value: Any) -> list[dict[str, Any]]:
        names = ["fulfillment_availability"]
        try:
            quantity = value[0]["quantity"]
        except (TypeError, KeyError, IndexError):
            return [self._issue("90244", "'fulfillment_availability' must contain a quantity.", names)]
        if not isinstance(quantity, int) or quantity < 0:
            return [self._issue("90244", "'fulfillment_availability' quantity must be a whole number >= 0.", names)]
        return []

    def _check_variation(
        self, seller: str, sku: str, product_type: str, attributes: Mapping[str, Any]
    ) -> list[dict[str, Any]]:
        """Parent/child rules: a theme the product type allows; a child names an existing parent of the same
        product type and theme, and carries a value for each attribute of the theme."""
        level = _first_value(attributes.get("parentage_level"))
        if level is None:
            return []
        if level not in PARENTAGE:
            return [self._issue("90244", "'parentage_level' must be parent or child.", ["parentage_level"])]
        theme = _first_value(attributes.get("variation_theme"), "name")
        allowed = THEMES.get(product_type, ())
        if not isinstance(theme, str) or theme not in allowed:
            valid = ", ".join(allowed) or "none"
            message = f"The variation theme '{theme}' is not valid for product type '{product_type}'. Valid: {valid}."
            return [self._issue("90003875", message, ["variation_theme"])]
        if level == "parent":
            return []
        relation = attributes.get("child_parent_sku_relationship")
        parent_sku = _first_value(relation, "parent_sku")
        parent = self.listings.get((seller, str(parent_sku)))
        names = ["child_parent_sku_relationship"]
        if not parent_sku or parent is None or _first_value(parent["attributes"].get("parentage_level")) != "parent":
            return [self._issue("8560", f"Parent SKU '{parent_sku}' does not exist as a parent listing.", names)]
        if (
            parent["productType"] != product_type
            or _first_value(parent["attributes"].get("variation_theme"), "name") != theme
        ):
            message = f"Child '{sku}' must have the product type and variation theme of its parent '{parent_sku}'."
            return [self._issue("8560", message, names)]
        return [
            self._issue("90220", f"'{part}' is required but not supplied.", [part])
            for part in theme.lower().split("/")
            if not str(_first_value(attributes.get(part)) or "").strip()
        ]

    def _late_issues(self, attributes: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Found while processing an ACCEPTED submission ('ACCEPTED means queued',
        docs/marketplaces/amazon.md#endpoints)."""
        issues = []
        if not _first_value(attributes.get("main_product_image_locator"), "media_location"):
            issues.append(
                self._issue(
                    "18027",
                    "Missing main image: 'main_product_image_locator' is required to be buyable.",
                    ["main_product_image_locator"],
                )  # fmt: skip
            )
        name = _first_value(attributes.get("item_name"))
        if isinstance(name, str) and PROHIBITED_TITLE_CHARS & set(name):
            bad = "".join(sorted(PROHIBITED_TITLE_CHARS & set(name)))
            issues.append(self._issue("90003", f"'item_name' contains prohibited characters: {bad}", ["item_name"]))
        if self.review_outcome == "reject":
            reasons = self.review_reasons or ["The listing was rejected after review."]
            issues.extend(self._issue("99300", reason, []) for reason in reasons)
        return issues

    # --- processing ---

    def _submit(self, item: dict[str, Any]) -> None:
        item["_submission"] = str(uuid.uuid4())
        if not self.start_review(item):
            self._process(item)

    def _settle(self, item: dict[str, Any]) -> None:
        if self.review_due(item):
            self._process(item)

    def _process(self, item: dict[str, Any]) -> None:
        item["live"] = {
            "productType": item["productType"],
            "attributes": copy.deepcopy(item["attributes"]),
            "issues": self._late_issues(item["attributes"]),
            "lastUpdatedDate": _iso(item.pop("_reviewed_at", None) or self.now()),
        }
        item.pop("_inactive", None)

    def set_remote_state(self, item_id: str, state: str, reasons: list[str]) -> dict[str, Any]:
        """Amazon suppresses (an issue with an enforcement action), rejects (ERROR issues), closes or deletes."""
        found = [(key, item) for key, item in self.listings.items() if key[1] == item_id]
        if not found:
            raise ValueError(f"No Amazon listing with SKU {item_id}.")
        key, item = found[0]
        if state == "deleted":
            del self.listings[key]
            return {}
        self._settle(item)
        if "live" not in item:
            self._process(item)
        live = item["live"]
        live["issues"] = [i for i in live["issues"] if i.get("code") not in ("99300", "99400")]
        item["_inactive"] = state == "inactive"
        for reason in (reasons or self.rejection_reasons()) if state in ("suppressed", "rejected") else []:
            issue = self._issue("99300" if state == "rejected" else "99400", reason, [])
            if state == "suppressed":
                issue["enforcements"] = {
                    "actions": [{"action": "LISTING_SUPPRESSED"}],
                    "exemption": {"status": "NOT_EXEMPT"},
                }
            live["issues"].append(issue)
        live["lastUpdatedDate"] = _iso(self.now())
        return self._view(item, self.sellers[key[0]]["marketplace_id"], {"summaries", "issues"})

    def _submission(self, item: Mapping[str, Any], status: str, issues: list[dict[str, Any]]) -> dict[str, Any]:
        return {"sku": item["sku"], "status": status, "submissionId": item.get("_submission") or str(uuid.uuid4()),
                "issues": issues}  # fmt: skip

    def _body(self, req: Request) -> dict[str, Any]:
        if "application/json" not in req.header("Content-Type"):
            raise AmazonError(415, "UnsupportedMediaType", "The request body must be application/json.")
        try:
            body = req.json()
        except ValueError:
            raise AmazonError(400, "InvalidInput", "Could not parse the request body as JSON.") from None
        if not isinstance(body, dict):
            raise AmazonError(400, "InvalidInput", "The request body must be a JSON object.")
        return body

    # --- operations ---

    def _put(self, req: Request, seller: str, sku: str, marketplace_id: str) -> Response:
        if len(sku) > SKU_MAX:
            raise AmazonError(400, "InvalidInput", f"The SKU must be {SKU_MAX} characters or fewer.")
        body = self._body(req)
        product_type = body.get("productType")
        attributes = body.get("attributes")
        requirements = body.get("requirements", "LISTING")
        if not isinstance(product_type, str) or not re.fullmatch(r"[A-Z0-9_]+", product_type):
            raise AmazonError(400, "InvalidInput", "'productType' is required (an upper-case product type name).")
        if not isinstance(attributes, dict):
            raise AmazonError(400, "InvalidInput", "'attributes' is required.")
        if requirements not in REQUIREMENTS:
            raise AmazonError(400, "InvalidInput", f"'requirements' must be one of {', '.join(REQUIREMENTS)}.")
        issues = self._check_attributes(attributes, marketplace_id, requirements)
        issues += self._check_variation(seller, sku, product_type, attributes)
        key = (seller, sku)
        existing = self.listings.get(key)
        if issues:
            return self._json(200, self._submission({"sku": sku}, "INVALID", issues))
        if req.arg("mode") == "VALIDATION_PREVIEW":
            return self._json(200, self._submission({"sku": sku}, "VALID", []))
        now = _iso(self.now())
        item = existing or {"sku": sku, "createdDate": now, "asin": _asin(seller, sku)}
        item.update(productType=product_type, attributes=copy.deepcopy(attributes), requirements=requirements,
                    lastUpdatedDate=now)  # fmt: skip
        self.listings[key] = item
        self._submit(item)
        return self._json(200, self._submission(item, "ACCEPTED", []), created=existing is None)

    def _patch(self, req: Request, seller: str, sku: str, marketplace_id: str) -> Response:
        item = self._item(seller, sku)
        body = self._body(req)
        patches = body.get("patches")
        if not isinstance(body.get("productType"), str) or not isinstance(patches, list) or not patches:
            raise AmazonError(400, "InvalidInput", "'productType' and a non-empty 'patches' list are required.")
        attributes = copy.deepcopy(item["attributes"])
        for patch in patches:
            if not isinstance(patch, dict) or patch.get("op") not in PATCH_OPS:
                raise AmazonError(400, "InvalidInput", f"Each patch needs an 'op' in {', '.join(PATCH_OPS)}.")
            match = re.fullmatch(r"/attributes/([a-z0-9_]+)", str(patch.get("path", "")))
            if not match:
                raise AmazonError(400, "InvalidInput", "A patch 'path' must be /attributes/<top-level attribute>.")
            name = match.group(1)
            if patch["op"] == "delete":
                attributes.pop(name, None)
            elif not isinstance(patch.get("value"), list):
                raise AmazonError(400, "InvalidInput", f"The value of {patch['path']} must be a list.")
            else:
                attributes[name] = patch["value"]
        issues = self._check_attributes(attributes, marketplace_id, "LISTING_OFFER_ONLY")
        if issues:
            return self._json(200, self._submission(item, "INVALID", issues))
        warnings = []
        if body["productType"] != item["productType"]:
            warnings.append(self._issue("4000003", f"productType {body['productType']} differs from the listing's "
                                        f"{item['productType']}; the listing's was used.", [], "WARNING"))  # fmt: skip
        item["attributes"] = attributes
        item["lastUpdatedDate"] = _iso(self.now())
        self._submit(item)
        return self._json(200, self._submission(item, "ACCEPTED", warnings))

    def _delete(self, req: Request, seller: str, sku: str, marketplace_id: str) -> Response:
        item = self._item(seller, sku)
        del self.listings[(seller, sku)]
        return self._json(200, self._submission(item, "ACCEPTED", []))

    def _item(self, seller: str, sku: str) -> dict[str, Any]:
        item = self.listings.get((seller, sku))
        if item is None:
            raise AmazonError(404, "NOT_FOUND", f"SKU '{sku}' not found in marketplace.")
        self._settle(item)
        return item

    def _get(self, req: Request, seller: str, sku: str, marketplace_id: str) -> Response:
        item = self._item(seller, sku)
        return self._json(200, self._view(item, marketplace_id, _included(req)))

    def _search(self, req: Request, seller: str, sku: str, marketplace_id: str) -> Response:
        size_text = req.arg("pageSize", "10")
        if not size_text.isdigit() or not 1 <= int(size_text) <= PAGE_MAX:
            raise AmazonError(400, "InvalidInput", f"'pageSize' must be 1-{PAGE_MAX}.")
        size = int(size_text)
        token = req.arg("pageToken")
        offset = 0
        if token:
            try:
                offset = int(token.removeprefix("pt-"), 16)
            except ValueError:
                raise AmazonError(400, "InvalidInput", "'pageToken' is invalid.") from None
        mine = sorted((i for (s, _), i in self.listings.items() if s == seller), key=lambda i: i["sku"])
        for item in mine:
            self._settle(item)
        after = req.arg("lastUpdatedAfter")  # ISO 8601 (docs/marketplaces/amazon.md#incremental-pull)
        if after:
            try:
                threshold = _iso(datetime.fromisoformat(after.replace("Z", "+00:00")).timestamp())
            except ValueError:
                raise AmazonError(400, "InvalidInput", "'lastUpdatedAfter' must be an ISO 8601 date.") from None
            mine = [i for i in mine if (i.get("live") or {}).get("lastUpdatedDate", i["createdDate"]) >= threshold]
        mine = mine[:SEARCH_CEILING]
        page = mine[offset : offset + size]
        included = _included(req)
        pagination: dict[str, str] = {}
        if offset + size < len(mine):
            pagination["nextToken"] = f"pt-{offset + size:x}"
        if offset > 0:
            pagination["previousToken"] = f"pt-{max(0, offset - size):x}"
        body = {"numberOfResults": len(mine), "pagination": pagination,
                "items": [self._view(i, marketplace_id, included) for i in page]}  # fmt: skip
        return self._json(200, body)

    # --- views ---

    def _view(self, item: Mapping[str, Any], marketplace_id: str, included: set[str]) -> dict[str, Any]:
        live = item.get("live")
        out: dict[str, Any] = {"sku": item["sku"]}
        attributes = live["attributes"] if live else {}
        issues = live["issues"] if live else []
        if "summaries" in included:
            out["summaries"] = [self._summary(item, live, marketplace_id)] if live else []
        if "attributes" in included:
            out["attributes"] = copy.deepcopy(attributes)
        if "issues" in included:
            out["issues"] = copy.deepcopy(issues)
        if "offers" in included:
            out["offers"] = []
            offer = attributes.get("purchasable_offer")
            if offer:
                price = offer[0]["our_price"][0]["schedule"][0]["value_with_tax"]
                amount = str(Decimal(str(price)).quantize(Decimal("0.01")))
                out["offers"] = [{"marketplaceId": marketplace_id, "offerType": "B2C",
                                  "price": {"currencyCode": offer[0]["currency"], "amount": amount}}]  # fmt: skip
        if "relationships" in included:
            out["relationships"] = [{"marketplaceId": marketplace_id, "relationships": self._relations(item)}]
        if "fulfillmentAvailability" in included:
            stock = attributes.get("fulfillment_availability")
            out["fulfillmentAvailability"] = (
                [{"fulfillmentChannelCode": stock[0].get("fulfillment_channel_code", "DEFAULT"),
                  "quantity": stock[0]["quantity"]}] if stock else []
            )  # fmt: skip
        return out

    def _relations(self, item: Mapping[str, Any]) -> list[dict[str, Any]]:
        attributes = item["attributes"]
        level = _first_value(attributes.get("parentage_level"))
        theme = str(_first_value(attributes.get("variation_theme"), "name") or "")
        variation = {"attributes": theme.lower().split("/"), "theme": theme}
        if level == "parent":
            seller = next(s for (s, k), i in self.listings.items() if i is item)
            children = sorted(
                key for (s, key), other in self.listings.items()
                if s == seller and _first_value(other["attributes"].get("child_parent_sku_relationship"), "parent_sku")
                == item["sku"]
            )  # fmt: skip
            return [{"type": "VARIATION", "childSkus": children, "variationTheme": variation}]
        if level == "child":
            parent = _first_value(attributes.get("child_parent_sku_relationship"), "parent_sku")
            return [{"type": "VARIATION", "parentSkus": [parent], "variationTheme": variation}]
        return []

    def _summary(self, item: Mapping[str, Any], live: Mapping[str, Any], marketplace_id: str) -> dict[str, Any]:
        attributes = live["attributes"]
        errors = any(i["severity"] == "ERROR" for i in live["issues"])
        stock = attributes.get("fulfillment_availability") or [{"quantity": 0}]
        offer = attributes.get("purchasable_offer")
        flags = []
        if not errors and not item.get("_inactive"):
            flags.append("DISCOVERABLE")
            if offer and stock[0].get("quantity", 0) > 0:
                flags.insert(0, "BUYABLE")
        summary = {
            "marketplaceId": marketplace_id, "asin": item["asin"], "productType": live["productType"],
            "conditionType": _first_value(attributes.get("condition_type")) or "new_new", "status": flags,
            "itemName": _first_value(attributes.get("item_name")) or "", "createdDate": item["createdDate"],
            "lastUpdatedDate": live["lastUpdatedDate"],
        }  # fmt: skip
        image = _first_value(attributes.get("main_product_image_locator"), "media_location")
        if image:
            summary["mainImage"] = {"link": image, "height": 1000, "width": 1000}
        return summary

    # --- control ---

    def items(self) -> list[dict[str, Any]]:
        out = []
        for (seller, _), item in self.listings.items():
            self._settle(item)
            view = self._view(item, self.sellers[seller]["marketplace_id"],
                              {"summaries", "attributes", "issues", "offers", "fulfillmentAvailability"})  # fmt: skip
            out.append({**view, "seller_id": seller, "productType": item["productType"], "processed": "live" in item})
        return out

    def edit_item(self, item_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Seller edit in Seller Central (item_id = SKU): title, price, quantity. Applies at once."""
        found = [(key, item) for key, item in self.listings.items() if key[1] == item_id]
        if not found:
            raise ValueError(f"No Amazon listing with SKU {item_id}.")
        unknown = set(changes) - {"title", "price", "quantity"}
        if unknown:
            raise ValueError(f"Cannot edit {', '.join(sorted(unknown))}; editable: title, price, quantity.")
        (seller, _), item = found[0]
        attributes = item["attributes"]
        if "title" in changes:
            attributes["item_name"][0]["value"] = str(changes["title"])
        if "price" in changes:
            attributes["purchasable_offer"][0]["our_price"][0]["schedule"][0]["value_with_tax"] = float(
                changes["price"]
            )
        if "quantity" in changes:
            attributes["fulfillment_availability"] = [
                {"fulfillment_channel_code": "DEFAULT", "quantity": int(changes["quantity"])}
            ]
        self._process(item)
        return self._view(
            item, self.sellers[seller]["marketplace_id"], {"summaries", "offers", "fulfillmentAvailability"}
        )


def _first_value(value: Any, key: str = "value") -> Any:
    if isinstance(value, list) and value and isinstance(value[0], Mapping):
        return value[0].get(key)
    return None


def _included(req: Request) -> set[str]:
    return {part for part in req.arg("includedData", "summaries").split(",") if part}


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _asin(seller: str, sku: str) -> str:
    digest = int(hashlib.sha1(f"{seller}/{sku}".encode()).hexdigest(), 16)
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    chars = []
    for _ in range(8):
        digest, index = divmod(digest, 36)
        chars.append(alphabet[index])
    return "B0" + "".join(chars)


MODULE = AmazonModule
