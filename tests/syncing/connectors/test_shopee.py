"""Shopee connector over real HTTP against the sandbox (docs/marketplaces/shopee.md)."""

import time
from decimal import Decimal

import pytest

from syncing.connectors.base import (
    AuthExpired,
    InvalidCredentials,
    NotFound,
    OfferUpdate,
    RateLimited,
    Rejected,
    RetryableError,
)
from syncing.connectors.shopee.client import sign
from syncing.connectors.shopee.connector import ShopeeConnector

# Shopee publishes base strings but no key -> sign pair; these were computed with `openssl dgst -hmac`
# (docs/marketplaces/shopee.md#signing).
PUBLIC_VECTOR = ("partner-key-example", 2001887, "/api/v2/shop/auth_partner", 1655714431)
PUBLIC_SIGN = "d30f24670e1722a9d80e396a9bfcb4d03bd846870643dbacbb6aba2d38ff7929"
SHOP_SIGN = "9a2d6b6f1b45c1fb842fe4049b977b3c9bcaf2fc60b8f7d6d0277873dd5c303f"


def test_sign_public_api_vector():
    assert sign(*PUBLIC_VECTOR) == PUBLIC_SIGN


def test_sign_shop_api_vector_with_token_and_shop_id():
    key, partner_id, _path, timestamp = PUBLIC_VECTOR
    signature = sign(key, str(partner_id), "/api/v2/product/get_item_list", timestamp, "access-token-example", 600001)
    assert signature == SHOP_SIGN


@pytest.fixture
def tokens_saved():
    return []


@pytest.fixture
def shopee(channel_config, tokens_saved, sandbox):
    # multi-call flows on a quiet machine outrun the sandbox's 20 req/s; throttling tests set their own rate
    sandbox.set_rate("shopee", rate=1000, burst=1000)
    return ShopeeConnector(channel_config("shopee"), on_tokens=tokens_saved.append)


def test_create_update_get_deactivate_delete(shopee, make_payload, sandbox):
    # when we create a listing
    created = shopee.push_listing(make_payload())
    # then it is live with a numeric Shopee item id
    assert created.status == "live"
    assert created.raw_status == "NORMAL"
    assert created.external_id.isdigit()
    assert created.external_url == f"https://shopee.sg/product/600001/{created.external_id}"
    stored = sandbox.items("shopee")[0]
    assert stored["item_name"] == "Ceramic coffee mug 350 ml"
    assert stored["weight"] == 0.4
    assert stored["image_id_list"][0].startswith("sg-11134201-")

    # when we update the title and read it back
    updated = shopee.push_listing(make_payload(external_id=created.external_id, title="Stoneware mug 350 ml blue"))
    remote = shopee.get_listing(created.external_id)
    assert updated.external_id == created.external_id
    assert (remote.title, remote.sku, remote.price, remote.quantity) == (
        "Stoneware mug 350 ml blue",
        "MUG-001",
        Decimal("12.5"),
        7,
    )
    assert remote.status == "live"

    # when we deactivate, then delete
    shopee.deactivate_listing(created.external_id)
    assert shopee.get_listing(created.external_id).status == "inactive"
    shopee.delete_listing(created.external_id)
    with pytest.raises(NotFound):
        shopee.get_listing(created.external_id)
    assert sandbox.items("shopee")[0]["item_status"] == "SELLER_DELETE"


def test_update_offers_partial_success(shopee, make_payload):
    # given two live items
    first = shopee.push_listing(make_payload(sku="A-1"))
    second = shopee.push_listing(make_payload(sku="B-2"))
    # when one price is invalid and one item is unknown
    results = shopee.update_offers(
        [
            OfferUpdate(sku="A-1", external_id=first.external_id, price=Decimal("9.90"), quantity=3),
            OfferUpdate(sku="B-2", external_id=second.external_id, price=Decimal("0.01")),
            OfferUpdate(sku="C-3", external_id="3999999999", quantity=1),
        ]
    )
    # then each item has its own result and only the good one changed
    assert [(r.sku, r.ok) for r in results] == [("A-1", True), ("B-2", False), ("C-3", False)]
    assert "below" in results[1].message
    assert results[2].error_code == "product.error_item_not_found"
    assert (shopee.get_listing(first.external_id).price, shopee.get_listing(first.external_id).quantity) == (
        Decimal("9.9"),
        3,
    )
    assert shopee.get_listing(second.external_id).price == Decimal("12.5")


def test_pull_listings_pages_and_find_by_sku(shopee, make_payload):
    # given five items and a page size of two
    ids = [shopee.push_listing(make_payload(sku=f"SKU-{n}")).external_id for n in range(5)]
    shopee.page_size = 2
    # when we page through them
    pages, cursor = [], None
    while True:
        page = shopee.pull_listings(cursor)
        pages.append([listing.external_id for listing in page.items])
        cursor = page.next_cursor
        if cursor is None:
            break
    # then three pages hold every item once
    assert pages == [ids[0:2], ids[2:4], ids[4:5]]
    assert shopee.find_by_sku("SKU-3").external_id == ids[3]
    assert shopee.find_by_sku("NOPE") is None


def test_review_state_is_reflected(shopee, make_payload, sandbox):
    sandbox.set_review("shopee", delay_seconds=600)
    created = shopee.push_listing(make_payload())
    assert (created.status, created.raw_status) == ("in_review", "REVIEWING")
    assert created.review_notes == ("Shopee is reviewing the item.",)
    sandbox.advance_clock(601)
    assert shopee.get_listing(created.external_id).status == "live"


def test_review_rejection_shows_as_rejected(shopee, make_payload, sandbox):
    sandbox.set_review("shopee", delay_seconds=60, outcome="reject")
    created = shopee.push_listing(make_payload())
    sandbox.advance_clock(61)
    assert shopee.get_listing(created.external_id).status == "rejected"


def test_validation_rejection_maps_to_our_fields(shopee, make_payload, sandbox):
    with pytest.raises(Rejected) as too_long:
        shopee.push_listing(make_payload(title="x" * 101))
    with pytest.raises(Rejected) as no_weight:
        shopee.push_listing(make_payload(weight_grams=None))
    with pytest.raises(Rejected) as no_images:
        shopee.push_listing(make_payload(image_urls=()))
    assert too_long.value.field_errors == {"title": ["Item name exceeds 100 characters."]}
    assert too_long.value.code == "product.error_name_length_limit"
    assert too_long.value.request_id
    assert list(no_weight.value.field_errors) == ["weight_grams"]
    assert list(no_images.value.field_errors) == ["images"]
    assert sandbox.items("shopee") == []


def test_wrong_partner_key_is_invalid_credentials(channel_config, make_payload, sandbox):
    connector = ShopeeConnector(channel_config("shopee", partner_key="not-the-key"))
    with pytest.raises(InvalidCredentials) as caught:
        connector.check_credentials()
    assert caught.value.code == "error_sign"
    assert caught.value.http_status == 403


def test_expired_token_is_refreshed_once_and_saved(shopee, sandbox, tokens_saved):
    # given the access token has expired (4 h lifetime)
    sandbox.advance_clock(4 * 3600 + 1)
    # when we call, then the connector refreshes and retries
    shopee.check_credentials()
    assert len(tokens_saved) == 1
    assert set(tokens_saved[0]) == {"access_token", "refresh_token", "access_token_expires_at"}
    assert 4 * 3600 - 10 < float(tokens_saved[0]["access_token_expires_at"]) - time.time() <= 4 * 3600 + 1
    assert tokens_saved[0]["refresh_token"] != "sandbox-shopee-refresh"  # Shopee rotates refresh tokens
    calls = [(entry["path"], entry["status"]) for entry in sandbox.log("shopee")]
    assert calls == [
        ("/api/v2/shop/get_shop_info", 403),
        ("/api/v2/auth/access_token/get", 200),
        ("/api/v2/shop/get_shop_info", 200),
    ]
    assert shopee.client.credentials["access_token"] == tokens_saved[0]["access_token"]


def test_expired_refresh_token_raises_auth_expired(shopee, sandbox, tokens_saved):
    sandbox.advance_clock(31 * 86400)
    with pytest.raises(AuthExpired, match="refresh token"):
        shopee.check_credentials()
    assert tokens_saved == []


def test_throttling_raises_rate_limited_with_retry_after(shopee, sandbox):
    sandbox.set_rate("shopee", rate=0.5, burst=1)
    shopee.check_credentials()
    with pytest.raises(RateLimited) as caught:
        shopee.check_credentials()
    assert caught.value.retry_after == 2.0
    assert caught.value.http_status == 429


@pytest.mark.parametrize(
    ("faults", "code"),
    [
        ({"status_5xx": 503}, "error_server"),
        ({"malformed_json": True}, "malformed_response"),
        ({"drop_connection": True}, "connection_error"),
    ],
    ids=["5xx_case", "malformed_json_case", "dropped_connection_case"],
)
def test_server_faults_are_retryable(shopee, sandbox, faults, code):
    sandbox.set_faults("shopee", **faults)
    with pytest.raises(RetryableError) as caught:
        shopee.check_credentials()
    assert caught.value.code == code


def test_timeout_is_retryable(channel_config, sandbox):
    connector = ShopeeConnector(channel_config("shopee", timeout=0.2))
    sandbox.set_faults("shopee", latency_ms=500, times=1)
    with pytest.raises(RetryableError) as caught:
        connector.check_credentials()
    assert caught.value.code == "timeout"


def test_lost_create_response_then_find_by_sku(shopee, make_payload, sandbox):
    sandbox.set_faults("shopee", lose_response_after_create=True, path_contains="add_item", times=1)
    with pytest.raises(RetryableError):
        shopee.push_listing(make_payload(sku="LOST-1"))
    found = shopee.find_by_sku("LOST-1")
    assert found is not None
    assert found.external_id == str(sandbox.items("shopee")[0]["item_id"])


def test_drift_edit_is_visible(shopee, make_payload, sandbox):
    created = shopee.push_listing(make_payload())
    sandbox.edit_item("shopee", created.external_id, original_price=20.0, stock=1)
    remote = shopee.get_listing(created.external_id)
    assert (remote.price, remote.quantity) == (Decimal("20.0"), 1)


def test_tokens_never_reach_the_log(shopee, sandbox, caplog):
    caplog.set_level("DEBUG")
    shopee.check_credentials()
    assert "sandbox-shopee-access" not in caplog.text
    assert "sandbox-shopee-access" not in str(sandbox.log())


def test_signature_timestamp_is_current(shopee, sandbox):
    shopee.check_credentials()
    stamp = int(sandbox.log("shopee")[0]["query"]["timestamp"])
    assert abs(stamp - time.time()) < 5


def test_missing_or_malformed_credentials_are_named(channel_config):
    with pytest.raises(InvalidCredentials, match=r"missing credential\(s\): partner_key, access_token"):
        ShopeeConnector(channel_config("shopee", partner_key="", access_token=" ")).check_credentials()
    with pytest.raises(InvalidCredentials, match="partner_id and shop id are numbers"):
        ShopeeConnector(channel_config("shopee", partner_id="abc")).check_credentials()


def test_non_numeric_item_id_is_not_found_without_a_call(shopee, sandbox):
    with pytest.raises(NotFound, match="not a Shopee item id"):
        shopee.get_listing("gid://shopify/Product/1")
    results = shopee.update_offers([OfferUpdate(sku="X", external_id="abc", quantity=1)])
    assert [(r.ok, r.error_code) for r in results] == [(False, "error_item_not_found")]
    assert sandbox.log("shopee") == []


def test_token_known_to_be_expired_is_refreshed_before_the_call(channel_config, sandbox, tokens_saved):
    sandbox.advance_clock(4 * 3600 + 1)
    connector = ShopeeConnector(
        channel_config("shopee", access_token_expires_at=f"{time.time() - 1:.0f}"), on_tokens=tokens_saved.append
    )
    connector.check_credentials()
    assert [(e["path"], e["status"]) for e in sandbox.log("shopee")] == [
        ("/api/v2/auth/access_token/get", 200),
        ("/api/v2/shop/get_shop_info", 200),
    ]
    assert len(tokens_saved) == 1
