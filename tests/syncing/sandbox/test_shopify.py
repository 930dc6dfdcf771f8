"""The Shopify sandbox module over raw HTTP (its own HMAC verifier, independent of the connector)."""

import pytest
import requests

from syncing.sandbox.marketplaces.shopify import shopify_query_hmac

TOKEN = "shpat_sandbox_demo_token"
INVENTORY = (
    "mutation inventorySetQuantities($input: InventorySetQuantitiesInput!) {"
    " inventorySetQuantities(input: $input) { userErrors { code } } }"
)
QUERY = {"code": "0907a61c0c8d55e99db179b68161bc00", "shop": "some-shop.myshopify.com", "timestamp": "1337178173"}


def test_verifier_matches_official_vectors():
    assert shopify_query_hmac(QUERY, "hush") == "4712bf92ffc2917d15a2f5a273e39f0116667419aa4b6ac0b3baaf26fa3c4d20"
    with_state = {**QUERY, "state": "0.6784241404160823", "hmac": "x", "signature": "y"}
    assert shopify_query_hmac(with_state, "hush") == "700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf"


def gql(sandbox, query, variables=None, token=TOKEN, version="2026-01"):
    return requests.post(
        f"{sandbox.url('shopify')}/admin/api/{version}/graphql.json",
        json={"query": query, "variables": variables or {}},
        headers={"X-Shopify-Access-Token": token},
        timeout=5,
    )


def test_invalid_token_is_401_with_shopify_message(sandbox):
    response = gql(sandbox, "query { shop { name } }", token="nope")
    assert response.status_code == 401
    assert response.json() == {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}


def test_every_answer_reports_cost(sandbox):
    body = gql(sandbox, "query { shop { name } }").json()
    cost = body["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 1
    assert cost["throttleStatus"] == {"maximumAvailable": 1000.0, "currentlyAvailable": 999, "restoreRate": 100.0}
    assert body["data"]["shop"]["myshopifyDomain"] == "demo-store.myshopify.com"


def test_throttled_is_200_with_throttled_code(sandbox):
    sandbox.set_rate("shopify", rate=1, burst=5)
    response = gql(sandbox, "query products($first: Int!) { products(first: $first) { nodes { id } } }", {"first": 10})
    body = response.json()
    assert response.status_code == 200
    assert body["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert body["extensions"]["cost"]["requestedQueryCost"] == 12
    assert body["extensions"]["cost"]["actualQueryCost"] is None


def test_page_size_above_250_is_an_error(sandbox):
    body = gql(sandbox, "query { products(first: 251) { nodes { id } } }").json()
    assert body["errors"][0]["message"] == "first must be between 1 and 250"


@pytest.mark.parametrize(
    ("version", "code"),
    [("2026-01", None), ("2026-04", "IDEMPOTENCY_KEY_REQUIRED")],
    ids=["optional_case", "required_case"],
)
def test_inventory_idempotency_key_required_from_2026_04(sandbox, version, code):
    mutation = INVENTORY
    variables = {
        "input": {"name": "available", "reason": "correction", "ignoreCompareQuantity": True, "quantities": []}
    }
    errors = gql(sandbox, mutation, variables, version=version).json()["data"]["inventorySetQuantities"]["userErrors"]
    assert [e["code"] for e in errors] == ([code] if code else [])


def test_compare_quantity_is_enforced_unless_ignored(sandbox):
    create = (
        "mutation productCreate($product: ProductCreateInput!) { productCreate(product: $product) { product { id } } }"
    )
    product = gql(sandbox, create, {"product": {"title": "Mug"}}).json()["data"]["productCreate"]["product"]
    item_id = product["variants"]["nodes"][0]["inventoryItem"]["id"]
    location = gql(sandbox, "query { locations(first: 1) { nodes { id } } }").json()["data"]["locations"]["nodes"][0][
        "id"
    ]
    mutation = INVENTORY
    stale = {
        "name": "available",
        "reason": "correction",
        "quantities": [{"inventoryItemId": item_id, "locationId": location, "quantity": 5, "compareQuantity": 3}],
    }
    errors = gql(sandbox, mutation, {"input": stale}).json()["data"]["inventorySetQuantities"]["userErrors"]
    assert [e["code"] for e in errors] == ["COMPARE_QUANTITY_STALE"]


def test_unknown_field_is_a_graphql_error(sandbox):
    body = gql(sandbox, "mutation { productExplode(id: 1) { id } }").json()
    assert body["errors"][0]["message"] == "Field 'productExplode' doesn't exist on type 'Mutation'"


def test_refresh_token_rotation_keeps_old_token_until_new_access_is_used(sandbox):
    credentials = sandbox.add_account("shopify", "rot", {"client_id": "rot-app", "client_secret": "s"}, expiring=True)
    url = f"{sandbox.url('shopify')}/admin/oauth/access_token"
    grant = {
        "client_id": "rot-app",
        "client_secret": "s",
        "grant_type": "refresh_token",
        "refresh_token": credentials["refresh_token"],
    }
    first = requests.post(url, json=grant, timeout=5).json()
    again = requests.post(url, json=grant, timeout=5)
    assert again.status_code == 200  # the new access token was not used yet
    assert gql(sandbox, "query { shop { name } }", token=again.json()["access_token"]).status_code == 200
    assert requests.post(url, json=grant, timeout=5).json()["error"] == "invalid_grant"
    assert first["expires_in"] == 3600
