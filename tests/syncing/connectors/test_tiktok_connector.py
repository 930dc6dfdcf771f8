"""TikTok Shop connector against the sandbox over real HTTP (docs/marketplaces/tiktok.md)."""

from decimal import Decimal

import pytest

from syncing.connectors.base import (
    AuthExpired,
    InvalidCredentials,
    NotFound,
    OfferUpdate,
    Rejected,
)

CODE = "tiktok"


# What a TikTok listing needs beyond the shared payload (conftest.make_payload), and what it leaves out.
LISTING = {
    "description": "<p>Holds 350 ml.</p>",
    "currency": "USD",
    "category_id": "600123",
    "weight_grams": 450,
    "brand": "",
    "length_mm": None,
    "width_mm": None,
    "height_mm": None,
}


@pytest.fixture
def conn(connect):
    return connect(CODE, currency="USD")


@pytest.fixture
def listing(make_payload):
    def build(sku="MUG-001", **overrides):
        return make_payload(**{"sku": sku, "title": f"Blue ceramic mug {sku}", **LISTING, **overrides})

    return build


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


def test_request_log_masks_the_signature(sandbox, conn):
    conn.check_credentials()
    entries = sandbox.log(CODE)
    assert entries
    assert entries[-1]["query"]["sign"] == "***"


def test_package_dimensions_are_sent_in_centimetres(sandbox, conn, listing):
    conn.push_listing(listing(length_mm=120, width_mm=90, height_mm=105))
    [item] = sandbox.items(CODE)
    assert item["package_weight"] == {"value": "0.450", "unit": "KILOGRAM"}
    created = [e for e in sandbox.log(CODE) if e["path"] == "/product/202309/products"][0]
    assert (
        '"package_dimensions": {"length": "12.0", "width": "9.0", "height": "10.5", "unit": "CENTIMETER"}'
        in (created["body"])
    )


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


def test_unknown_shop_cipher_is_invalid_credentials(connect):
    conn = connect(CODE, currency="USD", credentials={"shop_cipher": "ROW_someone_else"})
    with pytest.raises(InvalidCredentials, match="shop_cipher"):
        conn.check_credentials()
