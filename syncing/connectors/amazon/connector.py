"""Amazon connector: composes the HTTP client and the payload mapping.

The listing's external id is our SKU (Amazon keys listings items by seller SKU; the ASIN comes later).
"""

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, TypeVar
from urllib.parse import quote

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
    TokenSaver,
    iso_z,
    require_credentials,
)
from ..market import CatalogMatch, ItemCompetition, MarketOffers
from ..variations import family_problems, option_names, variation_theme
from . import catalog, fees, mapping, orders, reports
from .client import MARKETPLACE, AmazonClient, TokenExpired

DEFINITIONS = "/definitions/2020-09-01/"

T = TypeVar("T")

ITEMS = "/listings/2021-08-01/items"
CATALOG_ITEM = "/catalog/2022-04-01/items/{asin}"  # getCatalogItem (docs/marketplaces/amazon.md#catalog-and-pricing)
READ_DATA = "summaries,attributes,issues,offers,fulfillmentAvailability,relationships"


class AmazonConnector(Connector):
    code = "amazon"
    label = "Amazon"
    credential_fields = ("lwa_client_id", "lwa_client_secret", "refresh_token", "marketplace_id")
    optional_credential_fields = ("access_token", "access_token_expires_at", "lwa_url")
    sensitive_fields = frozenset({"lwa_client_secret", "access_token", "refresh_token"})
    capabilities = frozenset({"push", "pull", "price", "stock", "delete", "variant_offers"})
    default_rate_limit = RateLimit(requests_per_second=5, burst=10)
    default_rules = ListingRules(
        title_max_length=200,
        max_images=9,
        main_image_min_px=1000,
        main_image_white_background=True,
        variation_themes=mapping.VARIATION_THEMES,
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
            return self._push_family(payload)
        sku = payload.external_id or payload.sku
        body = mapping.listing_body(payload, marketplace_id=self.marketplace_id, tag=self.tag)
        self._product_types[sku] = str(body["productType"])
        response = self._call("PUT", self._item_path(sku), params={"issueLocale": self.tag}, json=body)
        return self._submission(response, sku)

    def _push_family(self, payload: ListingPayload) -> PushResult:
        """The parent (theme, no offer) first, then one child per variant with its own offer
        (docs/marketplaces/amazon.md#variation-families). Every PUT is a create-or-replace, so a retry after a
        child failed sends the whole family again harmlessly."""
        product_type = mapping.product_type_of(payload)
        variants = [(v.sku, v.options) for v in payload.variants]
        problems = family_problems(self.default_rules, variants, product_type=product_type)
        if problems:
            raise Rejected(
                f"{MARKETPLACE} would refuse this variation family: " + " ".join(p.message for p in problems),
                field_errors={"variants": [p.message for p in problems]},
                code=problems[0].code,
            )
        allowed = (self.default_rules.variation_themes or {}).get(product_type, ())
        theme = variation_theme(option_names([v.options for v in payload.variants]), allowed)
        sku = payload.external_id or payload.sku
        parent = mapping.parent_body(payload, theme=theme, marketplace_id=self.marketplace_id, tag=self.tag)
        result = self._submission(self._put(sku, parent), sku)
        notes = list(result.review_notes)
        for variant in payload.variants:
            body = mapping.child_body(payload, variant, theme=theme, marketplace_id=self.marketplace_id, tag=self.tag)
            notes += self._submission(self._put(variant.sku, body), variant.sku).review_notes
        skus = ",".join(v.sku for v in payload.variants)
        return PushResult(
            external_id=result.external_id,
            status=result.status,
            raw_status=result.raw_status,
            review_notes=tuple(notes),
            raw=result.raw,
            marketplace_ids={**result.marketplace_ids, "child_skus": skus, "variation_theme": theme},
        )

    def _put(self, sku: str, body: dict[str, Any]) -> dict[str, Any]:
        self._product_types[sku] = str(body["productType"])
        return self._call("PUT", self._item_path(sku), params={"issueLocale": self.tag}, json=body)

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
        """One item; a parent comes with its children read back (one GET each) as `variants`."""
        item = self._call("GET", self._item_path(external_id), params={"includedData": READ_DATA})
        children = []
        for child in mapping.child_skus(item) if mapping.parentage(item) == "parent" else []:
            try:
                read = self._call("GET", self._item_path(child), params={"includedData": READ_DATA})
            except NotFound:
                continue
            children.append(mapping.remote_variant(read))
        return mapping.remote_listing(item, children)

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
        # Children are read with their parent (get_listing), not as listings of their own.
        items = [
            mapping.remote_listing(i)
            for i in data.get("items") or []
            if isinstance(i, dict) and mapping.parentage(i) != "child"
        ]
        pagination = data.get("pagination") or {}
        return Page(items=items, next_cursor=str(pagination.get("nextToken") or "") or None)

    def pull_orders(self, cursor: str | None = None, updated_since: datetime | None = None) -> Page[RemoteOrder]:
        """getOrders by LastUpdatedAfter + getOrderItems (docs/marketplaces/amazon.md#orders)."""

        def call(method: str, path: str, params: dict[str, str] | None = None) -> dict[str, Any]:
            return self._authed(lambda: self.client.call(method, path, params=params))

        return orders.pull_orders(call, self.marketplace_id, cursor, updated_since)

    def categories(self) -> list[taxonomy.RemoteCategoryNode]:
        """searchDefinitionsProductTypes: the product types, a flat list of leaves
        (docs/channels.md#marketplace-categories)."""
        return taxonomy.amazon_categories(self._call("GET", DEFINITIONS + "productTypes"))

    def category_attributes(self, category_id: str) -> list[taxonomy.RemoteCategoryAttribute]:
        """getDefinitionsProductType, then the JSON schema its link names (no access token: the link is signed)."""
        path = DEFINITIONS + "productTypes/" + quote(category_id, safe="")
        definition = self._call("GET", path, params={"requirements": "LISTING", "locale": "en_US"})
        url = str(((definition.get("schema") or {}).get("link") or {}).get("resource") or "")
        resp = self.client.http.request("GET", url)
        if resp.status_code != 200:
            raise ConnectorError(f"{MARKETPLACE}: the product type schema answered HTTP {resp.status_code}.")
        return taxonomy.amazon_attributes(resp.json())

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

    def fees_estimate(self, queries: Sequence[fees.FeeQuery]) -> list[fees.FeeEstimate]:
        """Product Fees getMyFeesEstimates for our SKUs at given prices (docs/marketplaces/amazon.md#product-fees)."""
        return fees.fees_estimate(
            lambda method, path, json: self._authed(lambda: self.client.call_array(method, path, json=json)),
            self.marketplace_id,
            queries,
        )

    def get_item_offers(self, asin: str, condition: str = "new") -> MarketOffers:
        """Product Pricing getItemOffers: the competition on one ASIN."""
        return catalog.get_item_offers(self._raw_call, self.marketplace_id, asin, condition)

    def sales_ranks(self, asins: Sequence[str]) -> list[catalog.ItemSalesRank]:
        """Best-seller ranks of up to `catalog.SALES_RANK_BATCH` (20) ASINs in one call: searchCatalogItems by ASIN
        identifiers with `includedData=salesRanks` answers the same `salesRanks` as getCatalogItem, which takes one
        ASIN a call (docs/marketplaces/amazon.md#best-seller-rank). Goes through the channel's rate hook."""
        return catalog.search_sales_ranks(self._raw_call, self.marketplace_id, [a.strip().upper() for a in asins])

    def observe_item(self, item_id: str) -> ItemCompetition:
        """A competitor's ASIN now: getItemOffers (new condition: offers, buy box, lowest prices, offer count) and
        getCatalogItem (title, sales rank). An ASIN Amazon does not know is Rejected (docs/competitors.md#amazon)."""
        asin = item_id.strip().upper()
        offers = self._raw_call("GET", catalog.OFFERS_PATH.format(asin=quote(asin, safe="")),
                                params=catalog.offers_params(self.marketplace_id, "new"))  # fmt: skip
        item = self._raw_call(
            "GET",
            CATALOG_ITEM.format(asin=quote(asin, safe="")),
            params={"marketplaceIds": self.marketplace_id, "includedData": "summaries,salesRanks"},
        )
        return mapping.item_competition(offers, item, asin, self.marketplace_id)

    # --- Reports API 2021-06-30 (reports.py; docs/marketplaces/amazon.md#reports) ---

    def _report_call(
        self, method: str, path: str, body: Any = None, params: dict[str, str] | None = None
    ) -> dict[str, Any]:
        return self._authed(lambda: self.client.call(method, path, json=body, params=params))

    def create_report(self, report_type: str, start: date, end: date, options: Mapping[str, str] | None = None) -> str:
        """createReport for the whole days start..end; returns the reportId (the report is queued)."""
        body = reports.create_body(report_type, self.marketplace_id, start, end, options)
        report_id = str(self._report_call("POST", reports.REPORTS_PATH, body).get("reportId") or "")
        if not report_id:
            raise RetryableError(f"{MARKETPLACE}: createReport answered no reportId.", code="malformed_response")
        return report_id

    def get_report(self, report_id: str) -> reports.ReportStatus:
        """getReport: its processingStatus, and the document id once DONE. Callers poll with a backoff."""
        path = reports.REPORT_PATH.format(report_id=quote(report_id, safe=""))
        return reports.report_status(self._report_call("GET", path))

    def get_report_document(self, document_id: str) -> reports.ReportDocument:
        """getReportDocument: the pre-signed URL (valid 5 minutes) and the compression."""
        path = reports.DOCUMENT_PATH.format(document_id=quote(document_id, safe=""))
        return reports.report_document(self._report_call("GET", path))

    def download_report_document(self, document: reports.ReportDocument) -> Any:
        """Download the document at its URL (no access token: the URL is signed) and decode it (gunzip, JSON).
        An expired URL is retryable: get the document again for a fresh one."""
        resp = self.client.http.request("GET", document.url)
        if resp.status_code == 403:
            raise RetryableError(f"{MARKETPLACE}: the report document URL was refused (expired?).", code="url_expired")
        if resp.status_code >= 500:
            raise RetryableError(f"{MARKETPLACE}: report download answered HTTP {resp.status_code}.")
        if resp.status_code != 200:
            raise ConnectorError(f"{MARKETPLACE}: report download answered HTTP {resp.status_code}.")
        return reports.decode_document(resp.content, document.compression)

    def fetch_report(self, document_id: str, report_type: str) -> Any:
        """getReportDocument + download + the parser of `report_type` (reports.PARSERS)."""
        data = self.download_report_document(self.get_report_document(document_id))
        if not isinstance(data, dict):
            raise ConnectorError(f"{MARKETPLACE}: the report document is not a JSON object.", code="bad_document")
        return reports.PARSERS[report_type](data)

    def get_reports(
        self,
        report_types: Sequence[str] = (),
        *,
        statuses: Sequence[str] = (),
        created_since: datetime | None = None,
        created_until: datetime | None = None,
        page_size: int = reports.LIST_PAGE_SIZE_MAX,
        next_token: str = "",
    ) -> reports.ReportPage:
        """One page of getReports, newest first. With `next_token`, only the token is sent (Amazon refuses a
        next-page request that repeats the filters)."""
        if next_token:
            query = {"nextToken": next_token}
        else:
            try:
                query = reports.list_query(report_types, statuses=statuses, created_since=created_since,
                                           created_until=created_until, page_size=page_size)  # fmt: skip
            except ValueError as exc:
                raise Rejected(f"{MARKETPLACE}: {exc}", field_errors={"__all__": [str(exc)]}) from exc
        return reports.report_page(self._report_call("GET", reports.REPORTS_PATH, params=query))

    def list_reports(
        self, report_types: Sequence[str], *, statuses: Sequence[str] = (), created_since: datetime | None = None
    ) -> list[reports.ReportStatus]:
        """Every report getReports lists for the filters, following `nextToken` (at most LIST_PAGES_MAX pages)."""
        page = self.get_reports(report_types, statuses=statuses, created_since=created_since)
        found = list(page.reports)
        for _ in range(reports.LIST_PAGES_MAX - 1):
            if not page.next_token:
                break
            page = self.get_reports(next_token=page.next_token)
            found.extend(page.reports)
        return found

    def create_report_schedule(
        self,
        report_type: str,
        period: str,
        options: Mapping[str, str] | None = None,
        next_creation: datetime | None = None,
    ) -> str:
        """createReportSchedule; Amazon cancels and replaces a schedule of the same type and marketplaces.
        Returns the reportScheduleId."""
        try:
            body = reports.schedule_body(report_type, self.marketplace_id, period, options, next_creation)
        except ValueError as exc:
            raise Rejected(f"{MARKETPLACE}: {exc}", field_errors={"period": [str(exc)]}) from exc
        schedule_id = str(self._report_call("POST", reports.SCHEDULES_PATH, body).get("reportScheduleId") or "")
        if not schedule_id:
            raise RetryableError(f"{MARKETPLACE}: createReportSchedule answered no id.", code="malformed_response")
        return schedule_id

    def get_report_schedules(self, report_types: Sequence[str]) -> list[reports.ReportSchedule]:
        """getReportSchedules for 1-10 report types."""
        if not 1 <= len(report_types) <= reports.LIST_TYPES_MAX:
            raise Rejected(f"{MARKETPLACE}: getReportSchedules takes 1 to {reports.LIST_TYPES_MAX} report types.")
        params = {"reportTypes": ",".join(report_types)}
        return reports.report_schedules(self._report_call("GET", reports.SCHEDULES_PATH, params=params))

    def cancel_report_schedule(self, schedule_id: str) -> None:
        """cancelReportSchedule; an unknown schedule raises NotFound."""
        self._report_call("DELETE", reports.SCHEDULE_PATH.format(schedule_id=quote(schedule_id, safe="")))
