"""Amazon SP-API connector against the sandbox over real HTTP (docs/marketplaces/amazon.md)."""

from decimal import Decimal

import pytest

from syncing.connectors.amazon.connector import AmazonConnector
from syncing.connectors.base import (
    AuthExpired,
    InvalidCredentials,
    NotFound,
    Rejected,
    RetryableError,
    VariantPayload,
)

CODE = "amazon"


# What an Amazon listing needs beyond the shared payload (conftest.make_payload), and what it leaves out.
LISTING = {
    "description": "Stoneware, dishwasher safe.",
    "currency": "USD",
    "category_id": "DRINKING_CUP",
    "weight_grams": None,
    "length_mm": None,
    "width_mm": None,
    "height_mm": None,
}


@pytest.fixture
def make_connector(connect):
    def make(**options):
        return connect(CODE, currency="USD", language="en", country="US", **options)

    return make


@pytest.fixture
def conn(make_connector):
    return make_connector()


@pytest.fixture
def listing(make_payload):
    def build(sku="MUG-001", **overrides):
        return make_payload(**{"sku": sku, "title": f"Ceramic coffee mug 350 ml {sku}", **LISTING, **overrides})

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


def test_deactivate_zeroes_stock_and_delete_removes(conn, listing):
    conn.push_listing(listing())
    conn.deactivate_listing("MUG-001")
    remote = conn.get_listing("MUG-001")
    assert (remote.status, remote.quantity, remote.raw_status) == ("inactive", 0, "DISCOVERABLE")
    conn.delete_listing("MUG-001")
    with pytest.raises(NotFound):
        conn.get_listing("MUG-001")


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


def test_lwa_outage_is_retryable(sandbox, conn):
    sandbox.set_faults(CODE, status_5xx=503, path_contains="/auth/o2/token", times=1)
    with pytest.raises(RetryableError):
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


def test_a_family_of_a_product_type_without_themes_is_refused_with_a_message(conn, listing):
    variant = VariantPayload(sku="MUG-S", price=Decimal("9"), quantity=1, options={"Size": "S"})
    with pytest.raises(Rejected) as err:
        conn.push_listing(listing(variants=(variant,), category_id="PRODUCT"))
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


def test_other_sellers_listings_are_denied(sandbox, connect, saved_tokens):
    conn = connect(CODE, account={**sandbox.account(CODE), "shop_id": "A2OTHERSELLER"})
    with pytest.raises(InvalidCredentials) as err:
        conn.check_credentials()
    assert err.value.http_status == 403
    assert len(saved_tokens) == 1  # one token exchange, no refresh loop
