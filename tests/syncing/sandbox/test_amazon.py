"""The Amazon SP-API sandbox module over raw HTTP (independent of the connector)."""

import requests

SELLER, CLIENT, SECRET, REFRESH, MARKET = (
    "A1SANDBOXSELLER",
    "amzn1.application-oa2-client.sandbox",
    "sandbox-lwa-secret",
    "Atzr|sandbox-refresh",
    "ATVPDKIKX0DER",
)


def lwa(sandbox, **overrides):
    form = {"grant_type": "refresh_token", "refresh_token": REFRESH, "client_id": CLIENT, "client_secret": SECRET}
    form.update(overrides)
    return requests.post(sandbox.url("amazon") + "/auth/o2/token", data=form, timeout=5)


def item_url(sandbox, sku="MUG-1"):
    return f"{sandbox.url('amazon')}/listings/2021-08-01/items/{SELLER}/{sku}"


def body(**attributes):
    base = {
        "item_name": [{"value": "Mug", "language_tag": "en_US", "marketplace_id": MARKET}],
        "purchasable_offer": [
            {"marketplace_id": MARKET, "currency": "USD", "our_price": [{"schedule": [{"value_with_tax": 9.5}]}]}
        ],
        "fulfillment_availability": [{"fulfillment_channel_code": "DEFAULT", "quantity": 4}],
        "main_product_image_locator": [{"media_location": "https://img/x.jpg", "marketplace_id": MARKET}],
    }
    base.update(attributes)
    return {"productType": "DRINKING_CUP", "requirements": "LISTING", "attributes": base}


def test_lwa_exchange_and_errors(sandbox):
    token = lwa(sandbox).json()
    assert token["token_type"] == "bearer"
    assert token["expires_in"] == 3600
    assert token["access_token"].startswith("Atza|")
    bad_client = lwa(sandbox, client_secret="nope")
    assert (bad_client.status_code, bad_client.json()["error"]) == (401, "invalid_client")
    bad_grant = lwa(sandbox, refresh_token="Atzr|other")
    assert (bad_grant.status_code, bad_grant.json()["error"]) == (400, "invalid_grant")


def test_expired_token_is_403_unauthorized(sandbox):
    token = lwa(sandbox).json()["access_token"]
    sandbox.advance_clock(3600)
    response = requests.get(
        item_url(sandbox), params={"marketplaceIds": MARKET}, headers={"x-amz-access-token": token}, timeout=5
    )
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "Unauthorized"
    assert "expired" in response.json()["errors"][0]["details"]
    assert response.headers["x-amzn-RequestId"]


def test_put_is_accepted_then_processed_with_rate_header(sandbox):
    sandbox.set_review("amazon", 300)
    headers = {"x-amz-access-token": lwa(sandbox).json()["access_token"]}
    params = {"marketplaceIds": MARKET}
    put = requests.put(item_url(sandbox), params=params, json=body(), headers=headers, timeout=5)
    assert put.status_code == 200
    assert put.json()["status"] == "ACCEPTED"
    assert put.headers["x-amzn-RateLimit-Limit"] == "5"
    item = requests.get(item_url(sandbox), params=params, headers=headers, timeout=5).json()
    assert item["summaries"] == []
    sandbox.advance_clock(301)
    item = requests.get(item_url(sandbox), params=params, headers=headers, timeout=5).json()
    assert item["summaries"][0]["status"] == ["BUYABLE", "DISCOVERABLE"]


def test_invalid_submission_and_validation_preview(sandbox):
    headers = {"x-amz-access-token": lwa(sandbox).json()["access_token"]}
    params = {"marketplaceIds": MARKET}
    long_title = [{"value": "x" * 201, "language_tag": "en_US", "marketplace_id": MARKET}]
    invalid = requests.put(
        item_url(sandbox), params=params, json=body(item_name=long_title), headers=headers, timeout=5
    )
    assert invalid.json()["status"] == "INVALID"
    assert invalid.json()["issues"][0]["attributeNames"] == ["item_name"]
    preview = requests.put(
        item_url(sandbox), params={**params, "mode": "VALIDATION_PREVIEW"}, json=body(), headers=headers, timeout=5
    )
    assert preview.json()["status"] == "VALID"
    assert sandbox.items("amazon") == []


def test_missing_marketplace_ids_and_unknown_sku(sandbox):
    headers = {"x-amz-access-token": lwa(sandbox).json()["access_token"]}
    missing = requests.get(item_url(sandbox), headers=headers, timeout=5)
    assert (missing.status_code, missing.json()["errors"][0]["code"]) == (400, "InvalidInput")
    unknown = requests.get(item_url(sandbox, "NOPE"), params={"marketplaceIds": MARKET}, headers=headers, timeout=5)
    assert unknown.status_code == 404


def test_throttle_is_429_with_rate_header(sandbox):
    headers = {"x-amz-access-token": lwa(sandbox).json()["access_token"]}
    sandbox.set_rate("amazon", rate=0.5, burst=1)
    params = {"marketplaceIds": MARKET}
    requests.get(item_url(sandbox), params=params, headers=headers, timeout=5)
    response = requests.get(item_url(sandbox), params=params, headers=headers, timeout=5)
    assert response.status_code == 429
    assert response.headers["x-amzn-RateLimit-Limit"] == "0.5"
    assert response.json()["errors"][0]["code"] == "QuotaExceeded"


def test_drift_edit(sandbox):
    headers = {"x-amz-access-token": lwa(sandbox).json()["access_token"]}
    requests.put(item_url(sandbox), params={"marketplaceIds": MARKET}, json=body(), headers=headers, timeout=5)
    view = sandbox.edit_item("amazon", "MUG-1", price="11", quantity=0)
    assert view["offers"][0]["price"]["amount"] == "11.00"
    assert view["summaries"][0]["status"] == ["DISCOVERABLE"]


def test_odd_patch_bodies_get_invalid_input(sandbox):
    headers = {"x-amz-access-token": lwa(sandbox).json()["access_token"]}
    params = {"marketplaceIds": MARKET}
    requests.put(item_url(sandbox), params=params, json=body(), headers=headers, timeout=5)
    for patch_body in ({"productType": "P", "patches": [5]}, {"productType": "P", "patches": "x"}, [1]):
        response = requests.patch(item_url(sandbox), params=params, json=patch_body, headers=headers, timeout=5)
        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == "InvalidInput"
