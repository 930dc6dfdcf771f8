"""Issue 20, forms: a title over a limit is refused or flagged with the limit, the length and the marketplace."""

import pytest

from catalog.models import Product
from listings.readiness import listing_readiness
from listings.services import listing_update
from tests.catalog.factories import ProductFactory
from tests.catalog.test_views import _form_data

pytestmark = pytest.mark.django_db


def _too_long(listing):
    return [i for i in listing_readiness(listing) if i.code == "title_too_long"]


@pytest.mark.parametrize(("marketplace", "label", "limit"), [("etsy", "Etsy", 140), ("shopee", "Shopee", 100)])
def test_readiness_names_limit_length_marketplace_and_fix(make_listing, make_channel, marketplace, label, limit):
    listing = make_listing(channel=make_channel(marketplace))
    listing_update(listing=listing, title="T" * (limit + 7))

    [issue] = _too_long(listing)

    assert issue.message == (
        f"Title has {limit + 7} characters; {label} (channel {listing.channel.name}) allows at most {limit}."
    )
    assert issue.fix == f"Shorten this listing's title override by 7 characters (to {limit} at most)."
    assert issue.as_dict()["fix"] == issue.fix


def test_readiness_fix_points_at_the_product_title_when_inherited(make_listing, make_channel, make_listable_product):
    listing = make_listing(channel=make_channel("shopee"), product=make_listable_product(title="W" * 101))
    [issue] = _too_long(listing)
    assert issue.fix == (
        "Shorten the product title, or set a shorter title for this channel on the listing by 1 character "
        "(to 100 at most)."
    )


def test_listing_page_shows_the_message_and_the_fix(editor_client, make_listing, make_channel):
    listing = make_listing(channel=make_channel("etsy"))
    listing_update(listing=listing, title="T" * 150)
    page = editor_client.get(f"/listings/{listing.pk}/").content.decode()
    assert "Title has 150 characters; Etsy" in page
    assert "Fix: Shorten this listing" in page


def test_product_form_refuses_a_long_title_with_its_length_and_keeps_the_input(editor_client):
    product = ProductFactory(sku="LONG-1", title="Short")
    form = editor_client.get(f"/catalog/products/{product.pk}/edit/").content.decode()
    assert 'name="title" maxlength' not in form  # the browser must not cut a pasted title silently

    long_title = "Acme " + "x" * 295
    response = editor_client.post(
        f"/catalog/products/{product.pk}/edit/",
        _form_data(sku="LONG-1", title=long_title, brand="Kept brand", version=product.version),
    )

    assert response.status_code == 400  # the form again, with the errors
    page = response.content.decode()
    assert "The title has 300 characters; at most 255 fit." in page
    assert long_title in page  # nothing lost: the input comes back as typed
    assert "Kept brand" in page
    assert Product.objects.get(pk=product.pk).title == "Short"


def test_listing_override_form_names_the_marketplace_limit_and_refuses_over_500(editor_client, make_listing):
    listing = make_listing()
    page = editor_client.get(f"/listings/{listing.pk}/").content.decode()
    assert "Shopify allows at most 255 characters." in page
    response = editor_client.post(f"/listings/{listing.pk}/overrides/", {"title": "T" * 501})
    assert response.status_code in (200, 400)
    assert "The title has 501 characters; at most 500 fit." in response.content.decode()
