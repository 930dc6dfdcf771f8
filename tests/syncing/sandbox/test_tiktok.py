"""The TikTok Shop sandbox module over raw HTTP (its own verifier, independent of the connector)."""

import hashlib
import hmac
import json
import time

import pytest
import requests

from syncing.sandbox.marketplaces.tiktok import tiktok_signature

APP_KEY, SECRET, TOKEN, CIPHER = (
    "tts-sandbox-app",
    "sandbox-tiktok-secret",
    "sandbox-tiktok-access",
    "ROW_sandbox_cipher",
)


def test_verifier_matches_official_vector():
    params = {"app_key": "29a39d", "timestamp": "1623812664"}
    assert tiktok_signature("e59af819cc", "/authorization/202309/shops", params, b"") == (
        "b596b73e0cc6de07ac26f036364178ab16b0a907af13d43f0a0cd2345f582dc8"
    )


def call(sandbox, method, path, *, body=None, secret=SECRET, skew=0, shop=True, token=TOKEN, extra=None):
    params = {"app_key": APP_KEY, "timestamp": str(int(time.time()) + skew), **(extra or {})}
    if shop:
        params["shop_cipher"] = CIPHER
    raw = json.dumps(body).encode() if body is not None else b""
    text = path + "".join(f"{k}{params[k]}" for k in sorted(params)) + raw.decode()
    params["sign"] = hmac.new(secret.encode(), (secret + text + secret).encode(), hashlib.sha256).hexdigest()
    headers = {"content-type": "application/json", "x-tts-access-token": token}
    return requests.request(
        method, sandbox.url("tiktok") + path, params=params, data=raw or None, headers=headers, timeout=5
    )


def test_signed_call_succeeds(sandbox):
    response = call(sandbox, "GET", "/authorization/202309/shops", shop=False)
    body = response.json()
    assert (response.status_code, body["code"], body["message"]) == (200, 0, "Success")
    assert body["data"]["shops"][0]["cipher"] == CIPHER
    assert body["request_id"]


def test_bad_sign_answers_106001(sandbox):
    body = call(sandbox, "GET", "/authorization/202309/shops", shop=False, secret="nope").json()
    assert body["code"] == 106001
    assert body["data"] is None


def test_body_is_part_of_the_signature(sandbox):
    path = "/product/202502/products/search"
    params = {"app_key": APP_KEY, "timestamp": str(int(time.time())), "shop_cipher": CIPHER, "page_size": "10"}
    text = path + "".join(f"{k}{params[k]}" for k in sorted(params))  # signed without the body
    params["sign"] = hmac.new(SECRET.encode(), (SECRET + text + SECRET).encode(), hashlib.sha256).hexdigest()
    response = requests.post(
        sandbox.url("tiktok") + path,
        params=params,
        data=b'{"status":"ALL"}',
        headers={"content-type": "application/json", "x-tts-access-token": TOKEN},
        timeout=5,
    )
    assert response.json()["code"] == 106001


@pytest.mark.parametrize(("skew", "accepted"), [(-290, True), (-310, False), (25, True), (40, False)])
def test_timestamp_window_is_minus_five_minutes_plus_thirty_seconds(sandbox, skew, accepted):
    body = call(sandbox, "GET", "/authorization/202309/shops", shop=False, skew=skew).json()
    assert (body["code"] == 0) is accepted
    if not accepted:
        assert body["code"] == 36009004


def test_shop_scoped_call_needs_shop_cipher(sandbox):
    body = call(sandbox, "GET", "/logistics/202309/warehouses", shop=False).json()
    assert body["code"] == 106013


def test_expired_token_answers_105002_and_refresh_issues_absolute_expiry(sandbox):
    sandbox.expire_tokens("tiktok", "7000001", "access")
    assert call(sandbox, "GET", "/authorization/202309/shops", shop=False).json()["code"] == 105002
    response = requests.get(
        sandbox.url("tiktok") + "/api/v2/token/refresh",
        params={
            "app_key": APP_KEY,
            "app_secret": SECRET,
            "refresh_token": "sandbox-tiktok-refresh",
            "grant_type": "refresh_token",
        },
        timeout=5,
    )
    data = response.json()["data"]
    assert data["access_token_expire_in"] == pytest.approx(sandbox.sandbox.clock.now() + 7 * 86400, abs=5)
    fresh = call(sandbox, "GET", "/authorization/202309/shops", shop=False, token=data["access_token"]).json()
    assert fresh["code"] == 0


def test_throttle_answers_429_with_code(sandbox):
    sandbox.set_rate("tiktok", rate=0.01, burst=1)
    call(sandbox, "GET", "/authorization/202309/shops", shop=False)
    response = call(sandbox, "GET", "/authorization/202309/shops", shop=False)
    assert response.status_code == 429
    assert response.json()["code"] == 36009002


def test_unknown_path_and_method(sandbox):
    assert call(sandbox, "GET", "/product/202309/nothing").json()["code"] == 36009009
    assert call(sandbox, "PATCH", "/product/202309/products").json()["code"] == 36009010


def test_search_page_size_is_validated(sandbox):
    body = call(sandbox, "POST", "/product/202502/products/search", body={}, extra={"page_size": "101"}).json()
    assert body["code"] == 36009003
    assert "page_size" in body["message"]


def product_body(sandbox):
    module = sandbox.sandbox.modules["tiktok"]
    with module.lock:
        module.images["tos-x"] = {"uri": "tos-x", "url": "https://img/x", "width": 800, "height": 800}
    return {
        "title": "Sandbox mug",
        "description": "d",
        "category_id": "600123",
        "main_images": [{"uri": "tos-x"}],
        "package_weight": {"value": "0.4", "unit": "KILOGRAM"},
        "skus": [
            {
                "seller_sku": "M-1",
                "price": {"amount": "5.00", "currency": "USD"},
                "inventory": [{"warehouse_id": "7068517275539719942", "quantity": 3}],
            }
        ],
    }


def test_full_edit_keeps_a_sku_only_when_its_id_is_sent(sandbox):
    body = product_body(sandbox)
    created = call(sandbox, "POST", "/product/202309/products", body=body).json()["data"]
    product_id, sku_id = created["product_id"], created["skus"][0]["id"]
    path = f"/product/202309/products/{product_id}"
    kept = call(sandbox, "PUT", path, body={**body, "skus": [{**body["skus"][0], "id": sku_id}]}).json()
    assert kept["data"]["skus"][0]["id"] == sku_id
    replaced = call(sandbox, "PUT", path, body=body).json()
    assert replaced["data"]["skus"][0]["id"] != sku_id
    unknown = call(sandbox, "PUT", path, body={**body, "skus": [{**body["skus"][0], "id": "1"}]}).json()
    assert unknown["code"] == 12052701


def test_drift_edit_is_visible_in_items(sandbox):
    body = product_body(sandbox)
    product_id = call(sandbox, "POST", "/product/202309/products", body=body).json()["data"]["product_id"]
    sandbox.edit_item("tiktok", product_id, title="Changed by seller", price="6.5", quantity=1)
    [item] = sandbox.items("tiktok")
    assert item["title"] == "Changed by seller"
    assert item["skus"][0]["price"]["sale_price"] == "6.5"
    assert item["skus"][0]["inventory"][0]["quantity"] == 1
    with pytest.raises(ValueError, match="editable"):
        sandbox.edit_item("tiktok", product_id, colour="red")


def test_odd_bodies_get_an_error_envelope(sandbox):
    product_id = call(sandbox, "POST", "/product/202309/products", body=product_body(sandbox)).json()["data"][
        "product_id"
    ]
    path = f"/product/202309/products/{product_id}/inventory/update"
    assert call(sandbox, "POST", path, body={"skus": 5}).json()["code"] == 36009003
    errors = call(sandbox, "POST", path, body={"skus": [{"id": "1", "inventory": "x"}]}).json()["data"]["errors"]
    assert errors[0]["code"] == 12052701
    search = call(
        sandbox, "POST", "/product/202502/products/search", body={"seller_skus": [{}]}, extra={"page_size": "5"}
    )
    assert search.json()["code"] == 36009003
