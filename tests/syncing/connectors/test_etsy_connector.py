"""Etsy connector against the sandbox over real HTTP (docs/marketplaces/etsy.md)."""

from decimal import Decimal

import pytest

from syncing.connectors.base import (
    AuthExpired,
    NotFound,
    OfferUpdate,
    RateLimited,
    Rejected,
    VariantPayload,
)

CODE = "etsy"


# What an Etsy listing needs beyond the shared payload (conftest.make_payload), and what it leaves out.
LISTING = {
    "description": "Stoneware, 350 ml.",
    "price": Decimal("24.00"),
    "currency": "USD",
    "quantity": 5,
    "category_id": "1062",
    "attributes": {"tags": "mug,stoneware"},
    "brand": "",
    "weight_grams": None,
    "length_mm": None,
    "width_mm": None,
    "height_mm": None,
}


@pytest.fixture
def make_connector(connect):
    def make(**options):
        return connect(CODE, currency="USD", **options)

    return make


@pytest.fixture
def conn(make_connector):
    return make_connector()


@pytest.fixture
def listing(make_payload):
    def build(sku="MUG-001", **overrides):
        return make_payload(**{"sku": sku, "title": f"Hand thrown mug {sku}", **LISTING, **overrides})

    return build


def test_check_credentials_and_rate_headers(conn):
    conn.check_credentials()
    assert conn.client.last_rate["x-limit-per-second"] == "1000"
    assert int(conn.client.last_rate["x-remaining-today"]) == 9_999


def test_create_publishes_and_reads_back(sandbox, conn, listing):
    result = conn.push_listing(listing())
    assert (result.status, result.raw_status) == ("live", "active")
    assert result.external_url.startswith("https://www.etsy.com/listing/")
    remote = conn.get_listing(result.external_id)
    assert (remote.sku, remote.price, remote.quantity, remote.title) == (
        "MUG-001",
        Decimal("24"),
        5,
        "Hand thrown mug MUG-001",
    )
    [stored] = sandbox.items(CODE)
    assert stored["tags"] == ["mug", "stoneware"]
    assert stored["state"] == "active"


def test_update_changes_fields_and_inventory(conn, listing):
    listing_id = conn.push_listing(listing()).external_id
    result = conn.push_listing(
        listing(external_id=listing_id, title="Hand thrown mug, blue", price=Decimal("26.50"), quantity=9)
    )
    assert result.external_id == listing_id
    remote = conn.get_listing(listing_id)
    assert (remote.title, remote.price, remote.quantity, remote.status) == (
        "Hand thrown mug, blue",
        Decimal("26.5"),
        9,
        "live",
    )


def test_variants_become_inventory_products(conn, listing):
    variants = (
        VariantPayload(sku="MUG-S", price=Decimal("20"), quantity=2, options={"Size": "Small"}),
        VariantPayload(sku="MUG-L", price=Decimal("30"), quantity=3, options={"Size": "Large"}),
    )
    listing_id = conn.push_listing(listing(variants=variants)).external_id
    remote = conn.get_listing(listing_id)
    assert remote.raw["skus"] == ["MUG-S", "MUG-L"]
    assert (remote.price, remote.quantity) == (Decimal("20"), 5)
    results = conn.update_offers([OfferUpdate(sku="MUG-L", external_id=listing_id, price=Decimal("35"), quantity=1)])
    assert results[0].ok
    assert conn.get_listing(listing_id).quantity == 3


def test_restock_to_zero_sells_out(conn, listing):
    listing_id = conn.push_listing(listing()).external_id
    assert conn.update_offers([OfferUpdate(sku="MUG-001", external_id=listing_id, quantity=0)])[0].ok
    remote = conn.get_listing(listing_id)
    assert (remote.raw_status, remote.status) == ("sold_out", "inactive")


def test_find_by_sku_across_states(conn, listing):
    active = conn.push_listing(listing("MUG-A")).external_id
    inactive = conn.push_listing(listing("MUG-B")).external_id
    conn.deactivate_listing(inactive)
    assert conn.find_by_sku("MUG-A").external_id == active
    assert conn.find_by_sku("MUG-B").external_id == inactive
    assert conn.find_by_sku("MUG-C") is None


def test_deactivate_and_delete(conn, listing):
    listing_id = conn.push_listing(listing()).external_id
    conn.deactivate_listing(listing_id)
    assert conn.get_listing(listing_id).raw_status == "inactive"
    conn.delete_listing(listing_id)
    with pytest.raises(NotFound) as err:
        conn.get_listing(listing_id)
    assert err.value.http_status == 404
    assert err.value.request_id


def test_daily_quota_waits_for_the_window(sandbox, make_connector):
    credentials = {**sandbox.account(CODE)["credentials"], "access_token": "5550002.a", "refresh_token": "5550002.r"}
    sandbox.add_account(CODE, "5550002", credentials, daily_limit=2)
    conn = make_connector(account={"shop_id": "5550002", "credentials": credentials})
    conn.check_credentials()
    conn.check_credentials()
    assert conn.client.last_rate["x-remaining-today"] == "0"
    with pytest.raises(RateLimited) as err:
        conn.check_credentials()
    assert 86_000 < err.value.retry_after <= 86_400


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "m" * 141}, "title"),
        ({"title": "Mug: 100% & more: 50%"}, "title"),
        ({"category_id": ""}, "category_id"),
        ({"price": Decimal("0")}, "price"),
        ({"attributes": {"tags": ",".join(f"t{n}" for n in range(14))}}, "attributes"),
        ({"image_urls": ()}, "images"),
    ],
)
def test_validation_rejection_maps_fields(conn, listing, overrides, field):
    with pytest.raises(Rejected) as err:
        conn.push_listing(listing(**overrides))
    assert list(err.value.field_errors) == [field]
    assert err.value.http_status == 400


def test_saved_tokens_are_used_and_refreshed_before_expiry(sandbox, make_connector, saved_tokens):
    sandbox.expire_tokens(CODE, sandbox.account(CODE)["shop_id"], "access")
    make_connector().check_credentials()
    stored = saved_tokens[0]
    assert float(stored["access_token_expires_at"]) > 0
    make_connector(credentials=stored).check_credentials()
    assert len(saved_tokens) == 1
    make_connector(credentials={**stored, "access_token_expires_at": "1000"}).check_credentials()
    assert len(saved_tokens) == 2
    assert [e["path"] for e in sandbox.log(CODE)][-2:] == ["/v3/public/oauth/token", "/v3/application/shops/5550001"]


def test_failed_image_leaves_a_draft_that_find_by_sku_finds(sandbox, conn, listing):
    with pytest.raises(Rejected) as err:
        conn.push_listing(listing("MUG-DRAFT", image_urls=(sandbox.base_url + "/_static/missing.gif",)))
    assert list(err.value.field_errors) == ["images"]
    draft = conn.find_by_sku("MUG-DRAFT")
    assert draft is not None
    assert draft.raw_status == "draft"
    finished = conn.push_listing(listing("MUG-DRAFT", external_id=draft.external_id))
    assert (finished.external_id, finished.status) == (draft.external_id, "live")
    [item] = sandbox.items(CODE)
    assert item["state"] == "active"


def test_one_product_listing_is_updated_even_after_a_sku_edit(sandbox, conn, listing):
    listing_id = conn.push_listing(listing("MUG-001")).external_id
    module = sandbox.sandbox.modules[CODE]
    with module.lock:
        module.listings[listing_id]["_inventory"]["products"][0]["sku"] = "RENAMED-ON-ETSY"
    [result] = conn.update_offers([OfferUpdate(sku="MUG-001", external_id=listing_id, price=Decimal("30"))])
    assert result.ok
    remote = conn.get_listing(listing_id)
    assert remote.price == Decimal("30")
    assert remote.raw["skus"] == ["RENAMED-ON-ETSY"]


def test_authorisation_code_flow_with_pkce(sandbox):
    from urllib.parse import parse_qs, urlsplit

    import requests

    from syncing.connectors.etsy.client import LISTING_SCOPES, EtsyClient, authorize_url, pkce_verifier

    account = sandbox.account(CODE)
    verifier = pkce_verifier()
    url = authorize_url(
        sandbox.url(CODE),
        client_id=account["credentials"]["api_key"],
        redirect_uri="https://lm.example.com/channels/etsy/callback",
        scopes=LISTING_SCOPES,
        state="st-123",
        verifier=verifier,
    )
    consent = requests.get(url, allow_redirects=False, timeout=5)
    assert consent.status_code == 302
    location = urlsplit(consent.headers["Location"])
    assert location.netloc == "lm.example.com"
    query = parse_qs(location.query)
    assert query["state"] == ["st-123"]
    client = EtsyClient(
        base_url=sandbox.url(CODE),
        api_key=account["credentials"]["api_key"],
        shared_secret=account["credentials"]["shared_secret"],
        access_token="",
        timeout=5,
    )
    with pytest.raises(AuthExpired) as err:
        client.exchange_code(query["code"][0], pkce_verifier(), "https://lm.example.com/channels/etsy/callback")
    assert err.value.code == "invalid_grant"
    tokens = client.exchange_code(query["code"][0], verifier, "https://lm.example.com/channels/etsy/callback")
    assert tokens["access_token"].startswith("5550001.")
    assert client.call("GET", f"/shops/{account['shop_id']}")["shop_id"] == 5550001
    with pytest.raises(AuthExpired):  # codes are single-use
        client.exchange_code(query["code"][0], verifier, "https://lm.example.com/channels/etsy/callback")


def test_live_authorize_url_points_at_etsy():
    from syncing.connectors.etsy.client import authorize_url

    url = authorize_url(
        "https://api.etsy.com",
        client_id="key",
        redirect_uri="https://lm.example.com/cb",
        scopes=("listings_r", "listings_w"),
        state="s",
        verifier="vvkdljkejllufrvbhgeiegrnvufrhvrffnkvcknjvfid",
    )
    assert url.startswith("https://www.etsy.com/oauth/connect?response_type=code&client_id=key&")
    assert "scope=listings_r%20listings_w" in url
    assert "code_challenge=DSWlW2Abh-cf8CeLL8-g3hQ2WQyYdKyiu83u_s7nRhI&code_challenge_method=S256" in url
