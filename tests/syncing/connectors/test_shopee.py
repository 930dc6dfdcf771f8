"""Shopee connector over real HTTP against the sandbox (docs/marketplaces/shopee.md)."""

import time
from decimal import Decimal

import pytest

from syncing.connectors.base import (
    InvalidCredentials,
    NotFound,
    OfferUpdate,
    Rejected,
)
from syncing.connectors.shopee.client import sign

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
def shopee(connect):
    return connect("shopee")


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


def test_signature_timestamp_is_current(shopee, sandbox):
    shopee.check_credentials()
    stamp = int(sandbox.log("shopee")[0]["query"]["timestamp"])
    assert abs(stamp - time.time()) < 5


def test_malformed_partner_id_is_named(connect):
    with pytest.raises(InvalidCredentials, match="partner_id and shop id are numbers"):
        connect("shopee", credentials={"partner_id": "abc"}).check_credentials()


def test_non_numeric_item_id_is_not_found_without_a_call(shopee, sandbox):
    with pytest.raises(NotFound, match="not a Shopee item id"):
        shopee.get_listing("gid://shopify/Product/1")
    results = shopee.update_offers([OfferUpdate(sku="X", external_id="abc", quantity=1)])
    assert [(r.ok, r.error_code) for r in results] == [(False, "error_item_not_found")]
    assert sandbox.log("shopee") == []
