"""The Etsy sandbox module over raw HTTP (independent of the connector)."""

import pytest
import requests

KEY, SECRET, TOKEN, REFRESH, SHOP = (
    "sandbox-etsy-keystring",
    "sandbox-etsy-shared",
    "5550001.sandbox-etsy-access",
    "5550001.sandbox-etsy-refresh",
    "5550001",
)


def get(sandbox, path, *, key=f"{KEY}:{SECRET}", token=TOKEN, **params):
    headers = {"x-api-key": key, "authorization": f"Bearer {token}"}
    return requests.get(sandbox.url("etsy") + "/v3/application" + path, headers=headers, params=params, timeout=5)


def test_success_carries_the_four_rate_headers(sandbox):
    response = get(sandbox, f"/shops/{SHOP}")
    assert response.status_code == 200
    assert response.json()["shop_id"] == int(SHOP)
    assert response.headers["x-limit-per-second"] == "10"
    assert response.headers["x-remaining-this-second"] == "9"
    assert response.headers["x-limit-per-day"] == "10000"
    assert response.headers["x-remaining-today"] == "9999"


def test_keystring_alone_is_accepted_unless_strict(sandbox):
    assert get(sandbox, f"/shops/{SHOP}", key=KEY).status_code == 200
    strict = {"api_key": "strict-key", "shared_secret": "s", "access_token": "777.a", "refresh_token": "777.r"}
    sandbox.add_account("etsy", "777", strict, strict=True)
    response = get(sandbox, "/shops/777", key="strict-key", token="777.a")
    assert response.status_code == 403
    assert response.json() == {"error": "Shared secret is required in x-api-key header"}


def test_wrong_shared_secret_is_403(sandbox):
    response = get(sandbox, f"/shops/{SHOP}", key=f"{KEY}:wrong")
    assert response.status_code == 403
    assert "shared secret" in response.json()["error"]


def test_expired_token_is_401_and_refresh_rotates(sandbox):
    sandbox.expire_tokens("etsy", SHOP, "access")
    response = get(sandbox, f"/shops/{SHOP}")
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_token", "error_description": "access token is expired"}
    token_url = sandbox.url("etsy") + "/v3/public/oauth/token"
    fresh = requests.post(
        token_url, json={"grant_type": "refresh_token", "client_id": KEY, "refresh_token": REFRESH}, timeout=5
    ).json()
    assert fresh["expires_in"] == 3600
    assert fresh["access_token"].startswith("5550001.")
    assert get(sandbox, f"/shops/{SHOP}", token=fresh["access_token"]).status_code == 200
    again = requests.post(
        token_url, data={"grant_type": "refresh_token", "client_id": KEY, "refresh_token": REFRESH}, timeout=5
    )
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_throttle_is_429_with_retry_after(sandbox):
    sandbox.set_rate("etsy", rate=1, burst=1)
    get(sandbox, f"/shops/{SHOP}")
    response = get(sandbox, f"/shops/{SHOP}")
    assert response.status_code == 429
    assert response.headers["retry-after"] == "1"
    assert "per second" in response.json()["error"]


def test_listing_rules(sandbox):
    headers = {"x-api-key": f"{KEY}:{SECRET}", "authorization": f"Bearer {TOKEN}"}
    url = sandbox.url("etsy") + f"/v3/application/shops/{SHOP}/listings"
    base = {
        "quantity": "1",
        "title": "Mug",
        "description": "d",
        "price": "5",
        "who_made": "i_did",
        "when_made": "made_to_order",
        "taxonomy_id": "1",
        "shipping_profile_id": "190000001",
    }
    created = requests.post(url, data=base, headers=headers, timeout=5)
    assert created.status_code == 201
    assert created.json()["state"] == "draft"
    for change, message in [
        ({"title": "x" * 141}, "title"),
        ({"when_made": "yesterday"}, "when_made"),
        ({"shipping_profile_id": ""}, "shipping_profile_id"),
        ({"tags": "a,b,c,d,e,f,g,h,i,j,k,l,m,n"}, "tags"),
    ]:
        response = requests.post(url, data={**base, **change}, headers=headers, timeout=5)
        assert response.status_code == 400
        assert response.json()["error"].startswith(message)
    listing_id = created.json()["listing_id"]
    publish = requests.patch(f"{url}/{listing_id}", data={"state": "active"}, headers=headers, timeout=5)
    assert publish.status_code == 400
    assert publish.json()["error"].startswith("image")


def test_inventory_put_refuses_read_only_fields(sandbox):
    headers = {"x-api-key": f"{KEY}:{SECRET}", "authorization": f"Bearer {TOKEN}"}
    base = sandbox.url("etsy") + "/v3/application"
    form = {
        "quantity": "1",
        "title": "Mug",
        "description": "d",
        "price": "5",
        "who_made": "i_did",
        "when_made": "made_to_order",
        "taxonomy_id": "1",
        "shipping_profile_id": "190000001",
    }
    listing_id = requests.post(f"{base}/shops/{SHOP}/listings", data=form, headers=headers, timeout=5).json()[
        "listing_id"
    ]
    inventory = requests.get(f"{base}/listings/{listing_id}/inventory", headers=headers, timeout=5).json()
    inventory.pop("listing")
    response = requests.put(f"{base}/listings/{listing_id}/inventory", json=inventory, headers=headers, timeout=5)
    assert response.status_code == 400
    assert "read-only" in response.json()["error"]


@pytest.mark.parametrize("state", ["active", "draft"])
def test_drift_edit(sandbox, state):
    module = sandbox.sandbox.modules["etsy"]
    headers = {"x-api-key": f"{KEY}:{SECRET}", "authorization": f"Bearer {TOKEN}"}
    form = {
        "quantity": "2",
        "title": "Mug",
        "description": "d",
        "price": "5",
        "who_made": "i_did",
        "when_made": "made_to_order",
        "taxonomy_id": "1",
        "shipping_profile_id": "190000001",
    }
    url = sandbox.url("etsy") + f"/v3/application/shops/{SHOP}/listings"
    listing_id = requests.post(url, data=form, headers=headers, timeout=5).json()["listing_id"]
    edited = sandbox.edit_item("etsy", str(listing_id), title="Seller title", price="7.25", state=state)
    assert edited["price"]["amount"] == 725
    with module.lock:
        assert module.listings[str(listing_id)]["state"] == state


def test_consent_requires_pkce_s256_and_a_registered_redirect(sandbox):
    connect = sandbox.url("etsy") + "/oauth/connect"
    params = {
        "response_type": "code",
        "client_id": KEY,
        "redirect_uri": "https://lm.example.com/cb",
        "scope": "listings_r",
        "state": "s",
        "code_challenge": "DSWlW2Abh-cf8CeLL8-g3hQ2WQyYdKyiu83u_s7nRhI",
    }
    plain = requests.get(connect, params={**params, "code_challenge_method": "plain"}, allow_redirects=False, timeout=5)
    assert plain.status_code == 400
    assert "S256" in plain.json()["error_description"]
    credentials = {"api_key": "reg-key", "shared_secret": "s", "access_token": "888.a", "refresh_token": "888.r"}
    sandbox.add_account("etsy", "888", credentials, redirect_uris=["https://lm.example.com/ok"])
    wrong = requests.get(
        connect,
        params={**params, "client_id": "reg-key", "code_challenge_method": "S256"},
        allow_redirects=False,
        timeout=5,
    )
    assert wrong.status_code == 400
    assert "redirect_uri" in wrong.json()["error_description"]
    fine = requests.get(
        connect,
        params={
            **params,
            "client_id": "reg-key",
            "code_challenge_method": "S256",
            "redirect_uri": "https://lm.example.com/ok",
        },
        allow_redirects=False,
        timeout=5,
    )
    assert fine.status_code == 302
    assert fine.headers["Location"].startswith("https://lm.example.com/ok?code=")


def test_odd_inventory_bodies_get_a_400_with_a_message(sandbox):
    headers = {"x-api-key": f"{KEY}:{SECRET}", "authorization": f"Bearer {TOKEN}"}
    base = sandbox.url("etsy") + "/v3/application"
    form = {
        "quantity": "1",
        "title": "Mug",
        "description": "d",
        "price": "5",
        "who_made": "i_did",
        "when_made": "made_to_order",
        "taxonomy_id": "1",
        "shipping_profile_id": "190000001",
    }
    listing_id = requests.post(f"{base}/shops/{SHOP}/listings", data=form, headers=headers, timeout=5).json()[
        "listing_id"
    ]
    for body in (
        {"products": [{"sku": "A", "offerings": [7]}]},
        {"products": [{"sku": "A", "offerings": [{"price": 1, "quantity": 1}]}], "price_on_property": 3},
        {"products": [{"sku": "A", "offerings": [{"price": "Infinity", "quantity": 1}]}]},
    ):
        response = requests.put(f"{base}/listings/{listing_id}/inventory", json=body, headers=headers, timeout=5)
        assert response.status_code == 400
        assert response.json()["error"]
