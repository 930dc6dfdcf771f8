"""Lazada connector over real HTTP against the sandbox (docs/marketplaces/lazada.md)."""

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
    VariantPayload,
)
from syncing.connectors.lazada.client import sign
from syncing.connectors.lazada.connector import LazadaConnector


def test_sign_official_vector():
    # official "HTTP request sample" (GetOrder), docs/marketplaces/lazada.md#signing
    params = {
        "access_token": "test",
        "app_key": "123456",
        "order_id": "1234",
        "sign_method": "sha256",
        "timestamp": "1517820392000",
    }
    assert (
        sign("helloworld", "/order/get", params) == "4190D32361CFB9581350222F345CB77F3B19F0E31D162316848A2C1FFD5FAB4A"
    )


def test_sign_empty_value_is_signed_as_bare_key():
    # like the official Python SDK: "k" + "" contributes just "k"
    assert sign("s", "/p", {"a": "", "b": "1"}) == sign("s", "/p", {"ab": "1"})


@pytest.fixture
def tokens_saved():
    return []


@pytest.fixture
def lazada(channel_config, tokens_saved, sandbox):
    # multi-call flows on a quiet machine outrun the sandbox's 20 req/s; throttling tests set their own rate
    sandbox.set_rate("lazada", rate=1000, burst=1000)
    return LazadaConnector(channel_config("lazada"), on_tokens=tokens_saved.append)


def test_create_update_get_deactivate_delete(lazada, make_payload, sandbox):
    created = lazada.push_listing(make_payload())
    assert (created.status, created.raw_status) == ("live", "Active")
    assert created.external_id.isdigit()
    stored = sandbox.items("lazada")[0]
    assert stored["images"][0].startswith("https://sg-test-11.slatic.net/p/")
    assert stored["skus"][0]["ShopSku"] == f"{created.external_id}_SG-{stored['skus'][0]['SkuId']}"
    assert stored["skus"][0]["package_weight"] == "0.400"

    updated = lazada.push_listing(make_payload(external_id=created.external_id, title="Stoneware mug, blue"))
    remote = lazada.get_listing(created.external_id)
    assert updated.status == "live"
    assert (remote.title, remote.sku, remote.price, remote.quantity) == (
        "Stoneware mug, blue",
        "MUG-001",
        Decimal("12.5"),
        7,
    )

    lazada.deactivate_listing(created.external_id)
    assert lazada.get_listing(created.external_id).status == "inactive"
    lazada.delete_listing(created.external_id)
    with pytest.raises(NotFound):
        lazada.get_listing(created.external_id)


def test_variants_become_skus_and_compare_at_price_becomes_special_price(lazada, make_payload, sandbox):
    variants = (
        VariantPayload(
            sku="TEE-S", price=Decimal("10"), quantity=2, options={"size": "S"}, compare_at_price=Decimal("15")
        ),
        VariantPayload(sku="TEE-M", price=Decimal("11"), quantity=3, options={"size": "M"}),
    )
    lazada.push_listing(make_payload(sku="TEE", variants=variants))
    skus = sandbox.items("lazada")[0]["skus"]
    assert [(s["SellerSku"], s["price"], s["special_price"], s["quantity"]) for s in skus] == [
        ("TEE-S", 15.0, 10.0, 2),
        ("TEE-M", 11.0, 0.0, 3),
    ]


def test_update_offers_partial_success(lazada, make_payload):
    first = lazada.push_listing(make_payload(sku="A-1"))
    second = lazada.push_listing(make_payload(sku="B-2"))
    results = lazada.update_offers(
        [
            OfferUpdate(sku="A-1", external_id=first.external_id, price=Decimal("9.90"), quantity=3),
            OfferUpdate(sku="B-2", external_id=second.external_id, price=Decimal("0")),
            OfferUpdate(sku="C-3", external_id="1", quantity=1),
        ]
    )
    assert [(r.sku, r.ok) for r in results] == [("A-1", True), ("B-2", False), ("C-3", False)]
    assert results[1].message == "Price must be greater than 0"
    assert results[2].message == "Product 1 not found"
    assert (lazada.get_listing(first.external_id).price, lazada.get_listing(first.external_id).quantity) == (
        Decimal("9.9"),
        3,
    )
    assert lazada.get_listing(second.external_id).price == Decimal("12.5")


def test_pull_listings_pages_and_find_by_sku(lazada, make_payload):
    ids = [lazada.push_listing(make_payload(sku=f"SKU-{n}")).external_id for n in range(5)]
    lazada.page_size = 2
    pages, cursor = [], None
    while True:
        page = lazada.pull_listings(cursor)
        pages.append([listing.external_id for listing in page.items])
        cursor = page.next_cursor
        if cursor is None:
            break
    assert pages == [ids[0:2], ids[2:4], ids[4:5]]
    assert lazada.find_by_sku("SKU-3").external_id == ids[3]
    assert lazada.find_by_sku("NOPE") is None


def test_pending_qc_is_in_review_then_live(lazada, make_payload, sandbox):
    sandbox.set_review("lazada", delay_seconds=3600)
    created = lazada.push_listing(make_payload())
    assert (created.status, created.raw_status) == ("in_review", "Pending QC")
    assert "Pending QC" in created.review_notes[0]
    sandbox.advance_clock(3601)
    assert lazada.get_listing(created.external_id).status == "live"


def test_qc_rejection_carries_reason(lazada, make_payload, sandbox):
    sandbox.set_review("lazada", delay_seconds=10, outcome="reject")
    created = lazada.push_listing(make_payload())
    sandbox.advance_clock(11)
    result = lazada.push_listing(make_payload(external_id=created.external_id))
    assert result.status == "rejected"
    assert result.review_notes == ("Images do not meet the Lazada image guidelines",)


def test_validation_rejection_maps_to_our_fields(lazada, make_payload, sandbox):
    with pytest.raises(Rejected) as too_long:
        lazada.push_listing(make_payload(title="x" * 256))
    with pytest.raises(Rejected) as no_dimensions:
        lazada.push_listing(make_payload(length_mm=None, weight_grams=None))
    with pytest.raises(Rejected) as too_many_images:
        lazada.push_listing(make_payload(image_urls=tuple(f"{sandbox.base_url}/_static/{n}.png" for n in range(9))))
    with pytest.raises(Rejected) as not_leaf:
        lazada.push_listing(make_payload(category_id="10000001"))
    assert too_long.value.field_errors == {"title": ["name must be at most 255 characters"]}
    assert too_long.value.code == "500"
    assert too_long.value.request_id
    assert set(no_dimensions.value.field_errors) == {"weight_grams", "length_mm"}
    assert (too_many_images.value.code, list(too_many_images.value.field_errors)) == ("4169", ["images"])
    assert list(not_leaf.value.field_errors) == ["category_id"]
    assert sandbox.items("lazada") == []


def test_duplicate_seller_sku_maps_to_sku(lazada, make_payload):
    lazada.push_listing(make_payload())
    with pytest.raises(Rejected) as caught:
        lazada.push_listing(make_payload())
    assert caught.value.field_errors == {"sku": ["SellerSku MUG-001 already exists"]}


def test_wrong_app_secret_is_invalid_credentials(channel_config):
    connector = LazadaConnector(channel_config("lazada", app_secret="nope"))
    with pytest.raises(InvalidCredentials) as caught:
        connector.check_credentials()
    assert caught.value.code == "IncompleteSignature"


def test_expired_token_is_refreshed_once_and_saved(lazada, sandbox, tokens_saved):
    sandbox.advance_clock(30 * 86400 + 1)
    lazada.check_credentials()
    assert len(tokens_saved) == 1
    assert tokens_saved[0]["access_token"] != "sandbox-lazada-access"
    assert tokens_saved[0]["refresh_token"] == "sandbox-lazada-refresh"  # Lazada keeps the refresh token
    assert tokens_saved[0]["access_token_expires_at"].isdigit()
    assert [(e["path"], e["status"]) for e in sandbox.log("lazada")] == [
        ("/seller/get", 200),
        ("/auth/token/refresh", 200),
        ("/seller/get", 200),
    ]
    assert [e.get("op") for e in sandbox.log("lazada")] == [None, "/auth/token/refresh", "/seller/get"]


def test_expired_refresh_token_raises_auth_expired(lazada, sandbox, tokens_saved):
    sandbox.advance_clock(181 * 86400)
    with pytest.raises(AuthExpired, match="refresh token"):
        lazada.check_credentials()
    assert tokens_saved == []


def test_api_call_limit_is_rate_limited_with_ban_seconds(lazada, sandbox):
    sandbox.set_rate("lazada", rate=0.25, burst=1)
    lazada.check_credentials()
    with pytest.raises(RateLimited) as caught:
        lazada.check_credentials()
    assert caught.value.code == "ApiCallLimit"
    assert caught.value.retry_after == 4.0


@pytest.mark.parametrize(
    ("faults", "code"),
    [
        ({"status_5xx": 502}, "ServiceUnavailable"),
        ({"malformed_json": True}, "malformed_response"),
        ({"drop_connection": True}, "connection_error"),
    ],
    ids=["5xx_case", "malformed_json_case", "dropped_connection_case"],
)
def test_server_faults_are_retryable(lazada, sandbox, faults, code):
    sandbox.set_faults("lazada", **faults)
    with pytest.raises(RetryableError) as caught:
        lazada.check_credentials()
    assert caught.value.code == code


def test_timeout_is_retryable(channel_config, sandbox):
    connector = LazadaConnector(channel_config("lazada", timeout=0.2))
    sandbox.set_faults("lazada", latency_ms=500, times=1)
    with pytest.raises(RetryableError) as caught:
        connector.check_credentials()
    assert caught.value.code == "timeout"


def test_lost_create_response_then_find_by_sku(lazada, make_payload, sandbox):
    sandbox.set_faults("lazada", lose_response_after_create=True, path_contains="/product/create", times=1)
    with pytest.raises(RetryableError):
        lazada.push_listing(make_payload(sku="LOST-1"))
    found = lazada.find_by_sku("LOST-1")
    assert found is not None
    assert found.external_id == str(sandbox.items("lazada")[0]["item_id"])


def test_drift_edit_is_visible(lazada, make_payload, sandbox):
    created = lazada.push_listing(make_payload())
    sandbox.edit_item("lazada", created.external_id, price="20.00", quantity=1)
    remote = lazada.get_listing(created.external_id)
    assert (remote.price, remote.quantity) == (Decimal("20.0"), 1)


def test_tokens_never_reach_the_log(lazada, sandbox, caplog):
    caplog.set_level("DEBUG")
    lazada.check_credentials()
    assert "sandbox-lazada-access" not in caplog.text
    assert "sandbox-lazada-secret" not in caplog.text


def test_missing_credentials_are_named(channel_config):
    with pytest.raises(InvalidCredentials, match=r"missing credential\(s\): app_secret"):
        LazadaConnector(channel_config("lazada", app_secret="")).check_credentials()
