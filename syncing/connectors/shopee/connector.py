"""Shopee connector: composes the HTTP client and the payload mapping."""

import time
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from .. import categories as taxonomy
from ..base import (
    DELETED,
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
)
from ..variations import family_problems
from . import mapping, orders
from .client import ShopeeClient

PAGE_SIZE = 100  # get_item_list page_size max 100, get_item_base_info <= 50 ids (docs/marketplaces/shopee.md#endpoints)
INFO_BATCH = 50
MODELS_PER_CALL = 50  # update_price / update_stock: price_list / stock_list of 1..50 models
WINDOW_SECONDS = 15 * 24 * 3600  # get_item_list update_time windows: at most 15 days (docs/marketplaces/shopee.md)
CLOCK_SKEW = 3600  # the last window ends an hour after our clock, so a marketplace clock ahead of ours loses nothing


class ShopeeConnector(Connector):
    code = "shopee"
    label = "Shopee"
    credential_fields = ("partner_id", "partner_key", "access_token")
    optional_credential_fields = ("refresh_token", "access_token_expires_at")
    sensitive_fields = frozenset({"partner_key", "access_token", "refresh_token"})
    capabilities = frozenset({"push", "pull", "price", "stock", "delete", "variant_offers"})
    default_rate_limit = RateLimit(requests_per_second=10, burst=10)
    # Tier limits: docs/marketplaces/shopee.md#variation-families (2 tiers, 20 options of <= 20 characters, tier
    # names <= 14, 50 models).
    default_rules = ListingRules(
        title_max_length=100,
        max_images=9,
        required_fields=("description", "weight_grams"),
        title_min_length=5,
        description_min_length=10,
        description_max_length=3000,
        variation_max_tiers=2,
        variation_max_options=20,
        variation_max_models=50,
        variation_name_max_length=14,
        variation_option_max_length=20,
    )
    page_size: ClassVar[int] = PAGE_SIZE

    def __init__(
        self, config: ChannelConfig, *, on_tokens: TokenSaver | None = None, before_request: RequestHook | None = None
    ) -> None:
        super().__init__(config, on_tokens=on_tokens, before_request=before_request)
        # The client checks the credentials before each request: building a connector never fails.
        self.client = ShopeeClient(config, on_tokens, before_request)
        self._image_ids: dict[str, str] = {}
        self._logistic_ids: list[int] | None = None

    def check_credentials(self) -> None:
        self.shop_info()

    def shop_info(self) -> ShopInfo:
        """get_shop_info: its `region` (Shopee returns no currency; one currency per region)."""
        data = self.client.call("GET", "/api/v2/shop/get_shop_info")
        return ShopInfo(region=str(data.get("region") or "").upper())

    def push_listing(self, payload: ListingPayload) -> PushResult:
        """add_item without an external id, else update_item; REVIEWING shows up as "in_review". A product with
        variants becomes one item with tier variations and a model per variant (_sync_models)."""
        if payload.variants:
            problems = family_problems(self.default_rules, [(v.sku, v.options) for v in payload.variants])
            if problems:
                raise Rejected(
                    "Shopee would refuse these tier variations: " + " ".join(p.message for p in problems),
                    field_errors={"variants": [p.message for p in problems]},
                    code=problems[0].code,
                )
        image_ids = [self._upload(url) for url in payload.image_urls]
        if payload.external_id:
            body = mapping.item_body(payload, image_ids, [], creating=False)
            if not image_ids:
                body.pop("image")
            body["item_id"] = _item_id(payload.external_id)
            data = self.client.call("POST", "/api/v2/product/update_item", body=body)
        else:
            body = mapping.item_body(payload, image_ids, self._logistics(), creating=True)
            data = self.client.call("POST", "/api/v2/product/add_item", body=body)
        item = data.get("response") or {}
        item_id = str(item.get("item_id") or payload.external_id)
        if payload.variants:
            self._sync_models(int(item_id), payload)
        raw_status = str(item.get("item_status") or "")
        notes = ("Shopee is reviewing the item.",) if raw_status == "REVIEWING" else ()
        return PushResult(
            external_id=item_id,
            status=mapping.STATUS.get(raw_status, "live"),
            external_url=mapping.item_url(self.config.shop_id, item_id),
            raw_status=raw_status,
            review_notes=notes,
            raw=item,
            marketplace_ids={"item_id": item_id},
        )

    def _sync_models(self, item_id: int, payload: ListingPayload) -> None:
        """Give the item the family's tiers and models: init_tier_variation the first time; later the same tiers
        get add_model for new variants, update_model for changed SKUs and per-model price and stock."""
        tiers, models = mapping.tier_variation(payload.variants)
        current = self._model_list(item_id)
        if not current.get("tier_variation"):
            body = {"item_id": item_id, "tier_variation": tiers, "model": models}
            self.client.call("POST", "/api/v2/product/init_tier_variation", body=body)
            return
        if mapping.tier_options(current["tier_variation"]) != mapping.tier_options(tiers):
            raise Rejected(
                "The variants' options changed since the item was created; Shopee keeps an item's tiers, so "
                "delist it and list it again, or list each variant separately.",
                field_errors={"variants": ["The option names or values differ from the item's tier variations."]},
                code="tier_variation_changed",
            )
        existing = {tuple(m["tier_index"]): m for m in current.get("model") or []}
        new = [m for m in models if tuple(m["tier_index"]) not in existing]
        if new:
            self.client.call("POST", "/api/v2/product/add_model", body={"item_id": item_id, "model_list": new})
        kept = [(m, existing[tuple(m["tier_index"])]) for m in models if tuple(m["tier_index"]) in existing]
        renamed = [{"model_id": old["model_id"], "model_sku": m["model_sku"]} for m, old in kept
                   if old.get("model_sku") != m["model_sku"]]  # fmt: skip
        if renamed:
            self.client.call("POST", "/api/v2/product/update_model", body={"item_id": item_id, "model": renamed})
        if kept:
            offers = [(int(old["model_id"]), Decimal(str(m["original_price"])), m["seller_stock"][0]["stock"])
                      for m, old in kept]  # fmt: skip
            problems = self._model_offers(item_id, offers)
            if problems:
                raise Rejected("Shopee refused model prices or stock: " + "; ".join(problems.values()),
                               field_errors={"variants": list(problems.values())}, code="failure_list")  # fmt: skip

    def _model_list(self, item_id: int) -> dict[str, Any]:
        data = self.client.call("GET", "/api/v2/product/get_model_list", params={"item_id": item_id})
        return dict(data.get("response") or {})

    def _model_offers(self, item_id: int, offers: Sequence[tuple[int, Decimal | None, int | None]]) -> dict[int, str]:
        """update_price and update_stock of several models of one item (one call each, <= 50 models);
        returns the failed model ids with Shopee's reason."""
        failed: dict[int, str] = {}
        for start in range(0, len(offers), MODELS_PER_CALL):
            chunk = offers[start : start + MODELS_PER_CALL]
            prices = [{"model_id": m, "original_price": float(p)} for m, p, _q in chunk if p is not None]
            stocks = [{"model_id": m, "seller_stock": [{"stock": q}]} for m, _p, q in chunk if q is not None]
            for path, key, entries in (("update_price", "price_list", prices), ("update_stock", "stock_list", stocks)):
                if not entries:
                    continue
                data = self.client.call("POST", f"/api/v2/product/{path}", body={"item_id": item_id, key: entries})
                for failure in (data.get("response") or {}).get("failure_list") or []:
                    failed[int(failure.get("model_id") or 0)] = str(failure.get("failed_reason"))
        return failed

    def update_offers(self, items: Sequence[OfferUpdate]) -> list[ItemResult]:
        """update_price / update_stock per item (Shopee takes one item per call); per-item results.

        Rejections and unknown items become failed results; throttling, server errors and auth failures are
        raised for the whole batch (every call is a plain "set", so repeating the batch is safe).
        """
        results: list[ItemResult] = []
        by_item: dict[str, list[OfferUpdate]] = {}
        for offer in items:
            if offer.is_variant:
                by_item.setdefault(offer.external_id, []).append(offer)
        for external_id, offers in by_item.items():
            results += self._update_variant_offers(external_id, offers)
        for offer in items:
            if offer.is_variant:
                continue
            try:
                problems = self._update_offer(offer)
            except (RetryableError, AuthExpired):
                raise
            except ConnectorError as exc:
                results.append(ItemResult(offer.sku, False, exc.code, exc.message))
                continue
            if problems:
                results.append(ItemResult(offer.sku, False, "failure_list", "; ".join(problems)))
            else:
                results.append(ItemResult(offer.sku, True))
        return results

    def _update_variant_offers(self, external_id: str, offers: list[OfferUpdate]) -> list[ItemResult]:
        """The models of one item named by SKU (get_model_list once), updated together."""
        try:
            item_id = _item_id(external_id)
            model_ids = {m.sku: int(m.external_id) for m in mapping.remote_models(self._model_list(item_id))}
            known = [o for o in offers if o.sku in model_ids]
            failed = self._model_offers(item_id, [(model_ids[o.sku], o.price, o.quantity) for o in known])
        except (RetryableError, AuthExpired):
            raise
        except ConnectorError as exc:
            return [ItemResult(o.sku, False, exc.code, exc.message) for o in offers]
        results = []
        for offer in offers:
            if offer.sku not in model_ids:
                results.append(ItemResult(offer.sku, False, "model_not_found", f"Item {external_id} has no model "
                                          f"with SKU {offer.sku}."))  # fmt: skip
            elif model_ids[offer.sku] in failed:
                results.append(ItemResult(offer.sku, False, "failure_list", failed[model_ids[offer.sku]]))
            else:
                results.append(ItemResult(offer.sku, True))
        return results

    def _update_offer(self, offer: OfferUpdate) -> list[str]:
        problems: list[str] = []
        item_id = _item_id(offer.external_id)
        if offer.price is not None:
            body: dict[str, Any] = {
                "item_id": item_id,
                "price_list": [{"model_id": 0, "original_price": float(offer.price)}],
            }
            data = self.client.call("POST", "/api/v2/product/update_price", body=body)
            problems += [f["failed_reason"] for f in (data.get("response") or {}).get("failure_list") or []]
        if offer.quantity is not None:
            body = {"item_id": item_id, "stock_list": [{"model_id": 0, "seller_stock": [{"stock": offer.quantity}]}]}
            data = self.client.call("POST", "/api/v2/product/update_stock", body=body)
            problems += [f["failed_reason"] for f in (data.get("response") or {}).get("failure_list") or []]
        return problems

    def get_listing(self, external_id: str) -> RemoteListing:
        found = self._base_info([str(_item_id(external_id))])
        if not found or found[0].raw_status in ("SELLER_DELETE", "SHOPEE_DELETE"):
            raise NotFound(f"Shopee item {external_id} does not exist.", code="error_item_not_found")
        return found[0]

    def find_by_sku(self, sku: str) -> RemoteListing | None:
        """Shopee has no documented SKU lookup, so page through the listed items and compare item_sku."""
        cursor: str | None = None
        while True:
            page = self.pull_listings(cursor)
            for listing in page.items:
                if listing.sku == sku and listing.status != DELETED:
                    return listing
            cursor = page.next_cursor
            if cursor is None:
                return None

    def pull_listings(self, cursor: str | None = None, updated_since: datetime | None = None) -> Page[RemoteListing]:
        """get_item_list by offset; with `updated_since`, in update_time windows of at most 15 days.

        The cursor is `<offset>` for a full read and `<window start>:<offset>` for an incremental one
        (docs/marketplaces/shopee.md#incremental-pull).
        """
        params: dict[str, Any] = {"page_size": self.page_size, "item_status": list(mapping.PULLED_STATUSES)}
        window_end = 0
        if updated_since is None:
            params["offset"] = int(cursor or 0)
        else:
            start_text, _, offset_text = (cursor or f"{int(updated_since.timestamp())}:0").partition(":")
            window_start = int(start_text)
            ceiling = int(time.time()) + CLOCK_SKEW
            window_end = min(window_start + WINDOW_SECONDS, ceiling)
            params.update(offset=int(offset_text or 0), update_time_from=window_start, update_time_to=window_end)
        data = self.client.call("GET", "/api/v2/product/get_item_list", params=params).get("response") or {}
        ids = [str(entry["item_id"]) for entry in data.get("item") or []]
        listings: list[RemoteListing] = []
        for start in range(0, len(ids), INFO_BATCH):
            listings += self._base_info(ids[start : start + INFO_BATCH])
        if updated_since is None:
            next_cursor = str(data["next_offset"]) if data.get("has_next_page") else None
        elif data.get("has_next_page"):
            next_cursor = f"{params['update_time_from']}:{data['next_offset']}"
        else:  # this window is done: the next one, until the windows reach now
            next_cursor = f"{window_end + 1}:0" if window_end < int(time.time()) else None
        return Page(items=listings, next_cursor=next_cursor)

    def pull_orders(self, cursor: str | None = None, updated_since: datetime | None = None) -> Page[RemoteOrder]:
        """≤ 15-day update-time windows walked forward (docs/marketplaces/shopee.md#orders)."""
        return orders.pull_orders(self.client, cursor, updated_since, self.client.clock)

    def categories(self) -> list[taxonomy.RemoteCategoryNode]:
        """get_category (docs/channels.md#marketplace-categories)."""
        data = self.client.call("GET", "/api/v2/product/get_category", params={"language": "en"})
        return taxonomy.shopee_categories(data.get("response") or {})

    def category_attributes(self, category_id: str) -> list[taxonomy.RemoteCategoryAttribute]:
        params = {"category_id_list": category_id, "language": "en"}
        data = self.client.call("GET", "/api/v2/product/get_attribute_tree", params=params)
        return taxonomy.shopee_attributes(data.get("response") or {}, category_id)

    def deactivate_listing(self, external_id: str) -> None:
        body = {"item_list": [{"item_id": _item_id(external_id), "unlist": True}]}
        data = self.client.call("POST", "/api/v2/product/unlist_item", body=body)
        failures = (data.get("response") or {}).get("failure_list") or []
        if failures:
            raise NotFound(f"Shopee could not unlist item {external_id}: {failures[0].get('failed_reason')}")

    def delete_listing(self, external_id: str) -> None:
        self.client.call("POST", "/api/v2/product/delete_item", body={"item_id": _item_id(external_id)})

    # --- helpers ---

    def _base_info(self, ids: Sequence[str]) -> list[RemoteListing]:
        """Items by id; an item with models comes with them (get_model_list, one call per such item)."""
        data = self.client.call("GET", "/api/v2/product/get_item_base_info", params={"item_id_list": ",".join(ids)})
        listings = []
        for item in (data.get("response") or {}).get("item_list") or []:
            models = mapping.remote_models(self._model_list(int(item["item_id"]))) if item.get("has_model") else ()
            listings.append(mapping.to_remote(item, models))
        return listings

    def _upload(self, url: str) -> str:
        if url not in self._image_ids:
            content, content_type = self.client.download(url)
            name = url.rsplit("/", 1)[-1] or "image.jpg"
            files = {"image": (name, content, content_type)}
            data = self.client.call_public("POST", "/api/v2/media_space/upload_image", files=files)
            self._image_ids[url] = str(data["response"]["image_info"]["image_id"])
        return self._image_ids[url]

    def _logistics(self) -> list[int]:
        if self._logistic_ids is None:
            data = self.client.call("GET", "/api/v2/logistics/get_channel_list").get("response") or {}
            channels = data.get("logistics_channel_list") or []
            self._logistic_ids = [int(c["logistics_channel_id"]) for c in channels if c.get("enabled")]
        return self._logistic_ids


def _item_id(external_id: str) -> int:
    if not external_id.isdigit():
        raise NotFound(f"'{external_id}' is not a Shopee item id (a number).", code="error_item_not_found")
    return int(external_id)
