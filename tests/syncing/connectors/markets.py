"""What differs between the marketplaces in the connector contract (test_contract.py): one row per connector.

Each row names the marketplace's credentials, error codes and messages, request paths and payload fields, as
the sandbox and the connector produce them; a seventh marketplace adds a row here.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from syncing.connectors.base import AuthExpired, InvalidCredentials


@dataclass(frozen=True)
class Refusal:
    """An error the connector must raise: its class and the marketplace's own code and HTTP status."""

    error: type[Exception]
    code: str
    http_status: int | None = None
    message: str = ""  # a part of the message
    request_id: bool = True  # the marketplace's request id comes with it


@dataclass(frozen=True)
class ItemFailure:
    """A per-item failure in `update_offers`: error code and message."""

    code: str
    message: str


@dataclass(frozen=True)
class Throttle:
    rate: float  # requests (Shopify: points) per second the sandbox allows, with a burst of one
    retry_after: float
    code: str
    http_status: int
    early: float = 0.0  # how much shorter the wait may be (Shopify's bucket refills while the test runs)
    request_id: bool = True


@dataclass(frozen=True)
class Market:
    code: str
    wrong_secret: dict[str, str]  # credential override the marketplace refuses
    wrong_secret_refusal: Refusal
    missing: tuple[str, ...]  # credentials blanked; each must be named
    access_lifetime: float  # seconds an access token lives in the sandbox
    refresh_log: list[tuple[str, int]]  # (path, status) of the call that meets an expired token
    saved_keys: frozenset[str]  # what a refresh hands to on_tokens
    refresh_rotates: bool | None  # a refresh brings a new refresh token (None: none is handed back)
    refresh_refusal: Refusal  # both tokens expired
    throttle: Throttle
    server_errors: tuple[tuple[int, str], ...]  # (5xx status the sandbox sends, the code we report)
    # The create request whose answer the sandbox loses ("" = the first write); None: not recoverable (Etsy's
    # create is a draft without our SKU until the next request, so a draft whose answer is lost is not found).
    lost_create_path: str | None
    item_id: str  # key of the marketplace's id in the sandbox's stored item
    drift: dict[str, Any]  # a seller's edit on the marketplace (sandbox field names) ...
    drift_seen: tuple[str, Decimal, int]  # ... and the (title, price, quantity) we must read back
    bad_offer: dict[str, Any]  # an OfferUpdate the marketplace refuses ...
    bad_offer_failure: ItemFailure
    unknown_id: str  # an external id the marketplace does not know
    unknown_failure: ItemFailure
    pull_pages: int  # pages of two that five listings (one off sale) take
    pull_in_order: bool  # pages list them in creation order
    sku_mismatch: ItemFailure | None = None  # an offer whose SKU is not on a product (None: not checked)
    expiry_on_marketplace_clock: bool = False  # the stored expiry is the marketplace's absolute time
    lost_create_has_sku: bool = True  # False: the listing found after a lost create has no SKU yet
    payload: dict[str, Any] = field(default_factory=dict)  # ListingPayload fields the marketplace needs
    config: dict[str, str] = field(default_factory=dict)  # ChannelConfig fields the marketplace needs
    expiring_account: Callable[[Any], dict[str, Any]] | None = None  # sandbox -> account with expiring tokens


def _shopify_expiring(sandbox: Any) -> dict[str, Any]:
    """Shopify's demo token never expires; expiring offline tokens are an option a shop is created with."""
    credentials = sandbox.add_account(
        "shopify", "exp-store", {"client_id": "exp-app", "client_secret": "exp-secret"}, expiring=True
    )
    return {"shop_id": "exp-store", "credentials": credentials}


US = {"currency": "USD"}

MARKETS = [
    Market(
        code="shopify",
        wrong_secret={"access_token": "shpat_wrong"},
        wrong_secret_refusal=Refusal(AuthExpired, "", None, "cannot be refreshed", request_id=False),
        missing=("access_token",),
        access_lifetime=3600,
        refresh_log=[
            ("/admin/api/2026-01/graphql.json", 401),
            ("/admin/oauth/access_token", 200),
            ("/admin/api/2026-01/graphql.json", 200),
        ],
        saved_keys=frozenset({"access_token", "refresh_token", "access_token_expires_at"}),
        refresh_rotates=True,
        refresh_refusal=Refusal(AuthExpired, "invalid_grant", 400, "refused the refresh token", request_id=False),
        throttle=Throttle(rate=0.5, retry_after=2.0, code="THROTTLED", http_status=200, early=1.0, request_id=False),
        server_errors=((503, "503"),),
        lost_create_path="",
        lost_create_has_sku=False,  # found by the lm-sku tag; the variant's SKU is set after the create
        item_id="id",
        drift={"title": "Renamed by seller", "price": "20", "quantity": 1},
        drift_seen=("Renamed by seller", Decimal("20.00"), 1),
        bad_offer={"price": Decimal("-1")},
        bad_offer_failure=ItemFailure("USER_ERROR", "price must be greater than or equal to 0"),
        unknown_id="gid://shopify/Product/1",
        unknown_failure=ItemFailure("NOT_FOUND", "Shopify product gid://shopify/Product/1 does not exist."),
        pull_pages=3,
        pull_in_order=True,
        expiring_account=_shopify_expiring,
    ),
    Market(
        code="lazada",
        wrong_secret={"app_secret": "nope"},
        wrong_secret_refusal=Refusal(InvalidCredentials, "IncompleteSignature", 200),
        missing=("app_secret",),
        access_lifetime=30 * 86400,
        refresh_log=[("/seller/get", 200), ("/auth/token/refresh", 200), ("/seller/get", 200)],
        saved_keys=frozenset({"access_token", "refresh_token", "access_token_expires_at"}),
        refresh_rotates=False,
        refresh_refusal=Refusal(AuthExpired, "", None, "refresh token", request_id=False),
        throttle=Throttle(rate=0.25, retry_after=4.0, code="ApiCallLimit", http_status=200),
        server_errors=((502, "ServiceUnavailable"),),
        lost_create_path="/product/create",
        item_id="item_id",
        drift={"name": "Renamed by seller", "price": "20.00", "quantity": 1},
        drift_seen=("Renamed by seller", Decimal("20.0"), 1),
        bad_offer={"price": Decimal("0")},
        bad_offer_failure=ItemFailure("500", "Price must be greater than 0"),
        unknown_id="1",
        unknown_failure=ItemFailure("500", "Product 1 not found"),
        pull_pages=3,
        pull_in_order=True,
    ),
    Market(
        code="shopee",
        wrong_secret={"partner_key": "not-the-key"},
        wrong_secret_refusal=Refusal(InvalidCredentials, "error_sign", 403),
        missing=("partner_key", "access_token"),
        access_lifetime=4 * 3600,
        refresh_log=[
            ("/api/v2/shop/get_shop_info", 403),
            ("/api/v2/auth/access_token/get", 200),
            ("/api/v2/shop/get_shop_info", 200),
        ],
        saved_keys=frozenset({"access_token", "refresh_token", "access_token_expires_at"}),
        refresh_rotates=True,
        refresh_refusal=Refusal(AuthExpired, "", None, "refresh token", request_id=False),
        throttle=Throttle(rate=0.5, retry_after=2.0, code="error_too_many_request", http_status=429),
        server_errors=((503, "error_server"),),
        lost_create_path="add_item",
        item_id="item_id",
        drift={"item_name": "Renamed by seller", "original_price": 20.0, "stock": 1},
        drift_seen=("Renamed by seller", Decimal("20.0"), 1),
        bad_offer={"price": Decimal("0.01")},
        bad_offer_failure=ItemFailure("failure_list", "Price is below 0.1."),
        unknown_id="3999999999",
        unknown_failure=ItemFailure("product.error_item_not_found", "Shopee: Item 3999999999 not found."),
        pull_pages=3,
        pull_in_order=True,
    ),
    Market(
        code="tiktok",
        wrong_secret={"app_secret": "not-the-secret"},
        wrong_secret_refusal=Refusal(InvalidCredentials, "106001", 200),
        missing=("app_secret",),
        access_lifetime=7 * 86400,
        refresh_log=[
            ("/authorization/202309/shops", 200),
            ("/api/v2/token/refresh", 200),
            ("/authorization/202309/shops", 200),
        ],
        saved_keys=frozenset({"access_token", "refresh_token", "access_token_expires_at", "refresh_token_expires_at"}),
        refresh_rotates=False,
        expiry_on_marketplace_clock=True,
        refresh_refusal=Refusal(AuthExpired, "36004015", 200),
        throttle=Throttle(rate=0.01, retry_after=1.0, code="36009002", http_status=429),
        server_errors=((500, "12001000"), (503, "12001000")),
        lost_create_path="/products",
        item_id="id",
        drift={"title": "Renamed by seller", "price": "20", "quantity": 1},
        drift_seen=("Renamed by seller", Decimal("20"), 1),
        bad_offer={"quantity": 100_000},
        bad_offer_failure=ItemFailure("12052219", "inventory quantity must be 0-99999"),
        unknown_id="1729000000000000001",
        unknown_failure=ItemFailure("12052700", "TikTok Shop: Product 1729000000000000001 does not exist."),
        pull_pages=3,
        pull_in_order=False,
        sku_mismatch=ItemFailure("SKU_NOT_FOUND", "SKU MUG-404 is not part of product {product}."),
        payload={"currency": "USD", "category_id": "600123"},
        config=US,
    ),
    Market(
        code="etsy",
        wrong_secret={"shared_secret": "wrong"},
        wrong_secret_refusal=Refusal(InvalidCredentials, "403", 403, "shared secret"),
        missing=("api_key",),
        access_lifetime=3600,
        refresh_log=[
            ("/v3/application/shops/5550001", 401),
            ("/v3/public/oauth/token", 200),
            ("/v3/application/shops/5550001", 200),
        ],
        saved_keys=frozenset({"access_token", "refresh_token", "access_token_expires_at"}),
        refresh_rotates=True,
        refresh_refusal=Refusal(AuthExpired, "invalid_grant", 400),
        throttle=Throttle(rate=0.5, retry_after=2.0, code="429", http_status=429),
        server_errors=((500, "500"), (503, "503")),
        lost_create_path=None,
        item_id="listing_id",
        drift={"title": "Renamed by seller", "price": "20", "quantity": 1},
        drift_seen=("Renamed by seller", Decimal("20"), 1),
        bad_offer={"quantity": 5000},
        bad_offer_failure=ItemFailure("400", "Etsy refused the request: quantity: offering quantity must be 0-999"),
        unknown_id="1799999999",
        unknown_failure=ItemFailure("404", "Etsy: Listing 1799999999 not found."),
        pull_pages=4,
        pull_in_order=False,
        sku_mismatch=ItemFailure("SKU_NOT_FOUND", "SKU MUG-404 is not in listing {product}."),
        payload={"currency": "USD", "category_id": "1062", "attributes": {"tags": "mug,stoneware"}},
        config=US,
    ),
    Market(
        code="amazon",
        wrong_secret={"lwa_client_secret": "wrong"},
        wrong_secret_refusal=Refusal(InvalidCredentials, "invalid_client", 401),
        missing=("lwa_client_id",),
        access_lifetime=3600,
        refresh_log=[
            ("/listings/2021-08-01/items/A1SANDBOXSELLER", 403),
            ("/auth/o2/token", 200),
            ("/listings/2021-08-01/items/A1SANDBOXSELLER", 200),
        ],
        saved_keys=frozenset({"access_token", "access_token_expires_at"}),
        refresh_rotates=None,
        refresh_refusal=Refusal(AuthExpired, "invalid_grant", 400),
        throttle=Throttle(rate=2, retry_after=0.5, code="QuotaExceeded", http_status=429),
        server_errors=((500, "InternalFailure"), (503, "ServiceUnavailable")),
        lost_create_path="",
        item_id="sku",
        drift={"title": "Renamed by seller", "price": "20", "quantity": 1},
        drift_seen=("Renamed by seller", Decimal("20"), 1),
        bad_offer={"price": Decimal("-1")},
        bad_offer_failure=ItemFailure(
            "90244", "Amazon refused listing B-2: ERROR 90244: 'purchasable_offer' price must be greater than 0."
        ),
        unknown_id="MUG-404",
        unknown_failure=ItemFailure("NOT_FOUND", "Amazon: SKU 'C-3' not found in marketplace.."),
        pull_pages=3,
        pull_in_order=True,
        payload={"currency": "USD", "category_id": "DRINKING_CUP"},
        config={"currency": "USD", "language": "en", "country": "US"},
    ),
]
