"""The Amazon sandbox's catalog of other sellers' items and offers over raw HTTP, in the vendor shapes
(docs/sandbox.md#amazon-catalog)."""

import pytest
import requests

from syncing.sandbox.marketplaces.amazon_catalog import asin_for

from .test_amazon import MARKET, lwa

KETTLE = "4006381333931"


@pytest.fixture
def get(sandbox):
    token = lwa(sandbox).json()["access_token"]

    def call(path, token=token, **params):
        headers = {"x-amz-access-token": token} if token else {}
        return requests.get(sandbox.url("amazon") + path, params=params, headers=headers, timeout=5)

    return call


def test_search_answer_is_not_wrapped_in_payload_and_has_per_marketplace_arrays(get):
    answer = get("/catalog/2022-04-01/items", marketplaceIds=MARKET, identifiers=KETTLE, identifiersType="EAN",
                 includedData="summaries,identifiers,salesRanks")  # fmt: skip
    assert answer.status_code == 200
    data = answer.json()
    assert "payload" not in data
    assert data["numberOfResults"] == 1
    [item] = data["items"]
    assert item["asin"] == asin_for(KETTLE)
    [summary] = item["summaries"]
    assert summary["marketplaceId"] == MARKET
    assert summary["browseClassification"] == {"displayName": "Kettles", "classificationId": "289913"}
    assert {"identifierType": "GTIN", "identifier": "0" + KETTLE} in item["identifiers"][0]["identifiers"]
    assert item["salesRanks"][0]["classificationRanks"][0]["rank"] > 0
    assert answer.headers["x-amzn-RateLimit-Limit"]


def test_search_refuses_both_or_neither_identifiers_and_keywords(get):
    both = get("/catalog/2022-04-01/items", marketplaceIds=MARKET, identifiers=KETTLE, identifiersType="EAN",
               keywords="kettle")  # fmt: skip
    neither = get("/catalog/2022-04-01/items", marketplaceIds=MARKET)
    no_type = get("/catalog/2022-04-01/items", marketplaceIds=MARKET, identifiers=KETTLE)
    for answer in (both, neither, no_type):
        assert answer.status_code == 400
        assert answer.json()["errors"][0]["code"] == "InvalidInput"


def test_offers_are_in_a_payload_with_numeric_amounts_and_the_cheapest_wins_the_buy_box(get):
    answer = get(f"/products/pricing/v0/items/{asin_for(KETTLE)}/offers", MarketplaceId=MARKET, ItemCondition="New")
    assert answer.status_code == 200
    result = answer.json()["payload"]
    assert result["Identifier"] == {"MarketplaceId": MARKET, "ASIN": asin_for(KETTLE), "ItemCondition": "New"}
    summary = result["Summary"]
    assert summary["TotalOfferCount"] == 3
    assert summary["ListPrice"] == {"CurrencyCode": "USD", "Amount": 59.99}
    assert summary["BuyBoxPrices"][0]["LandedPrice"]["Amount"] == 44.9
    winners = [o for o in result["Offers"] if o["IsBuyBoxWinner"]]
    assert [w["ListingPrice"]["Amount"] for w in winners] == [44.9]
    missing = get(f"/products/pricing/v0/items/{asin_for(KETTLE)}/offers", MarketplaceId=MARKET)
    assert missing.status_code == 400


def test_catalog_calls_need_a_valid_access_token(get):
    answer = get("/catalog/2022-04-01/items", token="", marketplaceIds=MARKET, keywords="kettle")
    assert answer.status_code == 403
    assert answer.json()["errors"][0]["code"] == "Unauthorized"


def test_control_adds_items_and_refuses_bad_ones(sandbox, get):
    url = sandbox.url("amazon") + "/_control/catalog"
    bad = requests.post(url, json={"items": [{"gtin": "12", "title": "x"}]}, timeout=5)
    assert bad.status_code == 400
    assert "gtin" in bad.json()["error"]
    added = requests.post(url, json={"clear": True, "items": [{"gtin": "9780201379624", "title": "Only one"}]},
                          timeout=5)  # fmt: skip
    assert added.json() == {"asins": [asin_for("9780201379624")], "items": 1}
    found = get("/catalog/2022-04-01/items", marketplaceIds=MARKET, keywords="kettle").json()
    assert found["items"] == []
    # and a reset brings the seeded catalog back
    sandbox.reset("amazon")
    token = lwa(sandbox).json()["access_token"]
    assert get("/catalog/2022-04-01/items", token=token, marketplaceIds=MARKET, keywords="kettle").json()["items"]
