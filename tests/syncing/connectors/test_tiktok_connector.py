"""TikTok Shop connector against the sandbox over real HTTP (docs/marketplaces/tiktok.md)."""

from decimal import Decimal

import pytest

from syncing.connectors.base import (
    AuthExpired,
    ChannelConfig,
    InvalidCredentials,
    ListingPayload,
    NotFound,
    OfferUpdate,
    RateLimited,
    Rejected,
    RetryableError,
)
from syncing.connectors.tiktok.connector import TiktokConnector

CODE = "tiktok"


@pytest.fixture
def saved_tokens():
    return []


@pytest.fixture
def make_connector(sandbox, saved_tokens):
    def make(**overrides):
        account = sandbox.account(CODE)
        credentials = {**account["credentials"], **overrides.pop("credentials", {})}
        config = ChannelConfig(
            base_url=sandbox.url(CODE),
            shop_id=account["shop_id"],
            credentials=credentials,
            currency="USD",
            timeout=overrides.pop("timeout", 5.0),
        )
        return TiktokConnector(config, on_tokens=saved_tokens.append)

    return make


@pytest.fixture
def conn(make_connector):
    return make_connector()


@pytest.fixture
def image_url(sandbox):
    return sandbox.base_url + "/_static/mug.png"


@pytest.fixture
def listing(image_url):
    def build(sku="MUG-001", **overrides):
        values = {
            "sku": sku,
            "title": f"Blue ceramic mug {sku}",
            "description": "<p>Holds 350 ml.</p>",
            "price": Decimal("12.50"),
            "currency": "USD",
            "quantity": 7,
            "category_id": "600123",
            "image_urls": (image_url,),
            "weight_grams": 450,
        }
        values.update(overrides)
        return ListingPayload(**values)

    return build


def test_check_credentials(conn):
    conn.check_credentials()


def test_create_review_then_live_update_and_read_back(sandbox, conn, listing):
    sandbox.set_review(CODE, 3600)
    result = conn.push_listing(listing())
    assert result.status == "in_review"
    assert len(result.external_id) == 19
    assert result.external_id.isdigit()

    remote = conn.get_listing(result.external_id)
    assert (remote.status, remote.raw_status) == ("in_review", "PENDING")
    assert (remote.sku, remote.price, remote.quantity) == ("MUG-001", Decimal("12.50"), 7)

    sandbox.advance_clock(3601)
    assert conn.get_listing(result.external_id).status == "live"

    sku_id = remote.raw["skus"][0]["id"]
    updated = conn.push_listing(listing(external_id=result.external_id, title="Green ceramic mug"))
    assert updated.external_id == result.external_id
    assert updated.raw_status == "AUDITING"
    remote = conn.get_listing(result.external_id)
    assert remote.title == "Green ceramic mug"
    assert remote.raw["skus"][0]["id"] == sku_id
    assert remote.status == "in_review"


def test_reprice_and_restock_with_partial_success(conn, listing):
    first = conn.push_listing(listing("MUG-001")).external_id
    second = conn.push_listing(listing("MUG-002")).external_id
    results = conn.update_offers(
        [
            OfferUpdate(sku="MUG-001", external_id=first, price=Decimal("9.99"), quantity=3),
            OfferUpdate(sku="MUG-002", external_id=second, quantity=100_000),
            OfferUpdate(sku="MUG-404", external_id=second, quantity=1),
            OfferUpdate(sku="MUG-X", external_id="1729000000000000001", price=Decimal("1")),
        ]
    )
    assert [r.ok for r in results] == [True, False, False, False]
    assert results[1].error_code == "12052219"
    assert "99999" in results[1].message
    assert results[2].error_code == "SKU_NOT_FOUND"
    assert results[3].error_code == "12052700"
    remote = conn.get_listing(first)
    assert (remote.price, remote.quantity) == (Decimal("9.99"), 3)
    assert conn.get_listing(second).quantity == 7


def test_find_by_sku(conn, listing):
    created = conn.push_listing(listing("MUG-777"))
    found = conn.find_by_sku("MUG-777")
    assert found is not None
    assert found.external_id == created.external_id
    assert conn.find_by_sku("NOPE-1") is None


def test_pull_pages_through_all_listings(conn, listing):
    ids = {conn.push_listing(listing(f"MUG-{n}")).external_id for n in range(5)}
    conn.page_size = 2
    pages, seen, cursor = 0, [], None
    while True:
        page = conn.pull_listings(cursor)
        pages += 1
        seen.extend(item.external_id for item in page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert pages == 3
    assert sorted(seen) == sorted(ids)


def test_deactivate_and_delete(conn, listing):
    product_id = conn.push_listing(listing()).external_id
    conn.deactivate_listing(product_id)
    assert conn.get_listing(product_id).raw_status == "SELLER_DEACTIVATED"
    assert conn.get_listing(product_id).status == "inactive"
    conn.delete_listing(product_id)
    assert conn.get_listing(product_id).raw_status == "DELETED"
    assert conn.find_by_sku("MUG-001") is None
    with pytest.raises(NotFound) as err:
        conn.delete_listing(product_id)
    assert err.value.code == "12052700"


def test_wrong_app_secret_is_a_signature_error(make_connector):
    conn = make_connector(credentials={"app_secret": "not-the-secret"})
    with pytest.raises(InvalidCredentials) as err:
        conn.check_credentials()
    assert err.value.code == "106001"
    assert err.value.request_id


def test_expired_token_is_refreshed_once_and_saved(sandbox, conn, saved_tokens):
    account = sandbox.account(CODE)
    sandbox.expire_tokens(CODE, account["shop_id"], "access")
    conn.check_credentials()
    assert len(saved_tokens) == 1
    new = saved_tokens[0]["access_token"]
    assert new
    assert new != account["credentials"]["access_token"]
    assert int(saved_tokens[0]["access_token_expires_at"]) > 0
    # channel_set_credentials refuses names the connector does not declare
    assert set(saved_tokens[0]) <= set(TiktokConnector.credential_fields) | set(
        TiktokConnector.optional_credential_fields
    )
    conn.check_credentials()
    assert len(saved_tokens) == 1


def test_expired_refresh_token_means_auth_expired(sandbox, conn, saved_tokens):
    sandbox.expire_tokens(CODE, sandbox.account(CODE)["shop_id"], "both")
    with pytest.raises(AuthExpired) as err:
        conn.check_credentials()
    assert not isinstance(err.value, InvalidCredentials)
    assert saved_tokens == []


def test_access_token_lifetime_follows_the_sandbox_clock(sandbox, conn, saved_tokens):
    sandbox.advance_clock(7 * 86400 + 1)  # access tokens live 7 days (docs/marketplaces/tiktok.md#credentials)
    conn.check_credentials()
    assert len(saved_tokens) == 1


def test_throttling_is_rate_limited(sandbox, conn):
    sandbox.set_rate(CODE, rate=0.01, burst=1)
    conn.check_credentials()
    with pytest.raises(RateLimited) as err:
        conn.check_credentials()
    assert err.value.retry_after == 1.0
    assert err.value.code == "36009002"
    assert err.value.http_status == 429


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_retryable(sandbox, conn, status):
    sandbox.set_faults(CODE, status_5xx=status, times=1)
    with pytest.raises(RetryableError) as err:
        conn.check_credentials()
    assert err.value.http_status == status
    conn.check_credentials()


def test_timeout_is_retryable(sandbox, make_connector):
    conn = make_connector(timeout=0.3)
    sandbox.set_faults(CODE, latency_ms=1000, times=1)
    with pytest.raises(RetryableError, match="no answer"):
        conn.check_credentials()


def test_dropped_connection_is_retryable(sandbox, conn):
    sandbox.set_faults(CODE, drop_connection=True, times=1)
    with pytest.raises(RetryableError):
        conn.check_credentials()


def test_malformed_json_is_retryable(sandbox, conn):
    sandbox.set_faults(CODE, malformed_json=True, times=1)
    with pytest.raises(RetryableError, match="not valid JSON"):
        conn.check_credentials()


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"title": "x" * 256}, "title", "12052051"),
        ({"image_urls": ()}, "images", "12052028"),
        ({"weight_grams": None}, "weight_grams", "12019011"),
        ({"description": "y" * 10_001}, "description", "12052230"),
        ({"currency": "EUR"}, "currency", "12052218"),
        ({"quantity": 0}, "quantity", "12052219"),
    ],
)
def test_validation_rejection_maps_fields(conn, listing, overrides, field, code):
    with pytest.raises(Rejected) as err:
        conn.push_listing(listing(**overrides))
    assert list(err.value.field_errors) == [field]
    assert err.value.code == code
    assert err.value.request_id


def test_lost_create_response_is_recovered_by_sku(sandbox, conn, listing):
    sandbox.set_faults(CODE, lose_response_after_create=True, path_contains="/products", times=1)
    with pytest.raises(RetryableError):
        conn.push_listing(listing("MUG-LOST"))
    found = conn.find_by_sku("MUG-LOST")
    assert found is not None
    assert found.sku == "MUG-LOST"


def test_request_log_never_shows_tokens(sandbox, conn):
    conn.check_credentials()
    entries = sandbox.log(CODE)
    assert entries
    assert entries[-1]["query"]["sign"] == "***"
    assert sandbox.account(CODE)["credentials"]["access_token"] not in str(entries)


def test_token_known_to_be_expired_is_refreshed_before_the_call(sandbox, make_connector, saved_tokens):
    conn = make_connector(credentials={"access_token_expires_at": "1000"})
    conn.check_credentials()
    assert len(saved_tokens) == 1
    paths = [entry["path"] for entry in sandbox.log(CODE)]
    assert paths == ["/api/v2/token/refresh", "/authorization/202309/shops"]


def test_package_dimensions_are_sent_in_centimetres(sandbox, conn, listing):
    conn.push_listing(listing(length_mm=120, width_mm=90, height_mm=105))
    [item] = sandbox.items(CODE)
    assert item["package_weight"] == {"value": "0.450", "unit": "KILOGRAM"}
    created = [e for e in sandbox.log(CODE) if e["path"] == "/product/202309/products"][0]
    assert (
        '"package_dimensions": {"length": "12.0", "width": "9.0", "height": "10.5", "unit": "CENTIMETER"}'
        in (created["body"])
    )


def test_sandbox_log_masks_the_app_secret_on_refresh(sandbox, conn):
    sandbox.expire_tokens(CODE, sandbox.account(CODE)["shop_id"], "access")
    conn.check_credentials()
    text = str(sandbox.log(CODE))
    credentials = sandbox.account(CODE)["credentials"]
    assert "/api/v2/token/refresh" in text
    assert credentials["app_secret"] not in text
    assert credentials["refresh_token"] not in text


def test_one_sku_product_is_updated_even_after_a_seller_sku_edit(sandbox, conn, listing):
    product_id = conn.push_listing(listing("MUG-001")).external_id
    module = sandbox.sandbox.modules[CODE]
    with module.lock:
        module.products[product_id]["skus"][0]["seller_sku"] = "RENAMED-ON-TIKTOK"
    [result] = conn.update_offers([OfferUpdate(sku="MUG-001", external_id=product_id, quantity=11)])
    assert result.ok
    assert conn.get_listing(product_id).quantity == 11


def test_authorisation_code_flow(sandbox):
    from urllib.parse import parse_qs, urlsplit

    import requests

    from syncing.connectors.tiktok.client import TiktokClient, authorize_url

    credentials = sandbox.account(CODE)["credentials"]
    url = authorize_url(sandbox.url(CODE), service_id=credentials["app_key"], state="st-9")
    consent = requests.get(url, allow_redirects=False, timeout=5)
    assert consent.status_code == 302
    query = parse_qs(urlsplit(consent.headers["Location"]).query)
    assert query["state"] == ["st-9"]
    client = TiktokClient(
        base_url=sandbox.url(CODE),
        app_key=credentials["app_key"],
        app_secret=credentials["app_secret"],
        access_token="",
        shop_cipher=credentials["shop_cipher"],
        timeout=5,
    )
    data = client.get_token(query["code"][0])
    assert data["access_token_expire_in"] > data["refresh_token_expire_in"] - 366 * 86400
    assert (
        client.call("GET", "/authorization/202309/shops", shop_scoped=False)["shops"][0]["cipher"]
        == (credentials["shop_cipher"])
    )
    with pytest.raises(AuthExpired):  # single use
        client.get_token(query["code"][0])


def test_live_authorize_urls():
    from syncing.connectors.tiktok.client import authorize_url

    live = "https://open-api.tiktokglobalshop.com"
    assert (
        authorize_url(live, service_id="7", state="s")
        == "https://services.tiktokshop.com/open/authorize?service_id=7&state=s"
    )
    assert authorize_url(live, service_id="7", state="s", us=True).startswith("https://services.tiktokshops.us/")


def test_unknown_shop_cipher_is_invalid_credentials(make_connector):
    conn = make_connector(credentials={"shop_cipher": "ROW_someone_else"})
    with pytest.raises(InvalidCredentials, match="shop_cipher"):
        conn.check_credentials()


def test_missing_credentials_are_named_before_any_request(sandbox, make_connector):
    conn = make_connector(credentials={"app_secret": ""})
    with pytest.raises(InvalidCredentials, match="app_secret") as err:
        conn.check_credentials()
    assert err.value.code == "missing_credentials"
    assert sandbox.log(CODE) == []
