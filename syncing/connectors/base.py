"""The narrow interface every marketplace connector implements, and the errors it may raise.

Connectors talk HTTP to one marketplace and nothing else: no ORM, no settings. Services turn model rows into the
frozen dataclasses below and interpret the error classes (retry, back off, refresh, give up).
"""

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ClassVar, Generic, TypeVar

from .categories import RemoteCategoryAttribute, RemoteCategoryNode

T = TypeVar("T")


# --- Errors ---


class ConnectorError(Exception):
    """Base for every connector failure; carries the marketplace's own error code and request id."""

    def __init__(self, message: str, *, code: str = "", request_id: str = "", http_status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.request_id = request_id
        self.http_status = http_status


class RetryableError(ConnectorError):
    """Temporary failure (5xx, timeout, dropped connection, malformed response): try again later."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class RateLimited(RetryableError):
    """The marketplace throttled us; wait `retry_after` seconds before the next call."""


class AuthExpired(ConnectorError):
    """The token expired and refreshing it failed: the seller must authorise the app again."""


class InvalidCredentials(AuthExpired):
    """The marketplace refused the app credentials themselves (wrong secret/key, bad signature).

    A subclass of AuthExpired so callers that only know AuthExpired stop retrying and flag the channel; the
    fix is to correct the channel's credentials rather than to re-authorise the seller.
    """


class NotFound(ConnectorError):
    """The listing does not exist (any more) on the marketplace."""


class Rejected(ConnectorError):
    """The marketplace refused the data (validation); terminal, never retried.

    `field_errors` maps *our* field names (title, images, price, ...) to messages.
    """

    def __init__(self, message: str, *, field_errors: Mapping[str, list[str]] | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.field_errors = dict(field_errors or {})


def require_credentials(marketplace: str, credentials: Mapping[str, str], fields: Sequence[str]) -> None:
    """Raise InvalidCredentials naming every required credential that is missing or empty."""
    missing = [name for name in fields if not str(credentials.get(name) or "").strip()]
    if missing:
        raise InvalidCredentials(
            f"{marketplace}: missing credential(s): {', '.join(missing)}.", code="missing_credentials"
        )


# --- Data crossing the interface ---


@dataclass(frozen=True)
class ChannelConfig:
    """What a connector needs to know about one channel (built by the services from a Channel row)."""

    base_url: str
    shop_id: str
    credentials: Mapping[str, str]
    country: str = ""
    currency: str = ""
    language: str = ""
    timeout: float = 15.0


@dataclass(frozen=True)
class VariantPayload:
    sku: str
    price: Decimal
    quantity: int
    options: Mapping[str, str] = field(default_factory=dict)
    barcode: str = ""
    compare_at_price: Decimal | None = None
    # Variant-owned metafields (Shopify's ProductVariantsBulkInput.metafields, docs/marketplaces/shopify.md#metafields)
    metafields: Sequence["MetafieldPayload"] = ()


@dataclass(frozen=True)
class MetafieldPayload:
    """One metafield value as Shopify takes it: `value` is text in the form of `type` (docs/catalog.md#metafields)."""

    namespace: str
    key: str
    type: str
    value: str


@dataclass(frozen=True)
class ListingPayload:
    """Everything a marketplace needs to create or update one listing (effective values, already mapped)."""

    sku: str
    title: str
    description: str
    price: Decimal
    currency: str
    quantity: int
    external_id: str = ""  # empty: create; set: update
    brand: str = ""
    barcode: str = ""
    category_id: str = ""  # the marketplace's category id, from the channel's category mapping
    image_urls: Sequence[str] = ()
    attributes: Mapping[str, str] = field(default_factory=dict)
    variants: Sequence[VariantPayload] = ()
    image_alts: Sequence[str] = ()  # alt text of each image in image_urls, same order ("" for none)
    compare_at_price: Decimal | None = None
    weight_grams: int | None = None
    length_mm: int | None = None  # package dimensions (Lazada requires them)
    width_mm: int | None = None
    height_mm: int | None = None
    # Content (docs/catalog.md#content); each connector sends what its marketplace accepts
    # (docs/marketplaces/<code>.md#content-fields). Empty values are not sent.
    bullet_points: Sequence[str] = ()
    search_terms: str = ""  # Amazon generic_keyword: <= 250 bytes of UTF-8
    short_description: str = ""
    seo_title: str = ""
    seo_description: str = ""
    handle: str = ""  # Shopify URL handle
    manufacturer: str = ""
    model_number: str = ""
    part_number: str = ""  # manufacturer part number (MPN)
    metafields: Sequence[MetafieldPayload] = ()  # product metafields (Shopify)
    # The mapped category as a collection the product joins (Shopify; docs/marketplaces/shopify.md#collections)
    collection_title: str = ""
    collection_handle: str = ""
    collection_image_url: str = ""  # the category's icon (docs/catalog.md#category-icons)


# Normalised remote statuses (the values of listings.choices.RemoteStatus; connectors import no Django code).
LIVE, IN_REVIEW, REJECTED, INACTIVE, SUPPRESSED, DELETED, UNKNOWN = (
    "live",
    "in_review",
    "rejected",
    "inactive",
    "suppressed",
    "deleted",
    "unknown",
)
REMOTE_STATUSES = frozenset({LIVE, IN_REVIEW, REJECTED, INACTIVE, SUPPRESSED, DELETED, UNKNOWN})


def remote_issue(code: str, message: str, *, severity: str = "error", fix: str = "", enforcement: str = "") -> dict:
    """One marketplace issue in the shape every connector reports (docs/sync.md#remote-status)."""
    return {
        "code": str(code),
        "message": str(message),
        "severity": str(severity).lower(),
        "fix": str(fix),
        "enforcement": str(enforcement),
    }


def status_lookup(table: Mapping[str, str], raw: str) -> str:
    """The normalised status of a raw marketplace status; `unknown` for a value the table does not know."""
    return table.get(raw, UNKNOWN)


def remote_time(value: Any, *, millis: bool = False) -> datetime | None:
    """A marketplace timestamp (ISO 8601 text, or epoch seconds / milliseconds) as an aware UTC datetime."""
    if value in (None, ""):
        return None
    try:
        if isinstance(value, int | float) or str(value).strip().lstrip("-").isdigit():
            seconds = float(value) / (1000.0 if millis else 1.0)
            return datetime.fromtimestamp(seconds, tz=UTC)
        parsed = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def iso_z(moment: datetime) -> str:
    """`2026-12-06T19:55:05Z`: ISO 8601 in UTC, whole seconds (the form every marketplace filter accepts)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class PushResult:
    external_id: str
    status: str  # normalised: one of REMOTE_STATUSES ("live", "in_review", "rejected", "inactive", ...)
    external_url: str = ""
    raw_status: str = ""
    review_notes: Sequence[str] = ()
    raw: Mapping[str, Any] = field(default_factory=dict)
    marketplace_ids: Mapping[str, str] = field(default_factory=dict)  # ASIN, item/product/SKU/model ids


@dataclass(frozen=True)
class OfferUpdate:
    sku: str
    external_id: str
    price: Decimal | None = None
    quantity: int | None = None
    # True: `sku` is one variant of the family listing `external_id` (Amazon child SKU, Shopee model_sku); only
    # connectors with the "variant_offers" capability receive these.
    is_variant: bool = False


@dataclass(frozen=True)
class ItemResult:
    sku: str
    ok: bool
    error_code: str = ""
    message: str = ""


@dataclass(frozen=True)
class RemoteVariant:
    """One variant of a family as the marketplace holds it (Amazon child item, Shopee model)."""

    sku: str
    price: Decimal | None
    quantity: int | None
    external_id: str = ""  # Amazon: the child SKU; Shopee: the model_id
    options: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RemoteListing:
    external_id: str
    sku: str
    title: str
    price: Decimal | None
    quantity: int | None
    status: str  # normalised, one of REMOTE_STATUSES
    raw_status: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict)
    issues: Sequence[Mapping[str, str]] = ()  # remote_issue() dicts: rejection reasons, listing issues
    updated_at: datetime | None = None  # the marketplace's last update of the item (UTC)
    marketplace_ids: Mapping[str, str] = field(default_factory=dict)
    variants: Sequence[RemoteVariant] = ()  # a family's children / models, where the connector read them


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    next_cursor: str | None = None


@dataclass(frozen=True)
class RateLimit:
    """Documented default rate for a marketplace; stored on the channel and editable there."""

    requests_per_second: float
    burst: int


@dataclass(frozen=True)
class ListingRules:
    """Documented limits (docs/marketplaces/<code>.md#listing-limits), the defaults of a channel's readiness rules."""

    title_max_length: int
    min_images: int = 1
    max_images: int = 9
    main_image_min_px: int = 500
    main_image_white_background: bool = False
    required_attributes: tuple[str, ...] = ()
    # What a create needs beyond the channel's editable rules (docs/marketplaces/<code>.md#mandatory-fields);
    # listings/readiness.py checks each, so a listing shown as ready is not refused on publish.
    required_fields: tuple[str, ...] = ()  # product fields that must be set (> 0 for numbers)
    title_min_length: int = 1
    title_min_exempt_countries: frozenset[str] = frozenset()  # countries where title_min_length does not apply
    description_min_length: int = 0
    description_max_length: int | None = None
    weight_max_grams: int | None = None
    create_quantity_min: int = 0  # the stock a new item must have
    variants_supported: bool = True  # False: one listing per variant
    # Variation families (docs/marketplaces/<code>.md#variation-families); None = the marketplace sets no limit here.
    # Amazon: the themes each product type allows ({product type: ("SIZE", "COLOR", "SIZE/COLOR")}); a product
    # type missing from the table takes no family.
    variation_themes: Mapping[str, tuple[str, ...]] | None = None
    variation_max_tiers: int | None = None  # option names per family (Shopee: 2 tiers)
    variation_max_options: int | None = None  # values per option name (Shopee: options per tier)
    variation_max_models: int | None = None  # variants per family (Shopee: models per item)
    variation_name_max_length: int | None = None  # characters of an option name (Shopee tier name)
    variation_option_max_length: int | None = None  # characters of an option value (Shopee option)


@dataclass(frozen=True)
class ShopInfo:
    """What the marketplace's shop call says about the shop ("" where it says nothing): the country it sells in
    (ISO 3166 alpha-2) and its currency (ISO 4217). See docs/marketplaces/<code>.md#connection-check."""

    region: str = ""
    currency: str = ""


ORDER_STATUSES = (
    "unpaid",
    "paid",
    "partially_shipped",
    "shipped",
    "delivered",
    "cancelled",
    "refunded",
    "partially_refunded",
)


@dataclass(frozen=True)
class RemoteOrderLine:
    """One line of a marketplace order, as the marketplace reports it (docs/marketplaces/<code>.md#orders)."""

    external_line_id: str  # unique within the order
    sku: str
    quantity: int
    unit_price: Decimal
    line_total: Decimal
    title: str = ""
    cancelled_quantity: int = 0
    refunded_quantity: int = 0
    shipped_quantity: int = 0
    restocked_quantity: int = 0  # of the refunded units, those the marketplace says went back to stock


@dataclass(frozen=True)
class RemoteOrder:
    """One order, normalised: `status` is one of ORDER_STATUSES, `raw_status` the marketplace's own.

    Money is in `currency`; times are UTC. Buyer data is limited to what fulfilment needs.
    """

    external_id: str  # unique per channel
    status: str
    raw_status: str
    currency: str
    lines: Sequence[RemoteOrderLine]
    subtotal: Decimal = Decimal("0")
    shipping: Decimal = Decimal("0")
    tax: Decimal = Decimal("0")
    discount: Decimal = Decimal("0")
    total: Decimal = Decimal("0")
    marketplace_fees: Decimal | None = None
    placed_at: datetime | None = None
    paid_at: datetime | None = None
    shipped_at: datetime | None = None
    updated_at: datetime | None = None
    buyer_id: str = ""  # the marketplace's buyer id (channel-scoped)
    buyer_name: str = ""
    buyer_email: str = ""
    shipping_address: Mapping[str, str] = field(
        default_factory=dict
    )  # name, line1, line2, city, region, postcode, country, phone
    raw: Mapping[str, Any] = field(default_factory=dict)


# --- The interface ---


TokenSaver = Callable[[Mapping[str, str]], None]
# Called with a request's cost in rate-limit tokens (1 per HTTP request) before every request a connector sends.
RequestHook = Callable[[int], None]


class Connector(ABC):
    """One marketplace. Instances are cheap: one per channel and job."""

    code: ClassVar[str]
    label: ClassVar[str]
    credential_fields: ClassVar[tuple[str, ...]]  # required keys of ChannelConfig.credentials
    optional_credential_fields: ClassVar[tuple[str, ...]] = ()
    sensitive_fields: ClassVar[frozenset[str]] = frozenset()  # never shown back or logged
    capabilities: ClassVar[frozenset[str]] = frozenset({"push", "pull", "price", "stock", "delete"})
    default_rate_limit: ClassVar[RateLimit]
    default_rules: ClassVar[ListingRules]

    def __init__(
        self, config: ChannelConfig, *, on_tokens: TokenSaver | None = None, before_request: RequestHook | None = None
    ) -> None:
        """`on_tokens` is called with new credential values after a token refresh, so the caller can store them.

        `before_request` is called before every HTTP request, so the caller can rate-limit it (marketplaces count
        requests, and one connector call may send several): each connector hands it to its `HttpClient`.
        """
        self.config = config
        self.on_tokens = on_tokens
        self.before_request = before_request

    @abstractmethod
    def check_credentials(self) -> None:
        """Make one cheap authenticated call; raise AuthExpired or ConnectorError when it fails."""

    def shop_info(self) -> ShopInfo:
        """check_credentials, plus the shop's region and currency where the marketplace's shop call returns them
        (overridden per marketplace); the default knows neither."""
        self.check_credentials()
        return ShopInfo()

    @abstractmethod
    def push_listing(self, payload: ListingPayload) -> PushResult:
        """Create (no external_id) or update one listing."""

    @abstractmethod
    def update_offers(self, items: Sequence[OfferUpdate]) -> list[ItemResult]:
        """Update price and/or stock for several listings; one result per item (partial success allowed)."""

    @abstractmethod
    def get_listing(self, external_id: str) -> RemoteListing:
        """Read one listing's remote state."""

    @abstractmethod
    def find_by_sku(self, sku: str) -> RemoteListing | None:
        """Look a listing up by our SKU (used before retrying a create whose response was lost)."""

    @abstractmethod
    def pull_listings(self, cursor: str | None = None, updated_since: datetime | None = None) -> Page[RemoteListing]:
        """One page of the remote listings (those updated at or after `updated_since` when given).

        `next_cursor` None on the last page. Each marketplace uses its own "updated since" filter, or reads newest
        updated first and stops at `updated_since` (docs/marketplaces/<code>.md#incremental-pull). A connector may
        return a few items older than `updated_since`; callers must be idempotent.
        """

    def pull_orders(self, cursor: str | None = None, updated_since: datetime | None = None) -> Page[RemoteOrder]:
        """One page of orders updated at or after `updated_since` (all when None); `next_cursor` None at the end.

        Overridden per marketplace with its documented order calls; callers must be idempotent (the same order may
        come twice, and by webhook too).
        """
        raise NotImplementedError(f"{self.label}: pulling orders is not supported yet.")

    def categories(self) -> list[RemoteCategoryNode]:
        """The marketplace's own category tree as one list, parents and leaves
        (docs/channels.md#marketplace-categories).

        Overridden per marketplace with its documented category calls."""
        raise NotImplementedError(f"{self.label}: reading the marketplace's categories is not supported yet.")

    def category_attributes(self, category_id: str) -> list[RemoteCategoryAttribute]:
        """The attributes of one leaf category (name, label, mandatory, options)."""
        raise NotImplementedError(f"{self.label}: reading category attributes is not supported yet.")

    @abstractmethod
    def deactivate_listing(self, external_id: str) -> None:
        """Take a listing off sale without deleting it."""

    @abstractmethod
    def delete_listing(self, external_id: str) -> None:
        """Delete a listing on the marketplace."""
