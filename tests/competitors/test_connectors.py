"""The connectors' competitor calls against the sandbox over HTTP (Amazon getItemOffers + getCatalogItem, Etsy
getListing + findAllListingsActive) and the sandbox control API's bad input."""

from decimal import Decimal

import pytest
import requests

from syncing.connectors.base import NotFound, Rejected
from syncing.services.connection import connector_for

from .conftest import KETTLE, MUG_LISTING, SELLERS

pytestmark = pytest.mark.django_db


def test_amazon_observe_item_maps_offers_buy_box_and_rank(amazon, sandbox):
    sandbox.set_competitor("amazon", KETTLE, rank=321)
    seen = connector_for(amazon).observe_item(KETTLE.lower())
    assert (seen.item_id, seen.currency, seen.offer_count, seen.sales_rank) == (KETTLE, "USD", 3, 321)
    assert (seen.buy_box_price, seen.buy_box_seller, seen.lowest_price) == (
        Decimal("44.90"),
        SELLERS[0],
        Decimal("44.90"),
    )
    assert [(o.seller_id, o.landed, o.has_buy_box) for o in seen.offers] == [
        (SELLERS[0], Decimal("44.90"), True),
        (SELLERS[2], Decimal("52.00"), False),
        (SELLERS[1], Decimal("52.49"), False),
    ]
    assert seen.title.startswith("Acme KT-200")
    paths = [e["path"] for e in sandbox.log("amazon")]
    assert f"/products/pricing/v0/items/{KETTLE}/offers" in paths
    assert f"/catalog/2022-04-01/items/{KETTLE}" in paths


def test_amazon_unknown_asin_is_rejected(amazon):
    with pytest.raises(Rejected, match="not valid"):
        connector_for(amazon).observe_item("B000000000")


def test_etsy_observe_and_search_active_listings(etsy):
    connector = connector_for(etsy)
    seen = connector.observe_item(MUG_LISTING)
    assert (seen.currency, seen.lowest_price, seen.offers[0].quantity) == ("USD", Decimal("28.00"), 12)
    found = connector.search_active_listings("coffee mug")
    assert all("Mug" in m.title for m in found)
    assert len(found) == 3
    assert connector.search_active_listings("beanie")[0].title.startswith("Merino")  # the sold-out one is left out
    with pytest.raises(ValueError, match="needs keywords"):
        connector.search_active_listings("  ")


def test_etsy_bad_and_unknown_listing_ids(etsy):
    connector = connector_for(etsy)
    with pytest.raises(Rejected, match="is a number"):
        connector.observe_item("abc")
    with pytest.raises(NotFound):
        connector.observe_item("999")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param({"marketplace": "amazon", "item_id": "B000000000"}, "No catalog item", id="unknown_asin_case"),
        pytest.param(
            {"marketplace": "amazon", "item_id": KETTLE, "price": 5}, "'seller_id' is required", id="no_seller_case"
        ),
        pytest.param(
            {"marketplace": "amazon", "item_id": KETTLE, "rank": 0}, "'rank' must be at least 1", id="rank_case"
        ),
        pytest.param(
            {"marketplace": "amazon", "item_id": KETTLE, "seller_id": "NEW", "stock": 1},
            "send a 'price'",
            id="new_seller_without_price_case",
        ),
        pytest.param(
            {"marketplace": "amazon", "item_id": KETTLE, "seller_id": SELLERS[0], "price": "x"},
            "'price' must be a number",
            id="nan_case",
        ),
        pytest.param({"marketplace": "etsy", "item_id": MUG_LISTING, "rank": 3}, "no sales rank", id="etsy_rank_case"),
        pytest.param({"marketplace": "shopify", "item_id": "1"}, "no competing sellers", id="shopify_case"),
        pytest.param({"item_id": "1"}, "'marketplace' is required", id="no_marketplace_case"),
    ],
)
def test_the_control_api_refuses_bad_competitor_input(sandbox, data, message):
    response = requests.post(sandbox.base_url + "/_control/competitor", json=data, timeout=5)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_the_control_api_sets_price_stock_and_rank(sandbox):
    response = requests.post(sandbox.base_url + "/_control/competitor",
                             json={"marketplace": "amazon", "item_id": KETTLE, "seller_id": SELLERS[1], "price": 30,
                                   "stock": 4, "rank": 77}, timeout=5)  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.json()["competitor"]["price"] == 30.0
    data = {"marketplace": "etsy", "item_id": MUG_LISTING, "price": 19.5, "stock": 0}
    etsy = requests.post(sandbox.base_url + "/_control/competitor", json=data, timeout=5)
    assert etsy.json()["competitor"]["state"] == "sold_out"
