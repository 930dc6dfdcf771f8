"""Etsy connector: composes the HTTP client and the payload mapping."""

import time
from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from .. import categories as taxonomy
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
    ShopInfo,
    TokenSaver,
    require_credentials,
)
from ..images import fetch_image
from ..market import ItemCompetition, ListingMatch
from . import mapping, orders
from .client import MARKETPLACE, EtsyClient, TokenExpired

T = TypeVar("T")

EARLY_REFRESH_SECONDS = 120

# getListingsByShop filters by one state at a time; pulling walks them in this order.
STATES = ("active", "draft", "inactive", "sold_out", "expired")
# An incremental pull walks only the states a live listing moves between (the seller's edits, deactivation, selling
# out); a listing that expired or went back to draft is found by the daily full pull
# (docs/marketplaces/etsy.md#incremental-pull). Three list calls when fewer than a page changed.
INCREMENTAL_STATES = ("active", "inactive", "sold_out")
MAX_IMAGES = 20


class EtsyConnector(Connector):
    code = "etsy"
    label = "Etsy"
    credential_fields = ("api_key", "access_token")
    optional_credential_fields = ("shared_secret", "refresh_token", "access_token_expires_at", "shipping_profile_id")
    sensitive_fields = frozenset({"refresh_token", "access_token", "shared_secret"})
    default_rate_limit = RateLimit(requests_per_second=10, burst=10)
    default_rules = ListingRules(
        title_max_length=140, max_images=20, required_fields=("description",), create_quantity_min=1
    )

    page_size = 100  # getListingsByShop accepts 1-100

    def __init__(
        self, config: ChannelConfig, *, on_tokens: TokenSaver | None = None, before_request: RequestHook | None = None
    ) -> None:
        super().__init__(config, on_tokens=on_tokens, before_request=before_request)
        creds = config.credentials
        self.client = EtsyClient(
            base_url=config.base_url,
            api_key=creds.get("api_key", ""),
            shared_secret=creds.get("shared_secret", ""),
            access_token=creds.get("access_token", ""),
            timeout=config.timeout,
            before_request=before_request,
        )
        self.refresh_token = creds.get("refresh_token", "")
        self.expires_at = _as_float(creds.get("access_token_expires_at"))
        self.shipping_profile_id = creds.get("shipping_profile_id", "")
        self.shop = f"/shops/{config.shop_id}"

    # --- plumbing ---

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._authed(lambda: self.client.call(method, path, **kwargs))

    def _authed(self, fn: Callable[[], T]) -> T:
        """Run `fn`; on 401 refresh once (Etsy rotates the refresh token) and run it again; a token known to be
        past its expiry is refreshed first. A second 401 means the seller must authorise again."""
        require_credentials(MARKETPLACE, self.config.credentials, self.credential_fields)
        if self.expires_at and self.refresh_token and time.time() >= self.expires_at - EARLY_REFRESH_SECONDS:
            self._refresh()
        else:
            try:
                return fn()
            except TokenExpired:
                self._refresh()
        try:
            return fn()
        except TokenExpired as exc:
            raise AuthExpired(f"{MARKETPLACE}: the refreshed token was refused too.", code="401") from exc

    def _refresh(self) -> None:
        if not self.refresh_token:
            raise AuthExpired(f"{MARKETPLACE}: the access token expired and no refresh token is stored.")
        data = self.client.refresh(self.refresh_token)
        self.refresh_token = str(data.get("refresh_token") or self.refresh_token)
        self.expires_at = time.time() + _as_float(data.get("expires_in") or 3600)
        if self.on_tokens:
            self.on_tokens(
                {
                    "access_token": self.client.access_token,
                    "refresh_token": self.refresh_token,
                    "access_token_expires_at": f"{self.expires_at:.0f}",
                }
            )

    def _shipping_profile(self) -> str:
        if not self.shipping_profile_id:
            profiles = (self._call("GET", f"{self.shop}/shipping-profiles") or {}).get("results") or []
            if not profiles:
                raise ConnectorError(f"{MARKETPLACE}: the shop has no shipping profile; create one on Etsy first.")
            self.shipping_profile_id = str(profiles[0]["shipping_profile_id"])
        return self.shipping_profile_id

    def _upload_images(self, listing_id: str, urls: Sequence[str]) -> None:
        for rank, url in enumerate(urls[:MAX_IMAGES], start=1):
            name, content, content_type = fetch_image(self.client.http, url)
            self._call(
                "POST",
                f"{self.shop}/listings/{listing_id}/images",
                files={"image": (name, content, content_type)},
                form={"rank": str(rank)},
            )

    def _result(self, listing: dict[str, Any]) -> PushResult:
        status, raw = mapping.status_of(listing)
        return PushResult(
            external_id=str(listing["listing_id"]),
            status=status,
            external_url=str(listing.get("url", "")),
            raw_status=raw,
            raw=listing,
            marketplace_ids=mapping.marketplace_ids(listing),
        )

    # --- interface ---

    def check_credentials(self) -> None:
        self.shop_info()

    def shop_info(self) -> ShopInfo:
        """getShop: its `currency_code` (Etsy returns no shop country)."""
        shop = self._call("GET", self.shop)
        return ShopInfo(currency=str(shop.get("currency_code") or "").upper())

    def push_listing(self, payload: ListingPayload) -> PushResult:
        """Create: draft -> inventory (SKU, price, stock) -> images -> publish. Update: fields + inventory (and a
        draft is finished: images if it has none, then published).

        The inventory goes first so that a draft left behind by a failure later on carries our SKU and is found
        by find_by_sku; pushing it again as an update completes it."""
        if payload.external_id:
            listing_id = payload.external_id
            self._call("PATCH", f"{self.shop}/listings/{listing_id}", form=mapping.update_form(payload))
            self._call("PUT", f"/listings/{listing_id}/inventory", json=mapping.inventory_body(payload))
            listing = self._call("GET", f"/listings/{listing_id}", params={"includes": "Images"})
            if listing.get("state") != "draft":
                return self._result(listing)
            # A draft left by an interrupted create (found again by SKU): finish it.
            if not listing.get("images"):
                self._upload_images(listing_id, payload.image_urls)
            return self._result(self._call("PATCH", f"{self.shop}/listings/{listing_id}", form={"state": "active"}))
        form = mapping.listing_form(payload, shipping_profile_id=self._shipping_profile())
        draft = self._call("POST", f"{self.shop}/listings", form=form)
        listing_id = str(draft["listing_id"])
        self._call("PUT", f"/listings/{listing_id}/inventory", json=mapping.inventory_body(payload))
        self._upload_images(listing_id, payload.image_urls)
        return self._result(self._call("PATCH", f"{self.shop}/listings/{listing_id}", form={"state": "active"}))

    def update_offers(self, items: Sequence[OfferUpdate]) -> list[ItemResult]:
        """Per listing: read the inventory, change the offerings of the given SKUs, write it all back.
        Throttling/auth errors propagate (idempotent batch); refusals become per-item failures."""
        failures: dict[int, tuple[str, str]] = {}
        by_listing: dict[str, list[int]] = {}
        for index, item in enumerate(items):
            by_listing.setdefault(item.external_id, []).append(index)
        for listing_id, indexes in by_listing.items():
            updates: dict[str, tuple[Decimal | None, int | None]] = {
                items[i].sku: (items[i].price, items[i].quantity) for i in indexes
            }
            try:
                inventory = self._call("GET", f"/listings/{listing_id}/inventory") or {}
                body, missing = mapping.merge_offers(inventory, updates)
                for i in indexes:
                    if items[i].sku in missing:
                        failures[i] = ("SKU_NOT_FOUND", f"SKU {items[i].sku} is not in listing {listing_id}.")
                if len(missing) < len(updates):
                    self._call("PUT", f"/listings/{listing_id}/inventory", json=body)
            except (RetryableError, AuthExpired):
                raise
            except ConnectorError as exc:
                for i in indexes:
                    failures.setdefault(i, (exc.code, exc.message))
        return [
            ItemResult(
                sku=item.sku,
                ok=i not in failures,
                error_code=failures.get(i, ("", ""))[0],
                message=failures.get(i, ("", ""))[1],
            )
            for i, item in enumerate(items)
        ]

    def get_listing(self, external_id: str) -> RemoteListing:
        return mapping.remote_listing(self._call("GET", f"/listings/{external_id}"))

    def find_by_sku(self, sku: str) -> RemoteListing | None:
        """Etsy cannot filter by SKU: walk the shop's listings (each carries its `skus`)."""
        cursor: str | None = f"{STATES[0]}:0"
        while cursor:
            page = self._page(cursor, limit=100)
            for listing in page.items:
                if sku == listing.sku or sku in (listing.raw.get("skus") or []):
                    return listing
            cursor = page.next_cursor
        return None

    def pull_listings(self, cursor: str | None = None, updated_since: datetime | None = None) -> Page[RemoteListing]:
        """Cursor `<state>:<offset>`: offset/limit within one state, then the next state.

        Etsy has no "updated since" filter: an incremental pull reads each state newest-updated first
        (`sort_on=updated`) and leaves the state at the first listing older than `updated_since`
        (docs/marketplaces/etsy.md#incremental-pull).
        """
        return self._page(cursor or f"{STATES[0]}:0", limit=self.page_size, since=updated_since)

    def _page(self, cursor: str, *, limit: int, since: datetime | None = None) -> Page[RemoteListing]:
        states = STATES if since is None else INCREMENTAL_STATES
        state, _, offset_text = cursor.partition(":")
        if state not in states or not offset_text.isdigit():
            raise ValueError(f"Not an Etsy cursor: {cursor!r}.")
        offset = int(offset_text)
        while True:
            params: dict[str, Any] = {"state": state, "limit": limit, "offset": offset}
            if since is not None:
                params.update(sort_on="updated", sort_order="desc")
            data = self._call("GET", f"{self.shop}/listings", params=params) or {}
            results = [r for r in data.get("results") or [] if isinstance(r, dict)]
            count = int(data.get("count") or 0)
            reached = False
            if since is not None:
                newer = [r for r in results if _updated(r) >= since.timestamp()]
                reached, results = len(newer) < len(results), newer
            if offset + len(results) < count and results and not reached:
                next_cursor: str | None = f"{state}:{offset + len(results)}"
            else:
                position = states.index(state)
                next_cursor = f"{states[position + 1]}:0" if position + 1 < len(states) else None
            if results or next_cursor is None:
                return Page(items=[mapping.remote_listing(r) for r in results], next_cursor=next_cursor)
            state, offset = next_cursor.split(":")[0], 0  # skip empty states without an empty page

    def pull_orders(self, cursor: str | None = None, updated_since: datetime | None = None) -> Page[RemoteOrder]:
        """getShopReceipts by min_last_modified (docs/marketplaces/etsy.md#orders)."""
        return orders.pull_orders(self._call, self.shop, cursor, updated_since)

    def categories(self) -> list[taxonomy.RemoteCategoryNode]:
        """getSellerTaxonomyNodes (docs/channels.md#marketplace-categories)."""
        return taxonomy.etsy_categories(self._call("GET", "/seller-taxonomy/nodes") or {})

    def category_attributes(self, category_id: str) -> list[taxonomy.RemoteCategoryAttribute]:
        if not category_id.isdigit():
            raise NotFound(f"{MARKETPLACE}: taxonomy ids are numbers, not {category_id!r}.", code="bad_taxonomy_id")
        body = self._call("GET", f"/seller-taxonomy/nodes/{category_id}/properties") or {}
        return taxonomy.etsy_attributes(body)

    def deactivate_listing(self, external_id: str) -> None:
        self._call("PATCH", f"{self.shop}/listings/{external_id}", form={"state": "inactive"})

    def delete_listing(self, external_id: str) -> None:
        self._call("DELETE", f"/listings/{external_id}")

    # --- competitors (docs/competitors.md#etsy) ---

    def observe_item(self, item_id: str) -> ItemCompetition:
        """Another shop's listing now (getListing): price, quantity, state. Unknown ids are NotFound."""
        if not item_id.strip().isdigit():
            message = f"An Etsy listing id is a number (got {item_id!r})."
            raise Rejected(message, field_errors={"item_id": [message]})
        return mapping.item_competition(self._call("GET", f"/listings/{item_id.strip()}") or {})

    def search_active_listings(self, keywords: str, *, limit: int = 25, offset: int = 0) -> list[ListingMatch]:
        """findAllListingsActive: every shop's active listings matching the keywords (candidates to watch)."""
        params = mapping.active_search_params(keywords, limit=limit, offset=offset)
        return mapping.listing_matches(self._call("GET", "/listings/active", params=params) or {})


def _updated(listing: dict[str, Any]) -> float:
    return _as_float(listing.get("updated_timestamp") or listing.get("last_modified_timestamp"))


def _as_float(value: object) -> float:
    try:
        return float(str(value)) if value not in (None, "") else 0.0
    except ValueError:
        return 0.0
