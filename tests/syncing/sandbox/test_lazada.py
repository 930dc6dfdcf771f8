"""The Lazada sandbox module over raw HTTP (its own verifier, independent of the connector)."""

import hashlib
import hmac
import json
import time

import pytest
import requests

from syncing.sandbox.marketplaces.lazada import lazada_signature

APP_KEY, SECRET, TOKEN = "100001", "sandbox-lazada-secret", "sandbox-lazada-access"


def test_verifier_matches_official_vector():
    params = {
        "access_token": "test",
        "app_key": "123456",
        "order_id": "1234",
        "sign_method": "sha256",
        "timestamp": "1517820392000",
    }
    assert lazada_signature("helloworld", "/order/get", params) == (
        "4190D32361CFB9581350222F345CB77F3B19F0E31D162316848A2C1FFD5FAB4A"
    )


def signed(path, params, *, secret=SECRET, timestamp=None, skip_empty=False):
    out = {
        "app_key": APP_KEY,
        "timestamp": str(timestamp if timestamp is not None else int(time.time() * 1000)),
        "sign_method": "sha256",
        "access_token": TOKEN,
        **params,
    }
    text = path + "".join(f"{k}{out[k]}" for k in sorted(out) if not (skip_empty and out[k] == ""))
    out["sign"] = hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest().upper()
    return out


def test_bad_signature_answers_incomplete_signature(sandbox):
    response = requests.get(
        f"{sandbox.url('lazada')}/seller/get", params=signed("/seller/get", {}, secret="x"), timeout=5
    )
    body = response.json()
    assert response.status_code == 200
    assert (body["type"], body["code"]) == ("ISV", "IncompleteSignature")
    assert body["message"] == "The request signature does not conform to lazada standards"
    assert body["request_id"]


@pytest.mark.parametrize("skew_seconds", [-7201, 7201], ids=["past_case", "future_case"])
def test_timestamp_window_is_7200_seconds(sandbox, skew_seconds):
    stamp = int((time.time() + skew_seconds) * 1000)
    response = requests.get(
        f"{sandbox.url('lazada')}/seller/get", params=signed("/seller/get", {}, timestamp=stamp), timeout=5
    )
    assert response.json()["code"] == "InvalidTimestamp"


@pytest.mark.parametrize("skip_empty", [False, True], ids=["python_sdk_case", "java_sdk_case"])
def test_accepts_both_sdk_conventions_for_empty_values(sandbox, skip_empty):
    params = signed("/seller/get", {"extra": ""}, skip_empty=skip_empty)
    response = requests.get(f"{sandbox.url('lazada')}/seller/get", params=params, timeout=5)
    assert response.json()["code"] == "0"


def test_rest_prefix_and_form_post_and_xml_payload(sandbox):
    # given an item created with a JSON payload under the /rest gateway path
    image = requests.post(
        f"{sandbox.url('lazada')}/rest/image/migrate",
        data=signed("/image/migrate", {"payload": json.dumps({"Request": {"Image": {"Url": "https://x.test/a.jpg"}}})}),
        timeout=5,
    ).json()["data"]["image"]["url"]
    product = {
        "PrimaryCategory": "100644",
        "Images": {"Image": [image]},
        "Attributes": {"name": "Mug", "brand": "No Brand"},
        "Skus": {
            "Sku": [
                {
                    "SellerSku": "M1",
                    "price": "5",
                    "quantity": 1,
                    "package_weight": "0.3",
                    "package_length": "10",
                    "package_width": "10",
                    "package_height": "10",
                }
            ]
        },
    }
    created = requests.post(
        f"{sandbox.url('lazada')}/rest/product/create",
        data=signed("/product/create", {"payload": json.dumps({"Request": {"Product": product}})}),
        timeout=5,
    ).json()
    item_id = created["data"]["item_id"]
    # when it is deactivated with the documented XML body
    xml = f"<Request><Product><ItemId>{item_id}</ItemId></Product></Request>"
    deactivated = requests.post(
        f"{sandbox.url('lazada')}/product/deactivate",
        data=signed("/product/deactivate", {"apiRequestBody": xml}),
        timeout=5,
    ).json()
    # then it is InActive
    assert created["code"] == "0"
    assert deactivated["code"] == "0"
    assert sandbox.items("lazada")[0]["status"] == "InActive"


def test_refresh_does_not_extend_refresh_lifetime(sandbox):
    sandbox.advance_clock(100 * 86400)
    params = signed("/auth/token/refresh", {"refresh_token": "sandbox-lazada-refresh"})
    del params["sign"]
    params.pop("access_token")
    text = "/auth/token/refresh" + "".join(f"{k}{params[k]}" for k in sorted(params))
    params["sign"] = hmac.new(SECRET.encode(), text.encode(), hashlib.sha256).hexdigest().upper()
    body = requests.post(f"{sandbox.url('lazada')}/auth/token/refresh", data=params, timeout=5).json()
    assert body["code"] == "0"
    assert body["expires_in"] == 30 * 86400
    assert 79 * 86400 < body["refresh_expires_in"] <= 80 * 86400


def test_products_get_limit_is_50(sandbox):
    params = signed("/products/get", {"filter": "all", "limit": "51"})
    assert requests.get(f"{sandbox.url('lazada')}/products/get", params=params, timeout=5).json()["code"] == "E005"


def test_unknown_api_path(sandbox):
    params = signed("/product/nothing", {})
    body = requests.get(f"{sandbox.url('lazada')}/product/nothing", params=params, timeout=5).json()
    assert body["code"] == "InvalidApiPath"
