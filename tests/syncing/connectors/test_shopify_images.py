"""Shopify images carry their alt text (docs/marketplaces/shopify.md#mandatory-fields): connector, engine, sandbox."""

import pytest

from catalog.models import ProductImage
from syncing.connectors.base import Rejected
from syncing.connectors.shopify.mapping import media_input


@pytest.fixture
def shopify(connect):
    return connect("shopify")


def test_media_input_sends_each_alt_text_in_order():
    media = media_input(["https://a/1.png", "https://a/2.png"], ["Front of the mug", ""])
    assert [m["alt"] for m in media] == ["Front of the mug", ""]
    assert media_input(["https://a/1.png"])[0]["alt"] == ""
    assert len(media_input(["https://a/1.png"], ["x" * 600])[0]["alt"]) == 512


def test_the_sandbox_stores_the_alt_text(shopify, make_payload, sandbox):
    payload = make_payload(image_urls=("https://cdn.example.com/mug.png",), image_alts=("Blue mug, side view",))
    created = shopify.push_listing(payload)
    [item] = [i for i in sandbox.items("shopify") if i["id"] == created.external_id]
    assert [m["alt"] for m in item["media"]["nodes"]] == ["Blue mug, side view"]


def test_the_sandbox_refuses_an_alt_text_shopify_would_refuse(sandbox, shopify):
    from syncing.connectors.shopify.connector import M_CREATE

    media = [{"originalSource": "https://cdn.example.com/a.png", "mediaContentType": "IMAGE", "alt": "x" * 513}]
    with pytest.raises(Rejected, match="Alt must be a string"):
        shopify._mutate(M_CREATE, "productCreate", {"product": {"title": "T"}, "media": media})


@pytest.mark.django_db
def test_a_published_listing_sends_the_product_images_alt_text(make_sandbox_channel, make_listing, sandbox):
    from syncing.services import listings_publish
    from tests.syncing.engine.conftest import run_queue

    channel = make_sandbox_channel("shopify")
    listing = make_listing(channel=channel)
    ProductImage.objects.filter(product=listing.product).update(alt_text="Listable product on white")
    listings_publish(channel=channel, listing_ids=[listing.pk])
    run_queue()
    listing.refresh_from_db()
    [item] = [i for i in sandbox.items("shopify") if i["id"] == listing.external_id]
    assert [m["alt"] for m in item["media"]["nodes"]] == ["Listable product on white"]
