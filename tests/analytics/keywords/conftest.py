"""Fixtures of the keyword tests: an Amazon listing of a kettle with its own content (title, bullets, search
terms), a competitor linked to it with a title, a related product of the same category."""

import pytest

from competitors.models import Competitor
from competitors.services import competitor_create
from listings.models import Listing

KETTLE_ASIN = "B0KETTLE01"
KETTLE = {
    "title": "Electric Kettle 1.7 L, Stainless Steel",
    "bullet_point_1": "Boils water fast with 3000 W",
    "bullet_point_2": "Auto shut-off and boil-dry protection",
    "search_terms": "tea kettle hot water boiler",
}


@pytest.fixture
def amazon(make_channel):
    return make_channel("amazon", name="Amazon US")


@pytest.fixture
def kettle(make_listing, make_listable_product, amazon):
    product = make_listable_product(sku="KETTLE-1", **KETTLE)
    listing = make_listing(product=product, channel=amazon)
    Listing.objects.filter(pk=listing.pk).update(marketplace_ids={"sku": "KETTLE-1", "asin": KETTLE_ASIN})
    listing.refresh_from_db()
    return listing


@pytest.fixture
def make_rival(amazon):
    """A competitor linked to `listing` whose catalog title is `title` (as an observation would have set it)."""
    counter = iter(range(1, 100))

    def make(listing, title):
        competitor = competitor_create(channel=amazon, item_id=f"B0RIVAL{next(counter):03d}", listings=[listing])
        Competitor.objects.filter(pk=competitor.pk).update(title=title)
        return competitor

    return make
