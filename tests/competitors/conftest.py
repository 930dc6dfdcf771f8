"""Fixtures of the competitors tests: Amazon and Etsy channels on the test sandbox, the seeded kettle ASIN and its
sellers (syncing/sandbox/marketplaces/amazon_catalog.py), a competitor factory."""

import pytest

from competitors.services import competitor_create
from syncing.sandbox.marketplaces.amazon_catalog import _seller_id, asin_for
from syncing.sandbox.marketplaces.etsy_market import FIRST_LISTING_ID

KETTLE = asin_for("4006381333931")  # offers 44.90 (seller 0, buy box) / 47.50 + 4.99 (seller 1) / 52.00 (seller 2)
SELLERS = [_seller_id(n) for n in range(3)]
MUG_LISTING = str(FIRST_LISTING_ID)  # Etsy: "Handmade Ceramic Coffee Mug", 28.00 USD, 12 in stock


@pytest.fixture
def amazon(make_sandbox_channel):
    return make_sandbox_channel("amazon")


@pytest.fixture
def etsy(make_sandbox_channel):
    return make_sandbox_channel("etsy")


@pytest.fixture
def make_competitor(amazon):
    def make(**fields):
        data = {"channel": amazon, "item_id": KETTLE}
        return competitor_create(**(data | fields))

    return make
