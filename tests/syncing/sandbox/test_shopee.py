"""The Shopee sandbox module over raw HTTP (its own signer, independent of the connector)."""

import hashlib
import hmac
import time

import pytest
import requests

from syncing.sandbox.marketplaces.shopee import shopee_signature

KEY, PARTNER, SHOP, TOKEN = "sandbox-shopee-partner-key", "200001", "600001", "sandbox-shopee-access"


def test_verifier_matches_vectors():
    # same vectors as the connector signer test (computed with openssl)
    assert (
        shopee_signature("partner-key-example", "2001887/api/v2/shop/auth_partner1655714431")
        == "d30f24670e1722a9d80e396a9bfcb4d03bd846870643dbacbb6aba2d38ff7929"
    )
    assert (
        shopee_signature(
            "partner-key-example", "2001887/api/v2/product/get_item_list1655714431access-token-example600001"
        )
        == "9a2d6b6f1b45c1fb842fe4049b977b3c9bcaf2fc60b8f7d6d0277873dd5c303f"
    )


def call(sandbox, method, path, *, token=TOKEN, key=KEY, timestamp=None, params=None, json=None):
    ts = int(time.time()) if timestamp is None else timestamp
    base = f"{PARTNER}{path}{ts}{token}{SHOP if token else ''}"
    query = {
        "partner_id": PARTNER,
        "timestamp": ts,
        "sign": hmac.new(key.encode(), base.encode(), hashlib.sha256).hexdigest(),
    }
    if token:
        query.update(access_token=token, shop_id=SHOP)
    query.update(params or {})
    return requests.request(method, sandbox.url("shopee") + path, params=query, json=json, timeout=5)


def test_wrong_sign_is_403_error_sign(sandbox):
    response = call(sandbox, "GET", "/api/v2/shop/get_shop_info", key="wrong")
    assert response.status_code == 403
    assert response.json()["error"] == "error_sign"
    assert response.json()["message"] == "Wrong sign."
    assert response.json()["request_id"]


@pytest.mark.parametrize("skew", [-301, 301], ids=["past_case", "future_case"])
def test_timestamp_outside_five_minutes_is_rejected(sandbox, skew):
    response = call(sandbox, "GET", "/api/v2/shop/get_shop_info", timestamp=int(time.time()) + skew)
    assert response.json()["error"] == "error_param"
    assert response.json()["message"] == "Invalid timestamp."


def test_access_token_expires_after_four_hours(sandbox):
    assert call(sandbox, "GET", "/api/v2/shop/get_shop_info").status_code == 200
    sandbox.advance_clock(4 * 3600)
    response = call(sandbox, "GET", "/api/v2/shop/get_shop_info")
    assert response.status_code == 403
    assert response.json()["message"] == "Invalid access_token."


def test_refresh_is_single_use_and_old_access_token_has_grace(sandbox):
    body = {"refresh_token": "sandbox-shopee-refresh", "partner_id": 200001, "shop_id": 600001}
    first = call(sandbox, "POST", "/api/v2/auth/access_token/get", token="", json=body)
    again = call(sandbox, "POST", "/api/v2/auth/access_token/get", token="", json=body)
    assert first.status_code == 200
    assert first.json()["expire_in"] == 4 * 3600
    assert again.json()["error"] == "error_auth"
    # old access token: valid 5 more minutes only
    assert call(sandbox, "GET", "/api/v2/shop/get_shop_info").status_code == 200
    sandbox.advance_clock(301)
    assert call(sandbox, "GET", "/api/v2/shop/get_shop_info").status_code == 403
    assert call(sandbox, "GET", "/api/v2/shop/get_shop_info", token=first.json()["access_token"]).status_code == 200


def test_add_item_requires_documented_fields(sandbox):
    response = call(sandbox, "POST", "/api/v2/product/add_item", json={"item_name": "Good mug"})
    assert response.json()["error"] == "product.error_param"
    assert response.json()["message"].startswith("invalid field original_price")


def test_non_leaf_category_is_refused(sandbox):
    body = {
        "item_name": "Good mug",
        "description": "A very good mug indeed.",
        "original_price": 10,
        "weight": 0.3,
        "logistic_info": [{"logistic_id": 18028, "enabled": True}],
        "category_id": 100001,
        "image": {"image_id_list": ["x"]},
    }
    response = call(sandbox, "POST", "/api/v2/product/add_item", json=body)
    assert response.json()["error"] == "product.error_invalid_category"
    assert sandbox.items("shopee") == []


def test_item_list_requires_status_and_bounded_page_size(sandbox):
    missing = call(sandbox, "GET", "/api/v2/product/get_item_list", params={"offset": 0, "page_size": 10})
    too_big = call(
        sandbox, "GET", "/api/v2/product/get_item_list", params={"offset": 0, "page_size": 101, "item_status": "NORMAL"}
    )
    assert missing.json()["message"].startswith("invalid field item_status")
    assert too_big.json()["message"].startswith("invalid field page_size")


def test_throttle_is_429_with_retry_after(sandbox):
    sandbox.set_rate("shopee", rate=1, burst=1)
    call(sandbox, "GET", "/api/v2/shop/get_shop_info")
    response = call(sandbox, "GET", "/api/v2/shop/get_shop_info")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"
    assert response.json()["error"] == "error_too_many_request"


def test_edit_item_rejects_unknown_fields(sandbox):
    response = requests.post(
        f"{sandbox.base_url}/_control/edit_item",
        json={"marketplace": "shopee", "item_id": "1", "changes": {"item_name": "x"}},
        timeout=5,
    )
    assert response.status_code == 400
    assert response.json()["error"] == "No Shopee item 1."
