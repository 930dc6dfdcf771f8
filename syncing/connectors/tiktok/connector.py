"""TikTok Shop connector: composes the HTTP client and the payload mapping."""

import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import quote

from .. import categories as taxonomy
from ..base import (
    AuthExpired,
    ChannelConfig,
    Connector,
    ConnectorError,
    InvalidCredentials,
    ItemResult,
    ListingPayload,
    ListingRules,
    NotFound,
    OfferUpdate,
    Page,
    PushResult,
    RateLimit,
    RemoteListing,
    RemoteOrder,
    RequestHook,
    RetryableError,
    ShopInfo,
    TokenSaver,
    require_credentials,
)
from ..images import fetch_image
from . import mapping, orders
from .client import MARKETPLACE, NOT_FOUND_CODES, TiktokClient, TokenExpired

T = TypeVar("T")
Failures = dict[int, tuple[str, str]]  # item index -> (error code, message) of the items that failed

EARLY_REFRESH_SECONDS = 300

PRODUCTS = "/product/202309/products"
SEARCH = "/product/202502/products/search"


DELETED_PHASE = "deleted:"  # incremental pull cursor prefix: the search of deleted products


class TiktokConnector(Connector):
    code = "tiktok"
    label = "TikTok Shop"
    credential_fields = ("app_key", "app_secret", "access_token", "shop_cipher")
    optional_credential_fields = (
        "refresh_token",
        "access_token_expires_at",  # absolute Unix time (TikTok's access_token_expire_in)
        "refresh_token_expires_at",
        "warehouse_id",
        "auth_base_url",
    )
    sensitive_fields = frozenset({"app_secret", "access_token", "refresh_token"})
    default_rate_limit = RateLimit(requests_per_second=50, burst=50)
    default_rules = ListingRules(
        title_max_length=255,
        max_images=9,
        title_min_length=25,
        title_min_exempt_countries=frozenset({"DE", "ES", "FR", "IE", "IT", "JP", "UK", "GB", "US"}),
        description_max_length=10_000,
        create_quantity_min=1,
    )

    page_size = 50  # search accepts 1-100

    def __init__(
        self, config: ChannelConfig, *, on_tokens: TokenSaver | None = None, before_request: RequestHook | None = None
    ) -> None:
        super().__init__(config, on_tokens=on_tokens, before_request=before_request)
        creds = config.credentials
        self.client = TiktokClient(
            base_url=config.base_url,
            app_key=creds.get("app_key", ""),
            app_secret=creds.get("app_secret", ""),
            access_token=creds.get("access_token", ""),
            shop_cipher=creds.get("shop_cipher", ""),
            timeout=config.timeout,
            before_request=before_request,
            auth_base_url=creds.get("auth_base_url", ""),
        )
        self.refresh_token = creds.get("refresh_token", "")
        self.expires_at = _as_float(creds.get("access_token_expires_at"))
        self.warehouse_id = creds.get("warehouse_id", "")
        self._image_uris: dict[str, str] = {}

    # --- plumbing ---

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        return self._authed(lambda: self.client.call(method, path, **kwargs))

    def _authed(self, fn: Callable[[], T]) -> T:
        """Run `fn`; on an expired token refresh once and run it again; a second expiry means re-authorise.
        A token known to be past its expiry is refreshed before the call."""
        require_credentials(MARKETPLACE, self.config.credentials, self.credential_fields)
        if self.expires_at and self.refresh_token and time.time() >= self.expires_at - EARLY_REFRESH_SECONDS:
            self._refresh()
            return self._retry(fn)
        try:
            return fn()
        except TokenExpired:
            pass
        self._refresh()
        return self._retry(fn)

    def _retry(self, fn: Callable[[], T]) -> T:
        try:
            return fn()
        except TokenExpired as exc:
            raise AuthExpired(f"{MARKETPLACE}: the refreshed token was refused too.", code="105002") from exc

    def _refresh(self) -> None:
        if not self.refresh_token:
            raise AuthExpired(f"{MARKETPLACE}: the access token expired and no refresh token is stored.")
        data = self.client.refresh(self.refresh_token)
        self.expires_at = _as_float(data.get("access_token_expire_in"))
        self.refresh_token = str(data.get("refresh_token") or self.refresh_token)
        if self.on_tokens:
            self.on_tokens(
                {
                    "access_token": self.client.access_token,
                    "refresh_token": self.refresh_token,
                    "access_token_expires_at": str(data.get("access_token_expire_in", "")),
                    "refresh_token_expires_at": str(data.get("refresh_token_expire_in", "")),
                }
            )

    def _warehouse(self) -> str:
        if not self.warehouse_id:
            warehouses = self._call("GET", "/logistics/202309/warehouses").get("warehouses") or []
            sales = [
                w for w in warehouses if isinstance(w, dict) and w.get("type", "SALES_WAREHOUSE") == "SALES_WAREHOUSE"
            ]
            chosen = next((w for w in sales if w.get("is_default")), sales[0] if sales else None)
            if not chosen:
                raise ConnectorError(f"{MARKETPLACE}: the shop has no sales warehouse to hold stock.")
            self.warehouse_id = str(chosen["id"])
        return self.warehouse_id

    def _image_uri(self, url: str) -> str:
        if url not in self._image_uris:
            name, content, content_type = fetch_image(self.client.http, url)
            self._image_uris[url] = self._authed(lambda: self.client.upload_image(name, content, content_type))
        return self._image_uris[url]

    @staticmethod
    def _raise_item_errors(data: dict[str, Any], what: str) -> None:
        errors = [e for e in data.get("errors") or [] if isinstance(e, dict)]
        if errors:
            first = errors[0]
            error_class = NotFound if first.get("code") in NOT_FOUND_CODES else ConnectorError
            raise error_class(
                f"{MARKETPLACE}: {what} failed: {first.get('message', '')}", code=str(first.get("code", ""))
            )

    # --- interface ---

    def check_credentials(self) -> None:
        self.shop_info()

    def shop_info(self) -> ShopInfo:
        """Get Authorized Shops: the shop with our cipher, and its `region` (TikTok returns no currency)."""
        data = self._call("GET", "/authorization/202309/shops", shop_scoped=False)
        shops = {str(s.get("cipher")): s for s in data.get("shops") or [] if isinstance(s, dict)}
        shop = shops.get(self.client.shop_cipher)
        if shop is None:
            raise InvalidCredentials(
                f"{MARKETPLACE}: the app is not authorised for this shop (unknown shop_cipher).", code="shop_cipher"
            )
        return ShopInfo(region=str(shop.get("region") or "").upper())

    def push_listing(self, payload: ListingPayload) -> PushResult:
        uris = [self._image_uri(url) for url in payload.image_urls]
        body = mapping.product_body(payload, warehouse_id=self._warehouse(), image_uris=uris)
        if payload.external_id:
            # A full edit keeps a SKU (and its id, sales history) only when the SKU id is sent back.
            known = mapping.sku_ids(self._call("GET", f"{PRODUCTS}/{payload.external_id}"))
            for sku in body["skus"]:
                if sku["seller_sku"] in known:
                    sku["id"] = known[sku["seller_sku"]]
            data = self._call("PUT", f"{PRODUCTS}/{payload.external_id}", body=body)
        else:
            data = self._call("POST", PRODUCTS, body=body)
        product_id = str(data.get("product_id") or payload.external_id)
        audit = data.get("audit") or {"status": "AUDITING"}
        return PushResult(
            external_id=product_id,
            status="in_review",
            raw_status=str(audit.get("status", "AUDITING")),
            review_notes=tuple(mapping.review_notes(data)),
            raw=data,
            marketplace_ids=mapping.marketplace_ids({"product_id": product_id, "skus": data.get("skus") or []}),
        )

    def update_offers(self, items: Sequence[OfferUpdate]) -> list[ItemResult]:
        """Per product: read its SKU ids, one price call per repriced SKU (so a refused price fails only that item),
        one inventory call for all restocked SKUs (per-SKU failures come back in `data.errors`). Throttling, outages
        and auth errors propagate (the updates are idempotent, so the caller retries the batch); refusals become
        per-item failures."""
        failures: Failures = {}
        by_product: dict[str, list[int]] = {}
        for index, item in enumerate(items):
            by_product.setdefault(item.external_id, []).append(index)
        for product_id, indexes in by_product.items():
            self._update_product_offers(product_id, items, indexes, failures)
        return [
            ItemResult(
                sku=item.sku,
                ok=i not in failures,
                error_code=failures.get(i, ("", ""))[0],
                message=failures.get(i, ("", ""))[1],
            )
            for i, item in enumerate(items)
        ]

    def _update_product_offers(
        self, product_id: str, items: Sequence[OfferUpdate], indexes: list[int], failures: Failures
    ) -> None:
        """The offers `items[i]` (i in `indexes`) of one product: its SKU ids, then the prices, then the stock."""
        try:
            ids = mapping.sku_ids(self._call("GET", f"{PRODUCTS}/{product_id}"))
        except (RetryableError, AuthExpired):
            raise
        except ConnectorError as exc:
            for i in indexes:
                failures[i] = (exc.code, exc.message)
            return
        # A one-SKU product: our SKU is that SKU even if the seller renamed it on TikTok.
        if len(ids) == 1 and len(indexes) == 1:
            ids = {items[i].sku: next(iter(ids.values())) for i in indexes}
        known = []
        for i in indexes:
            if items[i].sku in ids:
                known.append(i)
            else:
                failures[i] = ("SKU_NOT_FOUND", f"SKU {items[i].sku} is not part of product {product_id}.")
        self._reprice(product_id, {i: ids[items[i].sku] for i in known}, items, failures)
        stocked = [i for i in known if items[i].quantity is not None and i not in failures]
        if stocked:
            self._restock(product_id, {i: ids[items[i].sku] for i in stocked}, items, failures)

    def _reprice(
        self, product_id: str, sku_ids: dict[int, str], items: Sequence[OfferUpdate], failures: Failures
    ) -> None:
        """One price call per repriced SKU (`sku_ids`: item index -> TikTok SKU id), so a refusal fails one item."""
        currency = self.config.currency or "USD"
        for i, sku_id in sku_ids.items():
            price = items[i].price
            if price is None:
                continue
            try:
                self._call(
                    "POST",
                    f"{PRODUCTS}/{product_id}/prices/update",
                    body=mapping.price_body(sku_id, price, currency),
                )
            except (RetryableError, AuthExpired):
                raise
            except ConnectorError as exc:
                failures[i] = (exc.code, exc.message)

    def _restock(
        self, product_id: str, sku_ids: dict[int, str], items: Sequence[OfferUpdate], failures: Failures
    ) -> None:
        """One inventory call for the restocked SKUs (`sku_ids`: item index -> TikTok SKU id); per-SKU refusals
        come back in `data.errors`."""
        pairs = [(sku_id, int(items[i].quantity or 0)) for i, sku_id in sku_ids.items()]
        try:
            data = self._call(
                "POST",
                f"{PRODUCTS}/{product_id}/inventory/update",
                body=mapping.inventory_body(pairs, self._warehouse()),
            )
        except (RetryableError, AuthExpired):
            raise
        except ConnectorError as exc:
            for i in sku_ids:
                failures[i] = (exc.code, exc.message)
            return
        index_by_sku_id = {sku_id: i for i, sku_id in sku_ids.items()}
        for error in data.get("errors") or []:
            detail = error.get("detail") or {}
            i_failed = index_by_sku_id.get(str(detail.get("sku_id", "")))
            if i_failed is not None:
                failures[i_failed] = (str(error.get("code", "")), str(error.get("message", "")))

    def get_listing(self, external_id: str) -> RemoteListing:
        return mapping.remote_listing(self._call("GET", f"{PRODUCTS}/{external_id}"))

    def find_by_sku(self, sku: str) -> RemoteListing | None:
        data = self._call("POST", SEARCH, query={"page_size": "20"}, body={"seller_skus": [sku]})
        for product in data.get("products") or []:
            listing = mapping.remote_listing(product)
            if listing.sku == sku or sku in mapping.sku_ids(product):
                return listing
        return None

    def pull_listings(self, cursor: str | None = None, updated_since: datetime | None = None) -> Page[RemoteListing]:
        """Search body `update_time_ge` (unix s) filters by update time (docs/marketplaces/tiktok.md).

        The default search leaves deleted products out, so an incremental pull then searches `status: DELETED`
        with the same `update_time_ge` (cursor `deleted:<page token>`).
        """
        deleted = bool(cursor and cursor.startswith(DELETED_PHASE))
        token = cursor.removeprefix(DELETED_PHASE) if cursor else ""
        query = {"page_size": str(self.page_size)}
        if token:
            query["page_token"] = token
        body: dict[str, Any] = {"update_time_ge": int(updated_since.timestamp())} if updated_since else {}
        if deleted:
            body["status"] = "DELETED"
        data = self._call("POST", SEARCH, query=query, body=body)
        products = [mapping.remote_listing(p) for p in data.get("products") or [] if isinstance(p, dict)]
        next_token = str(data.get("next_page_token") or "")
        if next_token:
            return Page(items=products, next_cursor=f"{DELETED_PHASE}{next_token}" if deleted else next_token)
        next_cursor = DELETED_PHASE if updated_since is not None and not deleted else None
        return Page(items=products, next_cursor=next_cursor)

    def pull_orders(self, cursor: str | None = None, updated_since: datetime | None = None) -> Page[RemoteOrder]:
        """Order search by update time (docs/marketplaces/tiktok.md#orders)."""
        return orders.pull_orders(self._call, cursor, updated_since)

    def categories(self) -> list[taxonomy.RemoteCategoryNode]:
        """Get Categories with `category_version` v2 (US shops must use it; docs/channels.md#marketplace-categories)."""
        data = self._call("GET", "/product/202309/categories", query={"category_version": "v2", "locale": "en-US"})
        return taxonomy.tiktok_categories(data)

    def category_attributes(self, category_id: str) -> list[taxonomy.RemoteCategoryAttribute]:
        path = f"/product/202309/categories/{quote(category_id, safe='')}/attributes"
        return taxonomy.tiktok_attributes(self._call("GET", path, query={"category_version": "v2"}))

    def deactivate_listing(self, external_id: str) -> None:
        data = self._call("POST", f"{PRODUCTS}/deactivate", body={"product_ids": [external_id]})
        self._raise_item_errors(data, "deactivation")

    def delete_listing(self, external_id: str) -> None:
        data = self._call("DELETE", PRODUCTS, body={"product_ids": [external_id]})
        self._raise_item_errors(data, "deletion")


def _as_float(value: object) -> float:
    try:
        return float(str(value)) if value not in (None, "") else 0.0
    except ValueError:
        return 0.0
