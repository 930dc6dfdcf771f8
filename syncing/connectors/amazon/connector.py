"""Amazon connector: composes the HTTP client and the payload mapping.

The listing's external id is our SKU (Amazon keys listings items by seller SKU; the ASIN comes later).
"""

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import quote

from ..base import (
    AuthExpired,
    ChannelConfig,
    Connector,
    ConnectorError,
    ItemResult,
    ListingPayload,
    ListingRules,
    NotFound,
    OfferUpdate,
    Page,
    PushResult,
    RateLimit,
    Rejected,
    RemoteListing,
    RemoteOrder,
    RequestHook,
    RetryableError,
    TokenSaver,
    iso_z,
    require_credentials,
)
from ..market import CatalogMatch, MarketOffers
from . import catalog, mapping, orders
from .client import MARKETPLACE, AmazonClient, TokenExpired

T = TypeVar("T")

ITEMS = "/listings/2021-08-01/items"
READ_DATA = "summaries,attributes,issues,offers,fulfillmentAvailability"


class AmazonConnector(Connector):
    code = "amazon"
    label = "Amazon"
    credential_fields = ("lwa_client_id", "lwa_client_secret", "refresh_token", "marketplace_id")
    optional_credential_fields = ("access_token", "access_token_expires_at", "lwa_url")
    sensitive_fields = frozenset({"lwa_client_secret", "access_token", "refresh_token"})
    default_rate_limit = RateLimit(requests_per_second=5, burst=10)
    default_rules = ListingRules(
        title_max_length=200,
        max_images=9,
        main_image_min_px=1000,
        main_image_white_background=True,
        variants_supported=False,
    )

    page_size = 20  # searchListingsItems maximum

    def __init__(
        self, config: ChannelConfig, *, on_tokens: TokenSaver | None = None, before_request: RequestHook | None = None
    ) -> None:
        super().__init__(config, on_tokens=on_tokens, before_request=before_request)
        creds = config.credentials
        try:
            expires_at = float(creds.get("access_token_expires_at") or 0)
        except ValueError:
            expires_at = 0.0
        self.client = AmazonClient(
            base_url=config.base_url,
            client_id=creds.get("lwa_client_id", ""),
            client_secret=creds.get("lwa_client_secret", ""),
            refresh_token=creds.get("refresh_token", ""),
            access_token=creds.get("access_token", ""),
            expires_at=expires_at,
            lwa_url=creds.get("lwa_url", ""),
            timeout=config.timeout,
            before_request=before_request,
        )
        self.marketplace_id = creds.get("marketplace_id", "")
        self.seller_id = config.shop_id
        self.tag = mapping.language_tag(config.language, config.country)
        self._product_types: dict[str, str] = {}

    # --- plumbing ---

    def _new_token(self) -> None:
        self.client.exchange()
        if self.on_tokens:
            self.on_tokens(
                {"access_token": self.client.access_token, "access_token_expires_at": f"{self.client.expires_at:.0f}"}
            )

    def _authed(self, fn: Callable[[], T]) -> T:
        require_credentials(MARKETPLACE, self.config.credentials, self.credential_fields)
        if not self.client.token_is_fresh:
            self._new_token()
        try:
            return fn()
        except TokenExpired:
            pass
        self._new_token()
        try:
            return fn()
        except TokenExpired as exc:
            raise AuthExpired(f"{MARKETPLACE}: a fresh access token was refused too.", code="Unauthorized") from exc

    def _call(
        self, method: str, path: str, *, params: dict[str, str] | None = None, json: Any = None
    ) -> dict[str, Any]:
        query = {"marketplaceIds": self.marketplace_id, **(params or {})}
        return self._authed(lambda: self.client.call(method, path, params=query, json=json))

    def _item_path(self, sku: str) -> str:
        return f"{ITEMS}/{quote(self.seller_id, safe='')}/{quote(sku, safe='')}"

    def _submission(self, response: dict[str, Any], sku: str) -> PushResult:
        """ACCEPTED = queued for processing (issues may follow); INVALID = refused now."""
        issues = [i for i in response.get("issues") or [] if isinstance(i, dict)]
        status = str(response.get("status", ""))
        if status == "INVALID":
            raise Rejected(
                f"{MARKETPLACE} refused listing {sku}: " + "; ".join(mapping.issue_notes(issues)),
                field_errors=mapping.field_errors(issues) or {mapping.NON_FIELD: ["INVALID"]},
                code=str(issues[0].get("code", "INVALID")) if issues else "INVALID",
            )
        return PushResult(
            external_id=str(response.get("sku") or sku),
            status="in_review",
            raw_status=status,
            review_notes=tuple(mapping.issue_notes(issues)),
            raw=response,
            marketplace_ids=mapping.marketplace_ids({"sku": response.get("sku") or sku, **response}),
        )

    def _product_type(self, sku: str) -> str:
        if sku not in self._product_types:
            item = self._call("GET", self._item_path(sku), params={"includedData": "summaries"})
            summaries = item.get("summaries") or []
            self._product_types[sku] = (
                str(summaries[0].get("productType")) if summaries else mapping.DEFAULT_PRODUCT_TYPE
            )
        return self._product_types[sku]

    # --- interface ---

    def check_credentials(self) -> None:
        self._call("GET", f"{ITEMS}/{quote(self.seller_id, safe='')}", params={"pageSize": "1"})

    def push_listing(self, payload: ListingPayload) -> PushResult:
        if payload.variants:
            raise Rejected(
                f"{MARKETPLACE}: variation families (parent + child SKUs) are not supported yet; "
                "list each variant as its own listing.",
                field_errors={"variants": ["Amazon listings are one SKU each here; list each variant separately."]},
                code="VARIANTS_UNSUPPORTED",
            )
        sku = payload.external_id or payload.sku
        body = mapping.listing_body(payload, marketplace_id=self.marketplace_id, tag=self.tag)
        self._product_types[sku] = str(body["productType"])
        response = self._call("PUT", self._item_path(sku), params={"issueLocale": self.tag}, json=body)
        return self._submission(response, sku)

    def update_offers(self, items: Sequence[OfferUpdate]) -> list[ItemResult]:
        """One PATCH per SKU (the API has no batch call); each answer is that item's result."""
        results = []
        currency = self.config.currency or "USD"
        for item in items:
            sku = item.sku or item.external_id  # the offer's SKU is the listings item's key
            patches = mapping.offer_patches(
                price=item.price, quantity=item.quantity, currency=currency, marketplace_id=self.marketplace_id
            )
            try:
                body = {"productType": self._product_type(sku), "patches": patches}
                self._submission(self._call("PATCH", self._item_path(sku), json=body), sku)
            except (RetryableError, AuthExpired):
                raise
            except ConnectorError as exc:
                results.append(ItemResult(sku=item.sku, ok=False, error_code=exc.code, message=exc.message))
                continue
            results.append(ItemResult(sku=item.sku, ok=True))
        return results

    def get_listing(self, external_id: str) -> RemoteListing:
        return mapping.remote_listing(
            self._call("GET", self._item_path(external_id), params={"includedData": READ_DATA})
        )

    def find_by_sku(self, sku: str) -> RemoteListing | None:
        try:
            return self.get_listing(sku)
        except NotFound:
            return None

    def pull_listings(self, cursor: str | None = None, updated_since: datetime | None = None) -> Page[RemoteListing]:
        """searchListingsItems; `lastUpdatedAfter` filters by update time (docs/marketplaces/amazon.md)."""
        params = {"pageSize": str(self.page_size), "includedData": READ_DATA}
        if updated_since is not None:
            params.update(lastUpdatedAfter=iso_z(updated_since), sortBy="lastUpdatedDate", sortOrder="ASC")
        if cursor:
            params["pageToken"] = cursor
        data = self._call("GET", f"{ITEMS}/{quote(self.seller_id, safe='')}", params=params)
        items = [mapping.remote_listing(i) for i in data.get("items") or [] if isinstance(i, dict)]
        pagination = data.get("pagination") or {}
        return Page(items=items, next_cursor=str(pagination.get("nextToken") or "") or None)

    def pull_orders(self, cursor: str | None = None, updated_since: datetime | None = None) -> Page[RemoteOrder]:
        """getOrders by LastUpdatedAfter + getOrderItems (docs/marketplaces/amazon.md#orders)."""

        def call(method: str, path: str, params: dict[str, str] | None = None) -> dict[str, Any]:
            return self._authed(lambda: self.client.call(method, path, params=params))

        return orders.pull_orders(call, self.marketplace_id, cursor, updated_since)

    def deactivate_listing(self, external_id: str) -> None:
        """Amazon has no 'inactive' switch: zero stock takes the offer off sale and keeps the listing."""
        body = {
            "productType": self._product_type(external_id),
            "patches": mapping.offer_patches(
                price=None, quantity=0, currency=self.config.currency or "USD", marketplace_id=self.marketplace_id
            ),
        }
        self._submission(self._call("PATCH", self._item_path(external_id), json=body), external_id)

    def delete_listing(self, external_id: str) -> None:
        self._submission(self._call("DELETE", self._item_path(external_id)), external_id)

    # --- market research (catalog.py; docs/marketplaces/amazon.md#catalog-and-pricing) ---

    def _raw_call(self, method: str, path: str, *, params: dict[str, str]) -> dict[str, Any]:
        return self._authed(lambda: self.client.call(method, path, params=params))

    def search_catalog_items(self, *, gtin: str = "", keywords: str = "", page_size: int = 10) -> list[CatalogMatch]:
        """searchCatalogItems by GTIN (identifiers) or else by keywords: other sellers' items too."""
        return catalog.search_catalog_items(
            self._raw_call, self.marketplace_id, gtin=gtin, keywords=keywords, page_size=page_size
        )

    def get_item_offers(self, asin: str, condition: str = "new") -> MarketOffers:
        """Product Pricing getItemOffers: the competition on one ASIN."""
        return catalog.get_item_offers(self._raw_call, self.marketplace_id, asin, condition)
