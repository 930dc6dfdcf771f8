"""Readiness knows what each marketplace requires on a create (connector ListingRules;
docs/marketplaces/<code>.md#mandatory-fields)."""

import pytest

from catalog.services import variant_create
from listings.readiness import listing_readiness

pytestmark = pytest.mark.django_db


def _blocking(listing):
    return sorted(i.code for i in listing_readiness(listing) if i.is_blocking)


def test_lazada_needs_the_package_size_and_weight(make_listing, make_channel, make_listable_product):
    product = make_listable_product(weight_grams=None, length_mm=None, width_mm=None, height_mm=0)
    listing = make_listing(product=product, channel=make_channel("lazada"))
    assert _blocking(listing) == ["height_mm_missing", "length_mm_missing", "weight_grams_missing", "width_mm_missing"]
    [issue] = [i for i in listing_readiness(listing) if i.code == "length_mm_missing"]
    assert issue.message == "Lazada requires the package length; the product has none."


def test_lazada_refuses_packages_over_40_kg(make_listing, make_channel, make_listable_product):
    listing = make_listing(product=make_listable_product(weight_grams=40_001), channel=make_channel("lazada"))
    assert _blocking(listing) == ["weight_too_heavy"]


@pytest.mark.parametrize(("country", "blocked"), [("TH", True), ("US", False)], ids=["th_case", "us_case"])
def test_tiktok_titles_are_25_characters_outside_the_full_title_regions(make_listing, make_channel, country, blocked):
    channel = make_channel("tiktok", country=country, currency="THB" if country == "TH" else "USD")
    listing = make_listing(channel=channel, title="Short title of 20 ch")
    assert ("title_too_short" in _blocking(listing)) is blocked


def test_shopee_and_shopify_take_a_one_option_family(make_listing, make_channel, make_listable_product):
    # variation families: tests/listings/test_readiness_families.py
    product = make_listable_product()
    variant_create(product=product, sku=f"{product.sku}-S", options={"Size": "S"}, quantity=3)
    for code in ("shopee", "shopify"):
        assert _blocking(make_listing(product=product, channel=make_channel(code))) == []


def test_shopee_description_bounds(make_listing, make_channel, make_listable_product):
    listing = make_listing(product=make_listable_product(description="<p>T</p>"), channel=make_channel("shopee"))
    assert _blocking(listing) == ["description_too_short"]


def test_etsy_and_tiktok_create_only_with_stock(make_listing, make_channel, make_listable_product):
    listing = make_listing(product=make_listable_product(quantity=0), channel=make_channel("etsy"))
    assert _blocking(listing) == ["quantity_too_low_to_create"]
    listing.external_id = "123"  # an existing item may run out of stock: only the create needs it
    assert _blocking(listing) == []
