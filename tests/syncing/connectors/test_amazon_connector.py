"""Amazon SP-API connector against the sandbox over real HTTP (docs/marketplaces/amazon.md)."""

from decimal import Decimal

import pytest

from syncing.connectors.amazon.connector import AmazonConnector
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
    VariantPayload,
)

CODE = "amazon"


@pytest.fixture
def saved_tokens():
    return []


@pytest.fixture
def make_connector(sandbox, saved_tokens):
    sandbox.set_rate(CODE, rate=1000, burst=1000)  # the real 5 req/s would throttle multi-call tests

    def make(**overrides):
        account = sandbox.account(CODE)
        credentials = {**account["credentials"], **overrides.pop("credentials", {})}
        config = ChannelConfig(
            base_url=sandbox.url(CODE),
            shop_id=account["shop_id"],
            credentials=credentials,
            currency="USD",
            language="en",
            country="US",
            timeout=overrides.pop("timeout", 5.0),
        )
        return AmazonConnector(config, on_tokens=saved_tokens.append)

    return make


@pytest.fixture
def conn(make_connector):
    return make_connector()


@pytest.fixture
def listing(sandbox):
    image = sandbox.base_url + "/_static/mug.png"

    def build(sku="MUG-001", **overrides):
        values = {
            "sku": sku,
            "title": f"Ceramic coffee mug 350 ml {sku}",
            "description": "Stoneware, dishwasher safe.",
            "price": Decimal("12.50"),
            "currency": "USD",
            "quantity": 7,
            "brand": "Acme",
            "category_id": "DRINKING_CUP",
            "image_urls": (image,),
        }
        values.update(overrides)
        return ListingPayload(**values)

    return build


def test_check_credentials_exchanges_the_refresh_token(conn, saved_tokens):
    conn.check_credentials()
    assert len(saved_tokens) == 1
    assert saved_tokens[0]["access_token"].startswith("Atza|")
    # channel_set_credentials refuses names the connector does not declare
    assert set(saved_tokens[0]) <= set(AmazonConnector.credential_fields) | set(
        AmazonConnector.optional_credential_fields
    )
    assert float(saved_tokens[0]["access_token_expires_at"]) > 0
    conn.check_credentials()
    assert len(saved_tokens) == 1


def test_create_is_accepted_then_processed(sandbox, conn, listing):
    sandbox.set_review(CODE, 600)
    result = conn.push_listing(listing())
    assert (result.external_id, result.status, result.raw_status) == ("MUG-001", "in_review", "ACCEPTED")
    assert conn.get_listing("MUG-001").status == "in_review"
    sandbox.advance_clock(601)
    remote = conn.get_listing("MUG-001")
    assert (remote.status, remote.raw_status) == ("live", "BUYABLE,DISCOVERABLE")
    assert (remote.sku, remote.title, remote.price, remote.quantity) == (
        "MUG-001",
        "Ceramic coffee mug 350 ml MUG-001",
        Decimal("12.50"),
        7,
    )
    assert remote.raw["summaries"][0]["asin"].startswith("B0")


def test_issues_found_after_acceptance_reject_the_listing(conn, listing):
    result = conn.push_listing(listing(image_urls=(), title="Best mug ever!"))
    assert result.status == "in_review"
    remote = conn.get_listing("MUG-001")
    assert remote.status == "rejected"
    codes = {issue["code"] for issue in remote.raw["issues"]}
    assert codes == {"18027", "90003"}


def test_update_replaces_the_listing(conn, listing):
    conn.push_listing(listing())
    conn.push_listing(listing(external_id="MUG-001", title="Ceramic coffee mug, blue"))
    assert conn.get_listing("MUG-001").title == "Ceramic coffee mug, blue"


def test_reprice_and_restock_with_partial_success(conn, listing):
    conn.push_listing(listing("MUG-001"))
    conn.push_listing(listing("MUG-002"))
    results = conn.update_offers(
        [
            OfferUpdate(sku="MUG-001", external_id="MUG-001", price=Decimal("9.99"), quantity=3),
            OfferUpdate(sku="MUG-002", external_id="MUG-002", price=Decimal("-1")),
            OfferUpdate(sku="MUG-404", external_id="MUG-404", quantity=1),
        ]
    )
    assert [r.ok for r in results] == [True, False, False]
    assert results[1].error_code == "90244"
    assert "greater than 0" in results[1].message
    assert results[2].error_code == "NOT_FOUND"
    remote = conn.get_listing("MUG-001")
    assert (remote.price, remote.quantity) == (Decimal("9.99"), 3)
    assert conn.get_listing("MUG-002").price == Decimal("12.50")


def test_find_by_sku(conn, listing):
    conn.push_listing(listing("MUG-9"))
    assert conn.find_by_sku("MUG-9").external_id == "MUG-9"
    assert conn.find_by_sku("MUG-10") is None


def test_pull_pages_through_all_listings(conn, listing):
    skus = [f"MUG-{n}" for n in range(5)]
    for sku in skus:
        conn.push_listing(listing(sku))
    conn.page_size = 2
    pages, seen, cursor = 0, [], None
    while True:
        page = conn.pull_listings(cursor)
        pages += 1
        seen.extend(item.sku for item in page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert pages == 3
    assert seen == skus


def test_deactivate_zeroes_stock_and_delete_removes(conn, listing):
    conn.push_listing(listing())
    conn.deactivate_listing("MUG-001")
    remote = conn.get_listing("MUG-001")
    assert (remote.status, remote.quantity, remote.raw_status) == ("inactive", 0, "DISCOVERABLE")
    conn.delete_listing("MUG-001")
    with pytest.raises(NotFound):
        conn.get_listing("MUG-001")


def test_wrong_client_secret_is_invalid_credentials(make_connector):
    conn = make_connector(credentials={"lwa_client_secret": "wrong"})
    with pytest.raises(InvalidCredentials) as err:
        conn.check_credentials()
    assert err.value.code == "invalid_client"
    assert err.value.http_status == 401


def test_expired_access_token_gets_a_new_one(sandbox, conn, saved_tokens):
    conn.check_credentials()
    sandbox.expire_tokens(CODE, sandbox.account(CODE)["shop_id"], "access")
    conn.check_credentials()
    assert len(saved_tokens) == 2
    assert saved_tokens[0]["access_token"] != saved_tokens[1]["access_token"]


def test_stored_access_token_is_used_until_it_expires(sandbox, make_connector, saved_tokens):
    first = make_connector()
    first.check_credentials()
    stored = saved_tokens[0]
    second = make_connector(credentials=stored)
    second.check_credentials()
    assert len(saved_tokens) == 1
    sandbox.advance_clock(3600)  # access tokens live one hour (docs/marketplaces/amazon.md#credentials)
    second.check_credentials()
    assert len(saved_tokens) == 2


def test_revoked_refresh_token_means_auth_expired(sandbox, conn):
    sandbox.expire_tokens(CODE, sandbox.account(CODE)["shop_id"], "both")
    with pytest.raises(AuthExpired) as err:
        conn.check_credentials()
    assert not isinstance(err.value, InvalidCredentials)
    assert err.value.code == "invalid_grant"


def test_throttling_waits_one_token_of_the_bucket(sandbox, conn):
    conn.check_credentials()
    sandbox.set_rate(CODE, rate=2, burst=1)
    conn.check_credentials()
    with pytest.raises(RateLimited) as err:
        conn.check_credentials()
    assert err.value.retry_after == 0.5
    assert err.value.code == "QuotaExceeded"
    assert err.value.request_id


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_retryable(sandbox, conn, status):
    conn.check_credentials()
    sandbox.set_faults(CODE, status_5xx=status, times=1)
    with pytest.raises(RetryableError) as err:
        conn.check_credentials()
    assert err.value.http_status == status
    assert err.value.code in ("InternalFailure", "ServiceUnavailable")


def test_lwa_outage_is_retryable(sandbox, conn):
    sandbox.set_faults(CODE, status_5xx=503, path_contains="/auth/o2/token", times=1)
    with pytest.raises(RetryableError):
        conn.check_credentials()


def test_timeout_and_dropped_connection_are_retryable(sandbox, make_connector):
    conn = make_connector(timeout=0.3)
    conn.check_credentials()
    sandbox.set_faults(CODE, latency_ms=1000, times=1)
    with pytest.raises(RetryableError, match="no answer"):
        conn.check_credentials()
    sandbox.set_faults(CODE, drop_connection=True, times=1)
    with pytest.raises(RetryableError):
        conn.check_credentials()


def test_malformed_json_is_retryable(sandbox, conn):
    conn.check_credentials()
    sandbox.set_faults(CODE, malformed_json=True, times=1)
    with pytest.raises(RetryableError, match="not valid JSON"):
        conn.check_credentials()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "m" * 201}, "title"),
        ({"title": ""}, "title"),
        ({"price": Decimal("0")}, "price"),
        ({"currency": "EUR"}, "price"),
        ({"quantity": -1}, "quantity"),
    ],
)
def test_invalid_submission_is_rejected_with_our_field_names(sandbox, conn, listing, overrides, field):
    with pytest.raises(Rejected) as err:
        conn.push_listing(listing(**overrides))
    assert list(err.value.field_errors) == [field]
    assert sandbox.items(CODE) == []


def test_lost_create_response_is_recovered_by_sku(sandbox, conn, listing):
    conn.check_credentials()
    sandbox.set_faults(CODE, lose_response_after_create=True, times=1)
    with pytest.raises(RetryableError):
        conn.push_listing(listing("MUG-LOST"))
    assert conn.find_by_sku("MUG-LOST").sku == "MUG-LOST"


def test_sandbox_log_masks_lwa_secrets(sandbox, conn):
    conn.check_credentials()
    text = str(sandbox.log(CODE))
    credentials = sandbox.account(CODE)["credentials"]
    assert "/auth/o2/token" in text
    assert credentials["lwa_client_secret"] not in text
    assert credentials["refresh_token"] not in text


def test_variants_are_refused_with_a_message(conn, listing):
    variant = VariantPayload(sku="MUG-S", price=Decimal("9"), quantity=1, options={"Size": "S"})
    with pytest.raises(Rejected) as err:
        conn.push_listing(listing(variants=(variant,)))
    assert list(err.value.field_errors) == ["variants"]
    assert "each variant" in err.value.message


def test_only_amazon_style_attribute_names_are_sent(sandbox, conn, listing):
    conn.push_listing(
        listing(attributes={"Material": "Stoneware", "material": "stoneware", "condition_type": "new_new"})
    )
    [item] = sandbox.items(CODE)
    assert item["attributes"]["material"] == [{"value": "stoneware", "marketplace_id": "ATVPDKIKX0DER"}]
    assert "Material" not in item["attributes"]


def test_website_authorisation_gives_a_working_refresh_token(sandbox):
    from urllib.parse import parse_qs, urlsplit

    import requests

    from syncing.connectors.amazon.client import AmazonClient, consent_url

    credentials = sandbox.account(CODE)["credentials"]
    url = consent_url(sandbox.url(CODE), application_id="amzn1.sp.solution.sandbox", state="st-1", beta=True)
    consent = requests.get(url, allow_redirects=False, timeout=5)
    assert consent.status_code == 302
    location = urlsplit(consent.headers["Location"])
    query = parse_qs(location.query)
    assert query["selling_partner_id"] == [sandbox.account(CODE)["shop_id"]]
    client = AmazonClient(
        base_url=sandbox.url(CODE),
        client_id=credentials["lwa_client_id"],
        client_secret=credentials["lwa_client_secret"],
        refresh_token="",
        timeout=5,
    )
    redirect_uri = f"{location.scheme}://{location.netloc}{location.path}"
    with pytest.raises(AuthExpired):
        client.exchange_code(query["spapi_oauth_code"][0], "https://elsewhere.example.com/cb")
    client.exchange_code(query["spapi_oauth_code"][0], redirect_uri)
    assert client.refresh_token.startswith("Atzr|")
    assert client.refresh_token != credentials["refresh_token"]
    client.access_token = ""
    client.exchange()
    assert client.access_token.startswith("Atza|")


def test_other_sellers_listings_are_denied(sandbox, saved_tokens):
    account = sandbox.account(CODE)
    config = ChannelConfig(
        base_url=sandbox.url(CODE), shop_id="A2OTHERSELLER", credentials=account["credentials"], timeout=5
    )
    conn = AmazonConnector(config, on_tokens=saved_tokens.append)
    with pytest.raises(InvalidCredentials) as err:
        conn.check_credentials()
    assert err.value.http_status == 403
    assert len(saved_tokens) == 1  # one token exchange, no refresh loop


def test_missing_credentials_are_named_before_any_request(sandbox, make_connector):
    conn = make_connector(credentials={"lwa_client_id": ""})
    with pytest.raises(InvalidCredentials, match="lwa_client_id") as err:
        conn.check_credentials()
    assert err.value.code == "missing_credentials"
    assert sandbox.log(CODE) == []
