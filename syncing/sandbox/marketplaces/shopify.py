"""Shopify Admin GraphQL API: access-token header, cost-based throttling, product mutations.

Facts: docs/marketplaces/shopify.md. GraphQL is simulated, not parsed: the root field and its `name: $variable`
arguments are read from the query text, and the answer always carries the complete object (selection sets are
ignored). Aliases and fragments are not supported.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import uuid
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from .. import taxonomy
from ..core import MarketplaceModule, RateSetting, Request, Response, TokenStore, json_response
from .shopify_orders import ShopifyOrders

GRAPHQL_PATH = re.compile(r"^/admin/api/(\d{4}-\d{2}|unstable)/graphql\.json$")
ACCESS_TTL = 3600  # expiring offline tokens: 1 hour (docs/marketplaces/shopify.md#credentials)
REFRESH_TTL = 90 * 86400  # [U] not documented; configurable via expire_tokens in tests
TITLE_MAX = 255  # [U] (docs/marketplaces/shopify.md#listing-limits)
TAGS_MAX = 250  # (docs/marketplaces/shopify.md#listing-limits)
MEDIA_MAX = 250  # [U] (docs/marketplaces/shopify.md#listing-limits)
MEDIA_ALT_MAX = 512  # CreateMediaInput.alt (docs/marketplaces/shopify.md)
INPUT_ARRAY_MAX = 250  # any input array max 250 items (docs/marketplaces/shopify.md#rate-limits)
MUTATION_COST = 10
# inventorySetQuantities needs @idempotent from this version (docs/marketplaces/shopify.md#endpoints)
IDEMPOTENCY_REQUIRED_FROM = "2026-04"
STATUSES = ("ACTIVE", "ARCHIVED", "DRAFT")
INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"


def shopify_query_hmac(pairs: Mapping[str, str], client_secret: str) -> str:
    """HMAC-SHA256 hex over the sorted `k=v&...` query without `hmac`/`signature` (OAuth redirects,
    docs/marketplaces/shopify.md#signing)."""
    message = "&".join(f"{k}={v}" for k, v in sorted(pairs.items()) if k not in ("hmac", "signature"))
    return hmac.new(client_secret.encode(), message.encode(), hashlib.sha256).hexdigest()


class GraphQLError(Exception):
    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.message, self.code = message, code


class ShopifyModule(ShopifyOrders, MarketplaceModule):
    code = "shopify"
    # Standard plan: restore 100 points/s, bucket 1,000 points; the figures change over time
    # (docs/marketplaces/shopify.md#rate-limits).
    default_rate = RateSetting(rate=100.0, burst=1000.0)

    def reset(self) -> None:
        super().reset()
        self.apps: dict[str, str] = {}  # client_id -> client_secret
        self.shops: dict[str, dict[str, Any]] = {}
        self.tokens = TokenStore(self)
        self.products: dict[int, dict[str, Any]] = {}
        self.variants: dict[int, dict[str, Any]] = {}  # variant id -> variant (also inside its product)
        self.collections: dict[str, dict[str, Any]] = {}  # gid -> {shop_id, title, handle}
        self.next_id = 8_000_000_001

    def add_account(self, shop_id: str, credentials: Mapping[str, str], **options: Any) -> dict[str, str]:
        if credentials.get("client_id"):
            self.apps[credentials["client_id"]] = credentials.get("client_secret", "")
        self.shops[shop_id] = {"location_id": self._new_id(), "currency": options.get("currency", "SGD")}
        expiring = bool(options.get("expiring"))
        access = self.tokens.issue("access", shop_id, ACCESS_TTL if expiring else None, credentials.get("access_token"))
        out = {**credentials, "access_token": access.value}
        if expiring:
            refresh = self.tokens.issue("refresh", shop_id, REFRESH_TTL, credentials.get("refresh_token"))
            out["refresh_token"] = refresh.value
        return out

    def expire_tokens(self, shop_id: str, which: str = "access") -> None:
        self.tokens.expire(shop_id, which)

    def server_error(self, req: Request, status: int) -> Response:
        return json_response(status, {"errors": "Internal Server Error"}, {"X-Request-Id": self.new_request_id()})

    def _new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    # --- request pipeline ---

    def handle(self, req: Request) -> Response:
        with self.lock:
            if req.path == "/admin/oauth/authorize" and req.method == "GET":
                return self._authorize(req)
            if req.path == "/admin/oauth/access_token" and req.method == "POST":
                return self._access_token(req)
            match = GRAPHQL_PATH.match(req.path)
            if match is None or req.method != "POST":
                return json_response(404, {"errors": "Not Found"})
            token = self.tokens.valid("access", req.header("X-Shopify-Access-Token"))
            if token is None:
                return json_response(401, {"errors": INVALID_TOKEN})
            self._consume_rotation(token.value)
            req.log["shop_id"] = token.shop_id
            return self._graphql(req, token.shop_id, match.group(1))

    def _graphql(self, req: Request, shop_id: str, version: str) -> Response:
        try:
            body = req.json()
            query, variables = str(body["query"]), dict(body.get("variables") or {})
        except (ValueError, KeyError, TypeError, AttributeError):
            return json_response(400, {"errors": {"query": "Required parameter missing or invalid"}})
        is_mutation = query.lstrip().startswith("mutation")
        root, args = _root_field(query, variables)
        req.log["op"] = root
        cost = float(MUTATION_COST if is_mutation else _query_cost(root, args))
        wait = self.throttle(shop_id, cost)
        req.log["cost"] = 0 if wait > 0 else int(cost)  # a throttled query costs nothing
        req.log["throttled"] = wait > 0
        available, setting = self.bucket_state(shop_id)
        throttle_status = {
            "maximumAvailable": setting.burst,
            "currentlyAvailable": int(available),
            "restoreRate": setting.rate,
        }
        if wait > 0:
            error = {
                "message": "Throttled",
                "extensions": {"code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"},
            }
            extensions = {
                "cost": {"requestedQueryCost": int(cost), "actualQueryCost": None, "throttleStatus": throttle_status}
            }
            return json_response(200, {"errors": [error], "extensions": extensions})
        extensions = {
            "cost": {"requestedQueryCost": int(cost), "actualQueryCost": int(cost), "throttleStatus": throttle_status}
        }
        try:
            if root == "taxonomy" and not is_mutation:
                data, created = _taxonomy(query, variables), False
            else:
                data, created = self._resolve(root, args, shop_id, version, query, is_mutation)
        except GraphQLError as exc:
            error = {"message": exc.message, "extensions": {"code": exc.code or "argumentLiteralsIncompatible"}}
            return json_response(200, {"errors": [error], "extensions": extensions})
        return json_response(
            200, {"data": {root: data}, "extensions": extensions}, {"X-Request-Id": self.new_request_id()}, created
        )

    def _resolve(
        self, root: str, args: dict[str, Any], shop_id: str, version: str, query: str, is_mutation: bool
    ) -> tuple[Any, bool]:
        queries = {
            "shop": self._shop,
            "locations": self._locations,
            "product": self._product_query,
            "products": self._products_query,
            "nodes": self._nodes_query,
            "orders": self.orders_query,
            "collectionByHandle": self._collection_by_handle,
        }
        mutations = {
            "productCreate": self._product_create,
            "productUpdate": self._product_update,
            "productDelete": self._product_delete,
            "productVariantsBulkUpdate": self._variants_bulk_update,
            "productVariantsBulkCreate": self._variants_bulk_create,
            "collectionCreate": self._collection_create,
            "collectionUpdate": self._collection_update,
        }
        if is_mutation and root == "inventorySetQuantities":
            return self._inventory_set(args, shop_id, version, query), False
        handler = (mutations if is_mutation else queries).get(root)
        if handler is None:
            kind = "Mutation" if is_mutation else "QueryRoot"
            raise GraphQLError(f"Field '{root}' doesn't exist on type '{kind}'", "undefinedField")
        result = handler(args, shop_id)
        return result, root == "productCreate" and isinstance(result, dict) and bool(result.get("product"))

    # --- OAuth ---

    def _authorize(self, req: Request) -> Response:
        """Pretend the merchant approved the install: redirect with code, shop, state, timestamp and hmac."""
        client_id, redirect = req.arg("client_id"), req.arg("redirect_uri")
        shop_id = req.arg("shop") or next(iter(self.shops), "")
        if client_id not in self.apps or not redirect or shop_id not in self.shops:
            return json_response(400, {"errors": "Unknown client_id, shop or missing redirect_uri"})
        code = self.tokens.issue("code", shop_id, 600, None, client_id=client_id)
        pairs = {
            "code": code.value,
            "shop": f"{shop_id}.myshopify.com",
            "state": req.arg("state"),
            "timestamp": str(int(self.wall())),
        }
        pairs["hmac"] = shopify_query_hmac(pairs, self.apps[client_id])
        return Response(302, b"", {"Location": f"{redirect}?{urlencode(pairs)}"})

    def _access_token(self, req: Request) -> Response:
        try:
            data = req.json() if "json" in req.header("Content-Type") else {k: v[0] for k, v in req.form().items()}
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        if data.get("client_id") not in self.apps or self.apps[data["client_id"]] != data.get("client_secret"):
            return json_response(
                400, {"error": "invalid_client", "error_description": "Client credentials are invalid"}
            )
        if data.get("grant_type") == "refresh_token":
            token = self.tokens.valid("refresh", str(data.get("refresh_token") or ""))
            if token is None:
                return json_response(
                    400, {"error": "invalid_grant", "error_description": "Refresh token is invalid or expired"}
                )
            return self._issue_pair(token.shop_id, token)
        code = self.tokens.valid("code", str(data.get("code") or ""))
        if code is None:
            return json_response(400, {"error": "invalid_grant", "error_description": "Authorization code is invalid"})
        code.used = True
        if data.get("expiring") in ("1", 1, True):
            return self._issue_pair(code.shop_id, None)
        access = self.tokens.issue("access", code.shop_id, None)
        return json_response(
            200, {"access_token": access.value, "scope": "read_products,write_products,write_inventory"}
        )

    def _issue_pair(self, shop_id: str, old_refresh: Any) -> Response:
        access = self.tokens.issue("access", shop_id, ACCESS_TTL)
        refresh = self.tokens.issue("refresh", shop_id, REFRESH_TTL)
        if old_refresh is not None:
            # Since 2026-08-28 the previous refresh token stays valid until the new access token is used
            # (docs/marketplaces/shopify.md#credentials).
            old_refresh.extra["replaced_by"] = access.value
        body = {
            "access_token": access.value,
            "scope": "read_products,write_products,write_inventory",
            "expires_in": ACCESS_TTL,
            "refresh_token": refresh.value,
            "refresh_token_expires_in": REFRESH_TTL,
        }
        return json_response(200, body)

    def _consume_rotation(self, access_value: str) -> None:
        for token in self.tokens._tokens.values():
            if token.kind == "refresh" and token.extra.get("replaced_by") == access_value:
                token.used = True

    # --- queries ---

    def _shop(self, args: dict[str, Any], shop_id: str) -> dict[str, Any]:
        return {
            "id": f"gid://shopify/Shop/{abs(hash(shop_id)) % 10**9}",
            "name": f"Sandbox {shop_id}",
            "myshopifyDomain": f"{shop_id}.myshopify.com",
            "currencyCode": self.shops[shop_id]["currency"],
            "resourceLimits": {"maxProductOptions": 3, "maxProductVariants": 2048, "locationLimit": 1000},
        }

    def _locations(self, args: dict[str, Any], shop_id: str) -> dict[str, Any]:
        location = {
            "id": f"gid://shopify/Location/{self.shops[shop_id]['location_id']}",
            "name": "Shop location",
            "isActive": True,
        }
        return {"nodes": [location], "pageInfo": {"hasNextPage": False, "endCursor": None}}

    def _product_query(self, args: dict[str, Any], shop_id: str) -> dict[str, Any] | None:
        product = self._find(args.get("id"), shop_id)
        return self._public(product) if product else None

    def _nodes_query(self, args: dict[str, Any], shop_id: str) -> list[dict[str, Any] | None]:
        ids = list(args.get("ids") or [])
        if len(ids) > INPUT_ARRAY_MAX:
            raise GraphQLError(f"ids exceeds the maximum of {INPUT_ARRAY_MAX} items", "MAX_INPUT_SIZE_EXCEEDED")
        return [
            taxonomy.shopify_node_by_id(gid)
            if str(gid).startswith(taxonomy.SHOPIFY_GID)
            else self._product_query({"id": gid}, shop_id)
            for gid in ids
        ]

    def _products_query(self, args: dict[str, Any], shop_id: str) -> dict[str, Any]:
        first = int(args.get("first") or 0)
        if not 1 <= first <= 250:
            raise GraphQLError("first must be between 1 and 250", "MAX_PAGE_SIZE")
        after = int(args["after"]) if str(args.get("after") or "").isdigit() else 0
        matching = [p for p in sorted(self.products.values(), key=lambda p: p["id"]) if p["shop_id"] == shop_id]
        search = str(args.get("query") or "")
        since = re.search(r"\bupdated_at:>=?'?\"?([0-9T:\-.]+Z?)", search)
        if since:  # "updated_at:>='2026-01-01T00:00:00Z'" (the only range term the sandbox reads)
            matching = [p for p in matching if p["updatedAt"] >= _iso(_parse_iso(since.group(1)))]
        terms = _search_terms(search)
        if terms:
            matching = [p for p in matching if any(_matches(p, field, value) for field, value in terms)]
        matching = [p for p in matching if p["id"] > after]
        page = matching[:first]
        more = len(matching) > first
        end = str(page[-1]["id"]) if page else None
        return {"nodes": [self._public(p) for p in page], "pageInfo": {"hasNextPage": more, "endCursor": end}}

    # --- mutations ---

    def _product_create(self, args: dict[str, Any], shop_id: str) -> dict[str, Any]:
        data = args.get("product") or args.get("input") or {}
        errors = self._validate_product(data, creating=True)
        media = args.get("media") or []
        if len(media) > MEDIA_MAX:
            errors.append({"field": ["media"], "message": f"Media count exceeds {MEDIA_MAX}", "code": "INVALID"})
        for index, entry in enumerate(media):
            alt = entry.get("alt", "")
            if not isinstance(alt, str) or len(alt) > MEDIA_ALT_MAX:
                errors.append(
                    {
                        "field": ["media", str(index), "alt"],
                        "message": f"Alt must be a string of at most {MEDIA_ALT_MAX} characters",
                        "code": "INVALID",
                    }
                )
            if not str(entry.get("originalSource") or "").startswith(("http://", "https://")):
                errors.append(
                    {
                        "field": ["media", str(index), "originalSource"],
                        "message": "Image URL is invalid",
                        "code": "INVALID",
                    }
                )
        if errors:
            return {"product": None, "userErrors": errors}
        product_id = self._new_id()
        now = _iso(self.now())
        product = {
            "id": product_id,
            "shop_id": shop_id,
            "title": str(data["title"]).strip(),
            "descriptionHtml": str(data.get("descriptionHtml") or ""),
            "vendor": str(data.get("vendor") or ""),
            "productType": str(data.get("productType") or ""),
            "tags": list(data.get("tags") or []),
            "status": data.get("status") or "ACTIVE",
            "handle": str(data.get("handle") or "")
            or re.sub(r"[^a-z0-9]+", "-", str(data["title"]).lower()).strip("-"),
            "seo": _seo(data.get("seo")),
            "metafields": _metafields_merge([], data.get("metafields")),
            "collections": [],
            "options": [o.get("name") for o in data.get("productOptions") or []] or ["Title"],
            "media": [
                {
                    "id": f"gid://shopify/MediaImage/{self._new_id()}",
                    "url": m["originalSource"],
                    "alt": m.get("alt", ""),
                }
                for m in media
            ],
            "variants": [],
            "createdAt": now,
            "updatedAt": now,
        }
        self._add_variant(product, {})
        self.products[product_id] = product
        self._join(product, data.get("collectionsToJoin"))
        return {"product": self._public(product), "userErrors": []}

    def _add_variant(self, product: dict[str, Any], data: Mapping[str, Any]) -> dict[str, Any]:
        variant = {
            "id": self._new_id(),
            "product_id": product["id"],
            "price": "0.00",
            "compareAtPrice": None,
            "barcode": "",
            "sku": "",
            "quantity": 0,
            "inventory_item_id": self._new_id(),
            "options": [{"name": "Title", "value": "Default Title"}],
        }
        self._apply_variant(variant, data)
        product["variants"].append(variant)
        self.variants[variant["id"]] = variant
        return variant

    def _apply_variant(self, variant: dict[str, Any], data: Mapping[str, Any]) -> None:
        if "price" in data:
            variant["price"] = str(Decimal(str(data["price"])).quantize(Decimal("0.01")))
        if "compareAtPrice" in data:
            value = data["compareAtPrice"]
            variant["compareAtPrice"] = (
                None if value in (None, "") else str(Decimal(str(value)).quantize(Decimal("0.01")))
            )
        if "barcode" in data:
            variant["barcode"] = str(data["barcode"] or "")
        item = data.get("inventoryItem") or {}
        if "sku" in item:
            variant["sku"] = str(item["sku"] or "")
        if data.get("optionValues"):
            variant["options"] = [{"name": o.get("optionName"), "value": o.get("name")} for o in data["optionValues"]]
        for entry in data.get("inventoryQuantities") or []:
            variant["quantity"] = int(entry.get("availableQuantity") or 0)
        if data.get("metafields"):
            variant["metafields"] = _metafields_merge(variant.get("metafields") or [], data["metafields"])

    def _validate_product(self, data: Mapping[str, Any], creating: bool) -> list[dict[str, Any]]:
        errors = []
        if creating or "title" in data:
            title = str(data.get("title") or "").strip()
            if not title:
                errors.append({"field": ["title"], "message": "Title can't be blank", "code": "BLANK"})
            elif len(title) > TITLE_MAX:
                errors.append(
                    {
                        "field": ["title"],
                        "message": f"Title is too long (maximum is {TITLE_MAX} characters)",
                        "code": "TOO_LONG",
                    }
                )
        if len(data.get("tags") or []) > TAGS_MAX:
            errors.append({"field": ["tags"], "message": f"Tags cannot be more than {TAGS_MAX}.", "code": "INVALID"})
        if "status" in data and data["status"] not in STATUSES:
            errors.append({"field": ["status"], "message": "Status is not included in the list", "code": "INCLUSION"})
        errors += _content_errors(data)
        if len(data.get("productOptions") or []) > 3:
            errors.append(
                {"field": ["productOptions"], "message": "Products can have a maximum of 3 options", "code": "INVALID"}
            )
        return errors

    # --- collections (docs/marketplaces/shopify.md#collections) ---

    def _collection_by_handle(self, args: dict[str, Any], shop_id: str) -> dict[str, Any] | None:
        for gid, collection in self.collections.items():
            if collection["shop_id"] == shop_id and collection["handle"] == args.get("handle"):
                return self._collection_public(gid)
        return None

    def _collection_create(self, args: dict[str, Any], shop_id: str) -> dict[str, Any]:
        data = args.get("input") or {}
        title = str(data.get("title") or "").strip()
        if not title:
            return {"collection": None, "userErrors": [{"field": ["title"], "message": "Title can't be blank"}]}
        handle = str(data.get("handle") or "") or re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
        if not HANDLE_FORMAT.match(handle) or self._collection_by_handle({"handle": handle}, shop_id):
            return {"collection": None, "userErrors": [{"field": ["handle"], "message": "Handle is invalid or taken"}]}
        image, errors = self._collection_image(data)
        if errors:
            return {"collection": None, "userErrors": errors}
        gid = f"gid://shopify/Collection/{self._new_id()}"
        self.collections[gid] = {"shop_id": shop_id, "title": title, "handle": handle, "image": image}
        return {"collection": self._collection_public(gid), "userErrors": []}

    def _collection_image(self, data: dict[str, Any]) -> tuple[dict[str, str] | None, list[dict[str, Any]]]:
        """CollectionInput.image (ImageInput src, altText): Shopify copies the file to its CDN, keeping its name."""
        image = data.get("image")
        if not image:
            return None, []
        src = str(image.get("src") or "")
        if not re.match(r"https?://[^/\s]+/\S+$", src):
            return None, [{"field": ["image", "src"], "message": "Image URL is invalid"}]
        name = src.rsplit("/", 1)[-1].split("?")[0]
        url = f"https://cdn.shopify.com/s/files/1/0000/0001/collections/{name}?v={self._new_id()}"
        return {"url": url, "altText": str(image.get("altText") or ""), "src": src}, []

    def _collection_update(self, args: dict[str, Any], shop_id: str) -> dict[str, Any]:
        data = args.get("input") or {}
        collection = self.collections.get(str(data.get("id") or ""))
        if collection is None or collection["shop_id"] != shop_id:
            return {"collection": None, "userErrors": [{"field": ["id"], "message": "Collection does not exist"}]}
        image, errors = self._collection_image(data)
        if errors:
            return {"collection": None, "userErrors": errors}
        if image is not None:
            collection["image"] = image
        if str(data.get("title") or "").strip():
            collection["title"] = str(data["title"]).strip()
        return {"collection": self._collection_public(str(data["id"])), "userErrors": []}

    def _collection_public(self, gid: str) -> dict[str, Any]:
        collection = self.collections[gid]
        members = [p for p in self.products.values() if gid in (p.get("collections") or [])]
        return {
            "id": gid,
            "handle": collection["handle"],
            "title": collection["title"],
            "image": {"url": collection["image"]["url"], "altText": collection["image"]["altText"]}
            if collection.get("image")
            else None,
            "productsCount": {"count": len(members)},
        }

    def _join(self, product: dict[str, Any], ids: Any) -> None:
        """collectionsToJoin: add the product to existing collections of its shop (a "collect")."""
        known = self.collections
        for gid in ids or []:
            joined = product.setdefault("collections", [])
            if gid in known and known[gid]["shop_id"] == product["shop_id"] and gid not in joined:
                joined.append(gid)

    def _find(self, gid: Any, shop_id: str) -> dict[str, Any] | None:
        match = re.fullmatch(r"gid://shopify/Product/(\d+)", str(gid or ""))
        product = self.products.get(int(match.group(1))) if match else None
        return product if product and product["shop_id"] == shop_id else None

    def _product_update(self, args: dict[str, Any], shop_id: str) -> dict[str, Any]:
        data = args.get("product") or args.get("input") or {}
        product = self._find(data.get("id"), shop_id)
        if product is None:
            return {
                "product": None,
                "userErrors": [
                    {"field": ["id"], "message": "Product does not exist", "code": "PRODUCT_DOES_NOT_EXIST"}
                ],
            }
        errors = self._validate_product(data, creating=False)
        if errors:
            return {"product": None, "userErrors": errors}
        for key in ("title", "descriptionHtml", "vendor", "productType", "tags", "status", "handle"):
            if key in data:
                product[key] = data[key]
        if "seo" in data:
            product["seo"] = _seo(data["seo"])
        if "metafields" in data:
            product["metafields"] = _metafields_merge(product.get("metafields") or [], data["metafields"])
        self._join(product, data.get("collectionsToJoin"))
        product["updatedAt"] = _iso(self.now())
        return {"product": self._public(product), "userErrors": []}

    def _product_delete(self, args: dict[str, Any], shop_id: str) -> dict[str, Any]:
        data = args.get("input") or {}
        product = self._find(data.get("id"), shop_id)
        if product is None:
            return {"deletedProductId": None, "userErrors": [{"field": ["id"], "message": "Product does not exist"}]}
        del self.products[product["id"]]
        for variant in product["variants"]:
            self.variants.pop(variant["id"], None)
        return {
            "deletedProductId": f"gid://shopify/Product/{product['id']}",
            "productDeleteOperation": None,
            "userErrors": [],
        }

    def _variants_bulk_update(self, args: dict[str, Any], shop_id: str) -> dict[str, Any]:
        product = self._find(args.get("productId"), shop_id)
        entries = list(args.get("variants") or [])
        if product is None:
            error = {"field": ["productId"], "message": "Product does not exist", "code": "PRODUCT_DOES_NOT_EXIST"}
            return {"product": None, "productVariants": None, "userErrors": [error]}
        errors = _array_limit("variants", entries)
        targets = []
        for index, entry in enumerate(entries):
            match = re.fullmatch(r"gid://shopify/ProductVariant/(\d+)", str(entry.get("id") or ""))
            variant = self.variants.get(int(match.group(1))) if match else None
            if variant is None or variant["product_id"] != product["id"]:
                errors.append(
                    {
                        "field": ["variants", str(index), "id"],
                        "message": "Product variant does not exist",
                        "code": "PRODUCT_VARIANT_DOES_NOT_EXIST",
                    }
                )
                continue
            errors += _price_errors(entry, index) + _variant_metafield_errors(entry, index)
            targets.append((variant, entry))
        if errors:  # the mutation is all or nothing
            return {"product": None, "productVariants": None, "userErrors": errors}
        for variant, entry in targets:
            self._apply_variant(variant, entry)
        product["updatedAt"] = _iso(self.now())
        return {
            "product": self._public(product),
            "productVariants": [self._variant(v) for v, _ in targets],
            "userErrors": [],
        }

    def _variants_bulk_create(self, args: dict[str, Any], shop_id: str) -> dict[str, Any]:
        product = self._find(args.get("productId"), shop_id)
        entries = list(args.get("variants") or [])
        if product is None:
            error = {"field": ["productId"], "message": "Product does not exist", "code": "PRODUCT_DOES_NOT_EXIST"}
            return {"product": None, "productVariants": None, "userErrors": [error]}
        errors = _array_limit("variants", entries)
        for index, entry in enumerate(entries):
            errors += _price_errors(entry, index) + _variant_metafield_errors(entry, index)
            if not entry.get("optionValues"):
                errors.append(
                    {
                        "field": ["variants", str(index), "optionValues"],
                        "message": "Option values are required",
                        "code": "INVALID",
                    }
                )
        if len(product["variants"]) + len(entries) > 2048:
            errors.append(
                {
                    "field": ["variants"],
                    "message": "Products can have a maximum of 2048 variants",
                    "code": "LIMIT_EXCEEDED",
                }
            )
        if errors:
            return {"product": None, "productVariants": None, "userErrors": errors}
        if args.get("strategy") == "REMOVE_STANDALONE_VARIANT":
            for variant in product["variants"]:
                self.variants.pop(variant["id"], None)
            product["variants"] = []
        created = [self._add_variant(product, entry) for entry in entries]
        product["options"] = [o["name"] for o in created[0]["options"]] if created else product["options"]
        return {
            "product": self._public(product),
            "productVariants": [self._variant(v) for v in created],
            "userErrors": [],
        }

    def _inventory_set(self, args: dict[str, Any], shop_id: str, version: str, query: str) -> dict[str, Any]:
        if version != "unstable" and version >= IDEMPOTENCY_REQUIRED_FROM and "@idempotent" not in query:
            error = {
                "field": None,
                "message": "An idempotency key is required (@idempotent directive).",
                "code": "IDEMPOTENCY_KEY_REQUIRED",
            }
            return {"inventoryAdjustmentGroup": None, "userErrors": [error]}
        data = args.get("input") or {}
        quantities = list(data.get("quantities") or [])
        errors = _array_limit("quantities", quantities)
        if data.get("name") not in ("available", "on_hand"):
            errors.append(
                {"field": ["input", "name"], "message": "Name must be available or on_hand", "code": "INVALID_NAME"}
            )
        location = f"gid://shopify/Location/{self.shops[shop_id]['location_id']}"
        by_item = {
            v["inventory_item_id"]: v for p in self.products.values() if p["shop_id"] == shop_id for v in p["variants"]
        }
        targets = []
        for index, entry in enumerate(quantities):
            match = re.fullmatch(r"gid://shopify/InventoryItem/(\d+)", str(entry.get("inventoryItemId") or ""))
            variant = by_item.get(int(match.group(1))) if match else None
            field = ["input", "quantities", str(index)]
            if variant is None:
                errors.append(
                    {
                        "field": [*field, "inventoryItemId"],
                        "message": "The specified inventory item could not be found.",
                        "code": "INVALID_INVENTORY_ITEM",
                    }
                )
            elif entry.get("locationId") != location:
                errors.append(
                    {
                        "field": [*field, "locationId"],
                        "message": "The specified location could not be found.",
                        "code": "INVALID_LOCATION",
                    }
                )
            elif not isinstance(entry.get("quantity"), int) or not -1_000_000_000 <= entry["quantity"] <= 1_000_000_000:
                errors.append(
                    {"field": [*field, "quantity"], "message": "The quantity is invalid.", "code": "INVALID_QUANTITY"}
                )
            elif not data.get("ignoreCompareQuantity") and entry.get("compareQuantity") != variant["quantity"]:
                errors.append(
                    {
                        "field": [*field, "compareQuantity"],
                        "message": "The compareQuantity value does not match the stored quantity.",
                        "code": "COMPARE_QUANTITY_STALE",
                    }
                )
            else:
                targets.append((variant, entry["quantity"]))
        if errors:
            return {"inventoryAdjustmentGroup": None, "userErrors": errors}
        changes = []
        for variant, quantity in targets:
            changes.append(
                {"name": data["name"], "delta": quantity - variant["quantity"], "quantityAfterChange": quantity}
            )
            variant["quantity"] = quantity
        group = {
            "id": f"gid://shopify/InventoryAdjustmentGroup/{uuid.uuid4().int % 10**12}",
            "reason": data.get("reason"),
            "changes": changes,
        }
        return {"inventoryAdjustmentGroup": group, "userErrors": []}

    # --- shapes ---

    def _variant(self, variant: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "id": f"gid://shopify/ProductVariant/{variant['id']}",
            "title": " / ".join(str(o["value"]) for o in variant["options"]),
            "sku": variant["sku"],
            "price": variant["price"],
            "compareAtPrice": variant["compareAtPrice"],
            "barcode": variant["barcode"],
            "inventoryQuantity": variant["quantity"],
            "inventoryItem": {
                "id": f"gid://shopify/InventoryItem/{variant['inventory_item_id']}",
                "sku": variant["sku"],
                "tracked": True,
            },
            "selectedOptions": [dict(o) for o in variant["options"]],
            "metafields": {"nodes": [dict(m) for m in variant.get("metafields") or []]},
        }

    def _public(self, product: Mapping[str, Any]) -> dict[str, Any]:
        variants = [self._variant(v) for v in product["variants"]]
        return {
            "id": f"gid://shopify/Product/{product['id']}",
            "title": product["title"],
            "handle": product["handle"],
            "seo": dict(product.get("seo") or {"title": None, "description": None}),
            "metafields": {"nodes": [dict(m) for m in product.get("metafields") or []]},
            "collections": {"nodes": [self._collection_public(gid) for gid in product.get("collections") or []]},
            "descriptionHtml": product["descriptionHtml"],
            "vendor": product["vendor"],
            "productType": product["productType"],
            "tags": list(product["tags"]),
            "status": product["status"],
            "createdAt": product["createdAt"],
            "updatedAt": product["updatedAt"],
            "totalInventory": sum(v["quantity"] for v in product["variants"]),
            "onlineStoreUrl": f"https://{product['shop_id']}.myshopify.com/products/{product['handle']}"
            if product["status"] == "ACTIVE"
            else None,
            "media": {
                "nodes": [
                    {"id": m["id"], "mediaContentType": "IMAGE", "alt": m["alt"], "image": {"url": m["url"]}}
                    for m in product["media"]
                ]
            },
            "variants": {"nodes": variants, "pageInfo": {"hasNextPage": False, "endCursor": None}},
        }

    # --- control ---

    def items(self) -> list[dict[str, Any]]:
        return [self._public(p) for p in self.products.values()]

    def set_remote_state(self, item_id: str, state: str, reasons: list[str]) -> dict[str, Any]:
        """Shopify has no review and no suppression: a product is archived (by the merchant), deleted or active."""
        number = item_id.rsplit("/", 1)[-1]
        product = self.products.get(int(number)) if number.isdigit() else None
        if product is None:
            raise ValueError(f"No Shopify product {item_id}.")
        if state in ("rejected", "suppressed"):
            raise ValueError("Shopify has no review or suppression; states: live, inactive, deleted.")
        if state == "deleted":
            del self.products[product["id"]]
            return {}
        product["status"] = "ACTIVE" if state == "live" else "ARCHIVED"
        product["updatedAt"] = _iso(self.now())
        return self._public(product)

    def edit_item(self, item_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        number = item_id.rsplit("/", 1)[-1]
        product = self.products.get(int(number)) if number.isdigit() else None
        if product is None:
            raise ValueError(f"No Shopify product {item_id}.")
        allowed = {"title", "descriptionHtml", "status", "price", "quantity", "sku"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"Cannot edit {sorted(unknown)}; editable: {sorted(allowed)}.")
        for key in ("title", "descriptionHtml", "status"):
            if key in changes:
                product[key] = changes[key]
        for variant in product["variants"]:
            if "price" in changes:
                variant["price"] = str(Decimal(str(changes["price"])).quantize(Decimal("0.01")))
            if "quantity" in changes:
                variant["quantity"] = int(changes["quantity"])
            if "sku" in changes:
                variant["sku"] = str(changes["sku"])
        product["updatedAt"] = _iso(self.now())
        return self._public(product)


# --- GraphQL text helpers ---

ROOT_FIELD = re.compile(r"\{\s*(\w+)\s*(\(([^)]*)\))?")
ARGUMENT = re.compile(r"(\w+)\s*:\s*(\$\w+|\"[^\"]*\"|-?\d+|true|false|null|[A-Z_]+)")


HANDLE_MAX = 255  # Product.handle (docs/marketplaces/shopify.md#content-fields)
HANDLE_FORMAT = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _seo(value: Any) -> dict[str, Any]:
    """SEOInput {title, description} as Shopify answers it (null for a part not set)."""
    seo = value if isinstance(value, Mapping) else {}
    return {"title": seo.get("title") or None, "description": seo.get("description") or None}


METAFIELD_KEY = re.compile(r"^[A-Za-z0-9_-]{2,64}$")
METAFIELD_NAMESPACE = re.compile(r"^[A-Za-z0-9_-]{3,255}$")
METAFIELD_TYPES = frozenset(
    {"single_line_text_field", "multi_line_text_field", "number_integer", "number_decimal", "boolean", "date"}
    | {"url", "json"}
)


def _metafield_error(entry: Any) -> str:
    """Why Shopify would refuse a MetafieldInput (docs/marketplaces/shopify.md#metafields), or ""."""
    if not isinstance(entry, Mapping):
        return "Metafield must be an object"
    namespace, key, kind, value = (entry.get(k) for k in ("namespace", "key", "type", "value"))
    if not isinstance(namespace, str) or not METAFIELD_NAMESPACE.match(namespace):
        return "Namespace is invalid"
    if not isinstance(key, str) or not METAFIELD_KEY.match(key):
        return "Key is invalid"
    if kind not in METAFIELD_TYPES:
        return f"Type '{kind}' is not supported"
    if not isinstance(value, str):
        return "Value must be a string"
    checks = {
        "single_line_text_field": lambda v: "\n" not in v,
        "number_integer": lambda v: re.fullmatch(r"-?\d+", v) is not None,
        "number_decimal": lambda v: re.fullmatch(r"-?\d+(\.\d+)?", v) is not None,
        "boolean": lambda v: v in ("true", "false"),
        "date": lambda v: re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) is not None,
        "url": lambda v: re.match(r"https?://", v) is not None,
        "json": _is_json,
    }
    check = checks.get(kind)
    return f"Value is invalid for type {kind}" if check is not None and not check(value) else ""


def _is_json(value: str) -> bool:
    try:
        json.loads(value)
    except ValueError:
        return False
    return True


def _metafields_merge(current: list[dict[str, Any]], entries: Any) -> list[dict[str, Any]]:
    """Upsert by (namespace, key), as productCreate/productUpdate do with `metafields`."""
    by_key = {(m["namespace"], m["key"]): m for m in current}
    for entry in entries or []:
        found = by_key.get((entry["namespace"], entry["key"]))
        if found is None:
            by_key[(entry["namespace"], entry["key"])] = {
                "id": f"gid://shopify/Metafield/{len(by_key) + 1}",
                **{k: entry[k] for k in ("namespace", "key", "type", "value")},
            }
        else:
            found.update(type=entry["type"], value=entry["value"])
    return list(by_key.values())


def _variant_metafield_errors(entry: Mapping[str, Any], index: int) -> list[dict[str, Any]]:
    """ProductVariantsBulkInput.metafields refused as productCreate refuses a product's (userErrors naming
    variants.<i>.metafields.<j>.value; the whole mutation is refused)."""
    errors = []
    for position, metafield in enumerate(entry.get("metafields") or []):
        message = _metafield_error(metafield)
        if message:
            field = ["variants", str(index), "metafields", str(position), "value"]
            errors.append({"field": field, "message": message, "code": "INVALID_VALUE"})
    return errors


def _content_errors(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    errors = []
    if "handle" in data:
        handle = str(data.get("handle") or "")
        if len(handle) > HANDLE_MAX or (handle and not HANDLE_FORMAT.match(handle)):
            errors.append({"field": ["handle"], "message": "Handle is invalid", "code": "INVALID"})
    for index, entry in enumerate(data.get("metafields") or []):
        message = _metafield_error(entry)
        if message:
            errors.append({"field": ["metafields", str(index), "value"], "message": message, "code": "INVALID_VALUE"})
    seo = data.get("seo")
    if seo is not None and (not isinstance(seo, Mapping) or set(seo) - {"title", "description"}):
        errors.append({"field": ["seo"], "message": "SEOInput takes title and description only", "code": "INVALID"})
    return errors


def _root_field(query: str, variables: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """The first selected field and its arguments, resolving `$variables`."""
    text = re.sub(r"#[^\n]*", "", query)
    match = ROOT_FIELD.search(text)
    if match is None:
        return "", {}
    args: dict[str, Any] = {}
    for name, raw in ARGUMENT.findall(match.group(3) or ""):
        args[name] = _literal(raw, variables)
    return match.group(1), args


def _taxonomy(query: str, variables: Mapping[str, Any]) -> dict[str, Any]:
    """`taxonomy { categories(search:, childrenOf:, descendantsOf:, siblingsOf:, first:) }`
    (docs/sandbox.md#category-trees); the arguments of `categories` may be literals or `$variables`."""
    match = re.search(r"\bcategories\s*(\(([^)]*)\))?", query)
    if match is None:
        raise GraphQLError("Field 'taxonomy' must select 'categories'", "selectionMismatch")
    args = {name: _literal(raw, variables) for name, raw in ARGUMENT.findall(match.group(2) or "")}
    try:
        return taxonomy.shopify_categories(args)
    except (ValueError, TypeError) as exc:
        raise GraphQLError(str(exc), "argumentLiteralsIncompatible") from None


def _literal(raw: str, variables: Mapping[str, Any]) -> Any:
    if raw.startswith("$"):
        return variables.get(raw[1:])
    if raw.startswith('"'):
        return raw[1:-1]
    if raw in ("true", "false"):
        return raw == "true"
    if raw == "null":
        return None
    try:
        return int(raw)
    except ValueError:
        return raw  # enum value


def _query_cost(root: str, args: Mapping[str, Any]) -> int:
    """Roughly Shopify's calculated cost: 1 per object, 2 + `first` for a connection."""
    if root in ("products", "orders"):
        return 2 + int(args.get("first") or 0)
    if root == "product":
        return 3
    if root == "nodes":
        return 1 + 3 * len(args.get("ids") or [])
    return 1


def _search_terms(search: str) -> list[tuple[str, str]]:
    """`sku:X`, `tag:X`, `title:X` terms of a product search (joined by OR; other syntax is ignored)."""
    return [(f, v.strip('"')) for f, v in re.findall(r"\b(sku|tag|title):(\"[^\"]*\"|\S+)", search)]


def _matches(product: Mapping[str, Any], field: str, value: str) -> bool:
    if field == "sku":
        return any(v["sku"] == value for v in product["variants"])
    if field == "tag":
        return value in product["tags"]
    return bool(product["title"] == value)


def _array_limit(name: str, entries: list[Any]) -> list[dict[str, Any]]:
    if len(entries) > INPUT_ARRAY_MAX:
        return [
            {
                "field": [name],
                "message": f"Input array exceeds the maximum of {INPUT_ARRAY_MAX} items",
                "code": "MAX_INPUT_SIZE_EXCEEDED",
            }
        ]
    return []


def _price_errors(entry: Mapping[str, Any], index: int) -> list[dict[str, Any]]:
    errors = []
    for key in ("price", "compareAtPrice"):
        if entry.get(key) in (None, ""):
            continue
        try:
            value = Decimal(str(entry[key]))
        except InvalidOperation:
            value = Decimal(-1)
        if value < 0 or value >= Decimal("1000000000000000000"):
            errors.append(
                {
                    "field": ["variants", str(index), key],
                    "message": f"{key} must be greater than or equal to 0",
                    "code": "INVALID",
                }
            )
    return errors


def _iso(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


MODULE = ShopifyModule


def _parse_iso(text: str) -> float:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
