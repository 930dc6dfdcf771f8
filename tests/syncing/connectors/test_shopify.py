"""Shopify connector over real HTTP against the sandbox (docs/marketplaces/shopify.md)."""

import time
from decimal import Decimal

import pytest
import requests

from syncing.connectors.base import (
    AuthExpired,
    NotFound,
    OfferUpdate,
    RateLimited,
    Rejected,
    VariantPayload,
)
from syncing.connectors.shopify.client import CostMirror, oauth_hmac, throttle_wait

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
def shopify(connect):
    return connect("shopify")


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
    assert stored["tags"] == ["lm-sku:MUG-001"]  # how find_by_sku finds a product whose create answer was lost
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


def test_update_offers_stock_only_batch(shopify, make_payload):
    ids = [shopify.push_listing(make_payload(sku=f"S-{n}")).external_id for n in range(3)]
    results = shopify.update_offers([OfferUpdate(sku=f"S-{n}", external_id=ids[n], quantity=n * 10) for n in range(3)])
    assert all(r.ok for r in results)
    assert [shopify.get_listing(i).quantity for i in ids] == [0, 10, 20]


def test_validation_rejection_maps_to_our_fields(shopify, make_payload, sandbox):
    with pytest.raises(Rejected) as too_long:
        shopify.push_listing(make_payload(title="x" * 256))
    with pytest.raises(Rejected) as bad_price:
        shopify.push_listing(make_payload(price=Decimal("-5")))
    assert too_long.value.field_errors == {"title": ["Title is too long (maximum is 255 characters)"]}
    assert bad_price.value.field_errors == {"price": ["price must be greater than or equal to 0"]}
    assert sandbox.items("shopify") == []  # the half-made product was deleted again


def test_wrong_client_secret_cannot_refresh(sandbox, connect):
    credentials = sandbox.add_account(
        "shopify", "exp-2", {"client_id": "exp-app2", "client_secret": "right"}, expiring=True
    )
    account = {"shop_id": "exp-2", "credentials": credentials}
    connector = connect("shopify", account=account, credentials={"client_secret": "wrong"})
    sandbox.advance_clock(3601)
    with pytest.raises(AuthExpired) as caught:
        connector.check_credentials()
    assert caught.value.code == "invalid_client"


def test_throttled_body_is_rate_limited_with_cost_wait(shopify, make_payload, sandbox):
    sandbox.set_rate("shopify", rate=0.5, burst=10)  # a mutation costs 10 points
    shopify.check_credentials()  # 1 point
    shopify.client.mirror = CostMirror()  # another process, which has not seen the store's bucket yet
    with pytest.raises(RateLimited) as caught:
        shopify.deactivate_listing("gid://shopify/Product/1")
    assert caught.value.code == "THROTTLED"
    assert caught.value.http_status == 200
    assert 1.0 <= caught.value.retry_after <= 2.0  # (10 - ~9 available) / 0.5 per second


def test_a_request_waits_for_the_cost_the_store_bucket_last_reported(shopify, sandbox):
    # given a store restoring 4 points/s from a bucket of 3, and this process having seen it
    sandbox.set_rate("shopify", rate=4, burst=3)
    shopify.client.mirror = CostMirror()
    shopify.check_credentials()
    # when eight more one-point queries go one after the other (the bucket holds 2, then 4 more each second)
    started = time.monotonic()
    for _ in range(8):
        shopify.check_credentials()
    # then none was refused as THROTTLED: the later ones waited for their points instead
    assert time.monotonic() - started >= 1.2
    assert [entry for entry in sandbox.log("shopify") if entry.get("throttled")] == []


def test_the_cost_mirror_restores_at_the_reported_rate_and_reserves_what_it_sends():
    mirror = CostMirror()
    assert mirror.wait_for("mutation m") == 0.0  # nothing seen yet: send and learn
    status = {"maximumAvailable": 100.0, "currentlyAvailable": 4, "restoreRate": 50.0}
    mirror.seen("mutation m", {"requestedQueryCost": 10, "throttleStatus": status})
    assert mirror.wait_for("mutation m") == pytest.approx(0.12, abs=0.01)  # (10 - 4) / 50
    assert mirror.wait_for("mutation m") == pytest.approx(0.32, abs=0.01)  # the first took its 10 already


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
