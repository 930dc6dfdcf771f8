"""Shopify connector over real HTTP against the sandbox (docs/marketplaces/shopify.md)."""

from decimal import Decimal

import pytest
import requests

from syncing.connectors.base import (
    AuthExpired,
    ChannelConfig,
    NotFound,
    OfferUpdate,
    RateLimited,
    Rejected,
    RetryableError,
    VariantPayload,
)
from syncing.connectors.shopify.client import oauth_hmac, throttle_wait
from syncing.connectors.shopify.connector import ShopifyConnector

VECTOR_QUERY = {
    "code": "0907a61c0c8d55e99db179b68161bc00",
    "shop": "some-shop.myshopify.com",
    "timestamp": "1337178173",
}


def test_oauth_hmac_official_vector():
    assert oauth_hmac(VECTOR_QUERY, "hush") == "4712bf92ffc2917d15a2f5a273e39f0116667419aa4b6ac0b3baaf26fa3c4d20"


def test_oauth_hmac_official_vector_with_state_and_ignored_hmac():
    query = {**VECTOR_QUERY, "state": "0.6784241404160823", "hmac": "ignored"}
    assert oauth_hmac(query, "hush") == "700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf"


def test_throttle_wait_from_cost_extension():
    cost = {
        "requestedQueryCost": 752,
        "throttleStatus": {"maximumAvailable": 1000.0, "currentlyAvailable": 666, "restoreRate": 50.0},
    }
    assert throttle_wait(cost) == pytest.approx(1.72)


@pytest.fixture
def shopify(channel_config):
    return ShopifyConnector(channel_config("shopify"))


def test_create_update_get_deactivate_delete(shopify, make_payload, sandbox):
    created = shopify.push_listing(make_payload(compare_at_price=Decimal("15.00"), barcode="4006381333931"))
    assert created.status == "live"
    assert created.external_id.startswith("gid://shopify/Product/")
    assert created.external_url == "https://demo-store.myshopify.com/products/ceramic-coffee-mug-350-ml"
    stored = sandbox.items("shopify")[0]
    variant = stored["variants"]["nodes"][0]
    assert (variant["sku"], variant["price"], variant["compareAtPrice"], variant["inventoryQuantity"]) == (
        "MUG-001",
        "12.50",
        "15.00",
        7,
    )
    assert variant["barcode"] == "4006381333931"
    assert stored["vendor"] == "Acme"
    assert stored["media"]["nodes"][0]["image"]["url"].endswith("/_static/mug.png")

    updated = shopify.push_listing(make_payload(external_id=created.external_id, title="Stoneware mug", quantity=4))
    remote = shopify.get_listing(created.external_id)
    assert updated.external_id == created.external_id
    assert (remote.title, remote.sku, remote.price, remote.quantity) == (
        "Stoneware mug",
        "MUG-001",
        Decimal("12.50"),
        4,
    )

    shopify.deactivate_listing(created.external_id)
    remote = shopify.get_listing(created.external_id)
    assert (remote.status, remote.raw_status) == ("inactive", "ARCHIVED")
    shopify.delete_listing(created.external_id)
    with pytest.raises(NotFound):
        shopify.get_listing(created.external_id)


def test_variants_are_created_with_options_skus_and_stock(shopify, make_payload, sandbox):
    variants = (
        VariantPayload(sku="TEE-S", price=Decimal("10"), quantity=2, options={"Size": "S"}),
        VariantPayload(sku="TEE-M", price=Decimal("11"), quantity=3, options={"Size": "M"}),
    )
    shopify.push_listing(make_payload(sku="TEE", variants=variants))
    nodes = sandbox.items("shopify")[0]["variants"]["nodes"]
    assert [(n["sku"], n["price"], n["inventoryQuantity"], n["selectedOptions"]) for n in nodes] == [
        ("TEE-S", "10.00", 2, [{"name": "Size", "value": "S"}]),
        ("TEE-M", "11.00", 3, [{"name": "Size", "value": "M"}]),
    ]


def test_update_offers_partial_success(shopify, make_payload):
    first = shopify.push_listing(make_payload(sku="A-1"))
    second = shopify.push_listing(make_payload(sku="B-2"))
    results = shopify.update_offers(
        [
            OfferUpdate(sku="A-1", external_id=first.external_id, price=Decimal("9.90"), quantity=3),
            OfferUpdate(sku="B-2", external_id=second.external_id, price=Decimal("-1")),
            OfferUpdate(sku="C-3", external_id="gid://shopify/Product/1", quantity=1),
        ]
    )
    assert [(r.sku, r.ok) for r in results] == [("A-1", True), ("B-2", False), ("C-3", False)]
    assert results[1].message == "price must be greater than or equal to 0"
    assert results[2].error_code == "NOT_FOUND"
    remote = shopify.get_listing(first.external_id)
    assert (remote.price, remote.quantity) == (Decimal("9.90"), 3)
    assert shopify.get_listing(second.external_id).price == Decimal("12.50")


def test_update_offers_stock_only_batch(shopify, make_payload):
    ids = [shopify.push_listing(make_payload(sku=f"S-{n}")).external_id for n in range(3)]
    results = shopify.update_offers([OfferUpdate(sku=f"S-{n}", external_id=ids[n], quantity=n * 10) for n in range(3)])
    assert all(r.ok for r in results)
    assert [shopify.get_listing(i).quantity for i in ids] == [0, 10, 20]


def test_pull_listings_pages_and_find_by_sku(shopify, make_payload):
    ids = [shopify.push_listing(make_payload(sku=f"SKU-{n}")).external_id for n in range(5)]
    shopify.page_size = 2
    pages, cursor = [], None
    while True:
        page = shopify.pull_listings(cursor)
        pages.append([listing.external_id for listing in page.items])
        cursor = page.next_cursor
        if cursor is None:
            break
    assert pages == [ids[0:2], ids[2:4], ids[4:5]]
    assert shopify.find_by_sku("SKU-3").external_id == ids[3]
    assert shopify.find_by_sku("NOPE") is None


def test_validation_rejection_maps_to_our_fields(shopify, make_payload, sandbox):
    with pytest.raises(Rejected) as too_long:
        shopify.push_listing(make_payload(title="x" * 256))
    with pytest.raises(Rejected) as bad_price:
        shopify.push_listing(make_payload(price=Decimal("-5")))
    assert too_long.value.field_errors == {"title": ["Title is too long (maximum is 255 characters)"]}
    assert bad_price.value.field_errors == {"price": ["price must be greater than or equal to 0"]}
    assert sandbox.items("shopify") == []  # the half-made product was deleted again


def test_wrong_token_without_refresh_is_auth_expired(channel_config):
    connector = ShopifyConnector(channel_config("shopify", access_token="shpat_wrong"))
    with pytest.raises(AuthExpired) as caught:
        connector.check_credentials()
    assert "cannot be refreshed" in caught.value.message


@pytest.fixture
def expiring(sandbox):
    """A shop on expiring offline tokens (1 h access + rotating refresh token)."""
    credentials = sandbox.add_account(
        "shopify", "exp-store", {"client_id": "exp-app", "client_secret": "exp-secret"}, expiring=True
    )
    saved = []
    config = ChannelConfig(base_url=sandbox.url("shopify"), shop_id="exp-store", credentials=credentials, timeout=5)
    return ShopifyConnector(config, on_tokens=saved.append), saved, credentials


def test_expired_token_is_refreshed_once_and_saved(expiring, sandbox):
    connector, saved, credentials = expiring
    sandbox.advance_clock(3601)
    connector.check_credentials()
    assert len(saved) == 1
    assert saved[0]["refresh_token"] != credentials["refresh_token"]
    assert saved[0]["access_token_expires_at"].isdigit()
    assert [(e["path"], e["status"]) for e in sandbox.log("shopify")] == [
        ("/admin/api/2026-01/graphql.json", 401),
        ("/admin/oauth/access_token", 200),
        ("/admin/api/2026-01/graphql.json", 200),
    ]


def test_expired_refresh_token_raises_auth_expired(expiring, sandbox):
    connector, saved, _credentials = expiring
    sandbox.expire_tokens("shopify", "exp-store", "both")
    with pytest.raises(AuthExpired, match="refused the refresh token"):
        connector.check_credentials()
    assert saved == []


def test_wrong_client_secret_cannot_refresh(sandbox):
    credentials = sandbox.add_account(
        "shopify", "exp-2", {"client_id": "exp-app2", "client_secret": "right"}, expiring=True
    )
    config = ChannelConfig(
        base_url=sandbox.url("shopify"), shop_id="exp-2", credentials={**credentials, "client_secret": "wrong"}
    )
    sandbox.advance_clock(3601)
    with pytest.raises(AuthExpired) as caught:
        ShopifyConnector(config).check_credentials()
    assert caught.value.code == "invalid_client"


def test_throttled_body_is_rate_limited_with_cost_wait(shopify, make_payload, sandbox):
    sandbox.set_rate("shopify", rate=0.5, burst=10)  # a mutation costs 10 points
    shopify.check_credentials()  # 1 point
    with pytest.raises(RateLimited) as caught:
        shopify.deactivate_listing("gid://shopify/Product/1")
    assert caught.value.code == "THROTTLED"
    assert caught.value.http_status == 200
    assert 1.0 <= caught.value.retry_after <= 2.0  # (10 - ~9 available) / 0.5 per second


@pytest.mark.parametrize(
    ("faults", "code"),
    [
        ({"status_5xx": 503}, "503"),
        ({"malformed_json": True}, "malformed_response"),
        ({"drop_connection": True}, "connection_error"),
    ],
    ids=["5xx_case", "malformed_json_case", "dropped_connection_case"],
)
def test_server_faults_are_retryable(shopify, sandbox, faults, code):
    sandbox.set_faults("shopify", **faults)
    with pytest.raises(RetryableError) as caught:
        shopify.check_credentials()
    assert caught.value.code == code


def test_timeout_is_retryable(channel_config, sandbox):
    connector = ShopifyConnector(channel_config("shopify", timeout=0.2))
    sandbox.set_faults("shopify", latency_ms=500, times=1)
    with pytest.raises(RetryableError) as caught:
        connector.check_credentials()
    assert caught.value.code == "timeout"


def test_drift_edit_is_visible(shopify, make_payload, sandbox):
    created = shopify.push_listing(make_payload())
    sandbox.edit_item("shopify", created.external_id, price="20", quantity=1, title="Renamed by seller")
    remote = shopify.get_listing(created.external_id)
    assert (remote.title, remote.price, remote.quantity) == ("Renamed by seller", Decimal("20.00"), 1)


def test_oauth_redirect_from_sandbox_verifies_and_code_exchanges(sandbox):
    # given the install redirect the sandbox produces for the demo app
    response = requests.get(
        f"{sandbox.url('shopify')}/admin/oauth/authorize",
        params={
            "client_id": "sandbox-client",
            "redirect_uri": "http://127.0.0.1/cb",
            "state": "nonce-1",
            "shop": "demo-store",
        },
        allow_redirects=False,
        timeout=5,
    )
    query = dict(pair.split("=", 1) for pair in response.headers["Location"].split("?", 1)[1].split("&"))
    query["shop"] = query["shop"].replace("%2E", ".")
    # then our helper verifies its hmac and the code trades for a token
    assert response.status_code == 302
    assert oauth_hmac(query, "sandbox-shopify-secret") == query["hmac"]
    token = requests.post(
        f"{sandbox.url('shopify')}/admin/oauth/access_token",
        json={"client_id": "sandbox-client", "client_secret": "sandbox-shopify-secret", "code": query["code"]},
        timeout=5,
    ).json()
    assert token["access_token"].startswith("acc-")


def test_tokens_never_reach_the_log(shopify, sandbox, caplog):
    caplog.set_level("DEBUG")
    shopify.check_credentials()
    assert "shpat_sandbox_demo_token" not in caplog.text


def test_lost_create_response_then_find_by_sku(shopify, make_payload, sandbox):
    # given the answer to productCreate is lost (the product exists, its variant has no SKU yet)
    sandbox.set_faults("shopify", lose_response_after_create=True, times=1)
    with pytest.raises(RetryableError):
        shopify.push_listing(make_payload(sku="LOST-1"))
    # then the product is still found by our SKU, through the tag sent with the create
    found = shopify.find_by_sku("LOST-1")
    assert found is not None
    assert found.external_id == sandbox.items("shopify")[0]["id"]
    assert sandbox.items("shopify")[0]["tags"] == ["lm-sku:LOST-1"]


def test_missing_access_token_is_named(channel_config):
    from syncing.connectors.base import InvalidCredentials

    with pytest.raises(InvalidCredentials, match=r"missing credential\(s\): access_token"):
        ShopifyConnector(channel_config("shopify", access_token="")).check_credentials()
