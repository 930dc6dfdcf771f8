"""Amazon market research calls (searchCatalogItems, getItemOffers) against the sandbox over real HTTP
(docs/marketplaces/amazon.md#catalog-and-pricing)."""

from decimal import Decimal

import pytest
import requests

from syncing.connectors.base import RateLimited, Rejected, RetryableError

CODE = "amazon"
KETTLE = "4006381333931"  # seeded: Acme KT-200 kettle, list price 59.99, offers 44.90 / 47.50 / 52.00 (+4.99 shipping)


@pytest.fixture
def conn(connect):
    return connect(CODE, currency="USD", language="en", country="US")


def test_search_by_gtin_finds_the_item_with_brand_category_identifiers_and_link(conn, sandbox):
    [match] = conn.search_catalog_items(gtin=KETTLE)
    assert match.title.startswith("Acme KT-200 Electric Kettle")
    assert (match.brand, match.model, match.category) == ("Acme", "KT-200", "Kettles")
    assert ("EAN", KETTLE) in match.identifiers
    assert match.link == f"https://www.amazon.com/dp/{match.item_id}"
    entry = [e for e in sandbox.log(CODE) if e["path"] == "/catalog/2022-04-01/items"][-1]
    assert entry["query"]["identifiersType"] == "EAN"
    assert "keywords" not in entry["query"]


def test_search_by_upc_and_gtin14_finds_the_same_item(conn):
    assert [m.item_id for m in conn.search_catalog_items(gtin="012345678905")] == [
        m.item_id for m in conn.search_catalog_items(gtin="00012345678905")
    ]


def test_search_by_keywords_ranks_the_best_match_first(conn):
    found = conn.search_catalog_items(keywords="SoundWave wireless headphones")
    assert found[0].title.startswith("SoundWave BT-100")
    assert conn.search_catalog_items(keywords="zebra trampoline") == []


def test_item_offers_give_lowest_buy_box_and_list_price(conn):
    [match] = conn.search_catalog_items(gtin=KETTLE)
    offers = conn.get_item_offers(match.item_id, "new")
    assert offers.offer_count == 3
    assert offers.currency == "USD"
    assert offers.lowest_price == Decimal("44.90")
    assert offers.buy_box_price == Decimal("44.90")
    assert offers.list_price == Decimal("59.99")
    assert sorted(offers.prices) == [Decimal("44.90"), Decimal("52.00"), Decimal("52.49")]
    assert conn.get_item_offers(match.item_id, "used").offer_count == 0


def test_items_and_offers_added_through_the_control_api_are_found(conn, sandbox):
    response = requests.post(
        sandbox.url(CODE) + "/_control/catalog",
        json={"items": [{"gtin": "9780201379624", "title": "Widget Pro 9000", "brand": "Widgets",
                         "category": "Gadgets", "offers": [{"price": 10}, {"price": 12, "shipping": 1}]}]},
        timeout=5,
    )  # fmt: skip
    assert response.status_code == 200, response.text
    [asin] = response.json()["asins"]
    [match] = conn.search_catalog_items(keywords="widget pro")
    assert match.item_id == asin
    offers = conn.get_item_offers(asin)
    assert (offers.offer_count, offers.lowest_price, offers.list_price) == (2, Decimal("10.00"), None)


def test_a_search_without_gtin_or_keywords_is_refused_before_sending(conn):
    with pytest.raises(ValueError, match="GTIN or keywords"):
        conn.search_catalog_items()


def test_unknown_asin_is_rejected_by_the_marketplace(conn):
    with pytest.raises(Rejected, match="not valid"):
        conn.get_item_offers("B000000000")


def test_throttled_search_raises_rate_limited_with_the_wait(conn, sandbox):
    sandbox.set_rate(CODE, 0.5, 1)
    conn.search_catalog_items(gtin=KETTLE)
    with pytest.raises(RateLimited) as caught:
        conn.search_catalog_items(gtin=KETTLE)
    assert caught.value.retry_after == pytest.approx(2.0)


def test_server_error_is_retryable(conn, sandbox):
    sandbox.set_faults(CODE, status_5xx=503, times=1, path_contains="/catalog/")
    with pytest.raises(RetryableError, match="503"):
        conn.search_catalog_items(gtin=KETTLE)
    assert conn.search_catalog_items(gtin=KETTLE)
