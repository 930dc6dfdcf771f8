"""Lazada connector: composes the HTTP client and the payload mapping."""

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar

from .. import categories as taxonomy
from ..base import (
    ChannelConfig,
    Connector,
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
    TokenSaver,
    iso_z,
)
from . import mapping, orders
from .client import LazadaClient, PartialFailure

PAGE_SIZE = 50  # /products/get limit max 50 (docs/marketplaces/lazada.md#endpoints)
OFFER_BATCH = 50  # the documented maximum (20 is only recommended): one call per engine batch of 50 listings


class LazadaConnector(Connector):
    code = "lazada"
    label = "Lazada"
    credential_fields = ("app_key", "app_secret", "access_token")
    optional_credential_fields = ("refresh_token", "access_token_expires_at")
    sensitive_fields = frozenset({"app_secret", "access_token", "refresh_token"})
    default_rate_limit = RateLimit(requests_per_second=10, burst=10)
    default_rules = ListingRules(
        title_max_length=255,
        max_images=8,
        required_fields=("weight_grams", "length_mm", "width_mm", "height_mm"),
        description_max_length=25_000,
        weight_max_grams=40_000,
    )
    page_size: ClassVar[int] = PAGE_SIZE

    def __init__(
        self, config: ChannelConfig, *, on_tokens: TokenSaver | None = None, before_request: RequestHook | None = None
    ) -> None:
        super().__init__(config, on_tokens=on_tokens, before_request=before_request)
        # The client checks the credentials before each request: building a connector never fails.
        self.client = LazadaClient(config, on_tokens, before_request)
        self._migrated: dict[str, str] = {}

    def check_credentials(self) -> None:
        self.client.call("GET", "/seller/get")

    def push_listing(self, payload: ListingPayload) -> PushResult:
        """/product/create or /product/update; a new item may sit in "Pending QC" (in_review) for up to 24 h."""
        images = [self._migrate(url) for url in payload.image_urls]
        if payload.external_id:
            body = mapping.product_payload(payload, images, item_id=payload.external_id)
            self.client.call("POST", "/product/update", {"payload": body})
            return self._result(self.get_listing(payload.external_id))
        data = self.client.call("POST", "/product/create", {"payload": mapping.product_payload(payload, images)})
        created: dict[str, Any] = data.get("data") or {}
        item_id = str(created["item_id"])
        raw_status = str(created.get("item_status") or "")
        if not raw_status:
            return self._result(self.get_listing(item_id))
        notes = (
            ("Lazada quality control is reviewing the item (Pending QC, up to 24 h).",)
            if raw_status == "Pending QC"
            else ()
        )
        return PushResult(
            external_id=item_id,
            status=mapping.STATUS.get(raw_status, "live"),
            raw_status=raw_status,
            review_notes=notes,
            raw=created,
            marketplace_ids=created_ids(created),
        )

    def _result(self, remote: RemoteListing) -> PushResult:
        reason = str(remote.raw.get("rejectReason") or "")
        notes: tuple[str, ...] = (reason,) if reason else ()
        if remote.raw_status == "Pending QC":
            notes = ("Lazada quality control is reviewing the item (Pending QC, up to 24 h).",)
        return PushResult(
            external_id=remote.external_id,
            status=remote.status,
            raw_status=remote.raw_status,
            review_notes=notes,
            raw=remote.raw,
            marketplace_ids=remote.marketplace_ids,
        )

    def update_offers(self, items: Sequence[OfferUpdate]) -> list[ItemResult]:
        """/product/price_quantity/update in batches of up to 50 SKUs; failed SKUs come back in `detail`."""
        results: list[ItemResult] = []
        for start in range(0, len(items), OFFER_BATCH):
            batch = items[start : start + OFFER_BATCH]
            try:
                self.client.call("POST", "/product/price_quantity/update", {"payload": mapping.offers_payload(batch)})
            except PartialFailure as exc:
                for offer in batch:
                    problem = exc.failed.get(offer.sku)
                    ok = problem is None
                    results.append(ItemResult(offer.sku, ok, "" if ok else exc.code, problem or ""))
                continue
            except Rejected as exc:
                results += [ItemResult(offer.sku, False, exc.code, exc.message) for offer in batch]
                continue
            results += [ItemResult(offer.sku, True) for offer in batch]
        return results

    def get_listing(self, external_id: str) -> RemoteListing:
        data = self.client.call("GET", "/product/item/get", {"item_id": external_id})
        return mapping.to_remote(data["data"])

    def find_by_sku(self, sku: str) -> RemoteListing | None:
        params = {"filter": "all", "limit": "1", "offset": "0", "sku_seller_list": json.dumps([sku])}
        products = (self.client.call("GET", "/products/get", params).get("data") or {}).get("products") or []
        return mapping.to_remote(products[0]) if products else None

    def pull_listings(self, cursor: str | None = None, updated_since: datetime | None = None) -> Page[RemoteListing]:
        """`update_after` (ISO 8601) filters by update time (docs/marketplaces/lazada.md#incremental-pull).

        `filter=all` leaves deleted items out, so an incremental pull then reads `filter=deleted` with the same
        `update_after` (cursor `<filter>:<offset>`); a full pull finds deletions by looking up unseen listings.
        """
        phase, _, offset_text = (cursor or ("all:0" if updated_since else "0")).rpartition(":")
        offset = int(offset_text or 0)
        params = {"filter": phase or "all", "limit": str(self.page_size), "offset": str(offset)}
        if updated_since is not None:
            params["update_after"] = iso_z(updated_since)
        data = self.client.call("GET", "/products/get", params).get("data") or {}
        products = data.get("products") or []
        total = int(data.get("total_products") or 0)
        next_offset = offset + len(products)
        prefix = f"{phase}:" if phase else ""
        next_cursor = f"{prefix}{next_offset}" if products and next_offset < total else None
        if next_cursor is None and phase == "all":
            next_cursor = "deleted:0"
        return Page(items=[mapping.to_remote(p) for p in products], next_cursor=next_cursor)

    def pull_orders(self, cursor: str | None = None, updated_since: datetime | None = None) -> Page[RemoteOrder]:
        """GetOrders by update_after + GetMultipleOrderItems (docs/marketplaces/lazada.md#orders)."""
        return orders.pull_orders(self.client, cursor, updated_since)

    def categories(self) -> list[taxonomy.RemoteCategoryNode]:
        """GetCategoryTree (docs/channels.md#marketplace-categories)."""
        return taxonomy.lazada_categories(self.client.call("GET", "/category/tree/get").get("data"))

    def category_attributes(self, category_id: str) -> list[taxonomy.RemoteCategoryAttribute]:
        data = self.client.call("GET", "/category/attributes/get", {"primary_category_id": category_id})
        return taxonomy.lazada_attributes(data.get("data"))

    def deactivate_listing(self, external_id: str) -> None:
        self.client.call("POST", "/product/deactivate", {"apiRequestBody": mapping.deactivate_body(external_id)})

    def delete_listing(self, external_id: str) -> None:
        """/product/remove works on SKUs, so look the item's SKU ids up first."""
        remote = self.get_listing(external_id)
        sku_ids = [f"SkuId_{external_id}_{s['SkuId']}" for s in remote.raw.get("skus") or []]
        if not sku_ids:
            raise NotFound(f"Lazada item {external_id} has no SKUs left.", code="ITEM_NOT_FOUND")
        for start in range(0, len(sku_ids), 50):
            self.client.call("POST", "/product/remove", {"sku_id_list": json.dumps(sku_ids[start : start + 50])})

    def _migrate(self, url: str) -> str:
        """Lazada only accepts its own image URLs: migrate ours once (cached per connector)."""
        if mapping.is_lazada_image(url):
            return url
        if url not in self._migrated:
            body = json.dumps({"Request": {"Image": {"Url": url}}})
            data = self.client.call("POST", "/image/migrate", {"payload": body})
            self._migrated[url] = str(data["data"]["image"]["url"])
        return self._migrated[url]


def created_ids(created: Mapping[str, Any]) -> dict[str, str]:
    """Item id and SKU ids from a /product/create answer (`sku_list[]{shop_sku, seller_sku, sku_id}`)."""
    skus = [s for s in created.get("sku_list") or [] if isinstance(s, Mapping)]
    ids = {"item_id": str(created.get("item_id") or "")}
    if skus:
        ids["sku_ids"] = ",".join(str(s.get("sku_id") or "") for s in skus)
        ids["shop_skus"] = ",".join(str(s.get("shop_sku") or "") for s in skus)
    return ids
