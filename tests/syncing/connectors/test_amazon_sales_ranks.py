"""Best-seller ranks of our own ASINs: the sandbox's `salesRanks` in the documented shape (getCatalogItem and
searchCatalogItems by ASIN) and `AmazonConnector.sales_ranks`, over real HTTP
(docs/marketplaces/amazon.md#best-seller-rank)."""

from decimal import Decimal

import pytest
import requests

from syncing.connectors.amazon.catalog import ClassificationRank, item_sales_ranks, sales_rank_params
from syncing.connectors.base import RateLimited

CODE = "amazon"
DAY = 86400


@pytest.fixture
def conn(connect):
    return connect(CODE, currency="USD", language="en", country="US")


@pytest.fixture
def asins(conn, make_payload):
    """Two of our listings, processed (live) in the sandbox, by ASIN."""
    out = []
    for sku in ("MUG-001", "MUG-002"):
        conn.push_listing(make_payload(sku=sku, currency="USD", price=Decimal("12.50")))
        out.append(conn.get_listing(sku).raw["summaries"][0]["asin"])
    return out


def pin(sandbox, entries):
    response = requests.post(sandbox.url(CODE) + "/_control/catalog", json={"sales_ranks": entries}, timeout=5)
    assert response.status_code == 200, response.text
    return response


def test_get_catalog_item_of_our_asin_answers_sales_ranks_in_the_documented_shape(conn, asins, sandbox):
    item = conn._raw_call("GET", f"/catalog/2022-04-01/items/{asins[0]}",
                          params={"marketplaceIds": conn.marketplace_id, "includedData": "salesRanks"})  # fmt: skip

    [ranks] = item["salesRanks"]
    assert ranks["marketplaceId"] == conn.marketplace_id
    assert [sorted(r) for r in ranks["classificationRanks"]] == [["classificationId", "link", "rank", "title"]] * 2
    assert sorted(ranks["displayGroupRanks"][0]) == ["link", "rank", "title", "websiteDisplayGroup"]
    broad, leaf = ranks["classificationRanks"]
    assert leaf["rank"] < broad["rank"]  # the broad node is listed first: a reader must pick the lowest


def test_sales_ranks_reads_many_asins_in_one_call_and_picks_the_lowest_classification_rank(conn, asins, sandbox):
    pin(sandbox, [{"asin": asins[0], "classification_ranks": [{"title": "Kitchen", "rank": 900},
                                                              {"title": "Coffee Mugs", "rank": 37}],
                   "display_group_ranks": [{"title": "Home & Kitchen", "rank": 5}]}])  # fmt: skip
    before = len([e for e in sandbox.log(CODE) if e.get("op") == "searchCatalogItems"])

    found = {r.asin: r for r in conn.sales_ranks([asins[0], asins[1].lower(), "B000000000"])}

    assert set(found) == set(asins)  # an ASIN Amazon does not know is simply absent
    assert found[asins[0]].best == ClassificationRank(found[asins[0]].best.classification_id, "Coffee Mugs", 37)
    assert found[asins[1]].best.rank >= 1  # display group ranks (5 above) are never the BSR
    calls = [e for e in sandbox.log(CODE) if e.get("op") == "searchCatalogItems"][before:]
    assert len(calls) == 1
    assert calls[0]["query"]["identifiersType"] == "ASIN"


def test_an_unranked_asin_has_no_best_rank(conn, asins, sandbox):
    pin(sandbox, [{"asin": asins[0], "classification_ranks": []}])

    [ranked] = conn.sales_ranks([asins[0]])

    assert (ranked.ranks, ranked.best) == ((), None)


def test_hashed_ranks_stay_put_within_a_day_and_move_over_days(conn, asins, sandbox):
    first = conn.sales_ranks(asins)
    sandbox.advance_clock(60)
    assert conn.sales_ranks(asins) == first
    seen = {tuple(r.best.rank for r in first)}
    for _ in range(4):
        sandbox.advance_clock(DAY)
        seen.add(tuple(r.best.rank for r in conn.sales_ranks(asins)))
    assert len(seen) > 1


def test_throttled_search_is_rate_limited(conn, asins, sandbox):
    seller = sandbox.account(CODE)["shop_id"]
    sandbox.set_rate(CODE, rate=0.0001, burst=1, shop_id=f"{seller}:searchCatalogItems")
    conn.sales_ranks(asins)

    with pytest.raises(RateLimited):
        conn.sales_ranks(asins)


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([{"classification_ranks": []}], "needs 'asin'"),
        ([{"asin": "B0X", "classification_ranks": [{"title": "Mugs", "rank": 0}]}], "at least 1"),
        ([{"asin": "B0X", "classification_ranks": [{"title": "Mugs", "rank": "7"}]}], "whole number"),
    ],
    ids=["no_asin_case", "zero_case", "text_case"],
)
def test_bad_pinned_ranks_are_refused_naming_the_problem(sandbox, entries, message):
    response = requests.post(sandbox.url(CODE) + "/_control/catalog", json={"sales_ranks": entries}, timeout=5)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_mapping_ignores_bad_rank_entries_and_more_than_twenty_asins_are_refused():
    item = {"asin": "B0A", "salesRanks": [{"marketplaceId": "M", "classificationRanks": [
        {"classificationId": "1", "title": "A", "rank": "12"}, {"classificationId": "2", "title": "B", "rank": 0},
        {"classificationId": "3", "title": "C", "rank": 44}]}]}  # fmt: skip
    assert item_sales_ranks(item, "M").ranks == (ClassificationRank("3", "C", 44),)
    with pytest.raises(ValueError, match="1 to 20 ASINs"):
        sales_rank_params("M", [f"B0{i:08d}" for i in range(21)])
