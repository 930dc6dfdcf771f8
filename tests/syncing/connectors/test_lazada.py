"""Lazada connector over real HTTP against the sandbox (docs/marketplaces/lazada.md)."""

from decimal import Decimal

import pytest

from syncing.connectors.base import (
    NotFound,
    Rejected,
    VariantPayload,
)
from syncing.connectors.lazada.client import sign


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
def lazada(connect):
    return connect("lazada")


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


def test_call_refused_for_an_expired_token_is_sent_again_after_the_refresh(lazada, sandbox):
    # Lazada answers an expired token with HTTP 200 and an error code; the retry must really reach the API
    sandbox.advance_clock(30 * 86400 + 1)
    lazada.check_credentials()
    assert [e.get("op") for e in sandbox.log("lazada")] == [None, "/auth/token/refresh", "/seller/get"]
