from decimal import Decimal

import pytest

from catalog.demo import demo_image
from catalog.services import image_add, product_update, variant_create
from channels.services import attribute_value_mapping_set, category_mapping_set
from listings.selectors import listing_get_for_sync, listing_list, listing_payload_build, listing_payload_hash
from listings.services import listing_create, listing_sync_state_set, listing_update
from syncing.connectors.base import ListingPayload, VariantPayload

pytestmark = pytest.mark.django_db


def _url(image):
    return f"https://cdn.example.com/{image.pk}.png"


def test_payload_carries_effective_values_and_the_mapped_category(make_listing, make_listable_product, make_channel):
    # given
    channel = make_channel("lazada", price_currency_rate=Decimal("4.4"), price_rounding_ending=Decimal("0.90"))
    product = make_listable_product(
        title="Mug",
        price="10.00",
        quantity=8,
        brand="Acme",
        barcode="4006381333931",
        weight_grams=350,
        length_mm=120,
        width_mm=90,
        height_mm=100,
    )
    listing = make_listing(product=product, channel=channel, map_category=False)
    category_mapping_set(channel=channel, category=product.category, external_category_id="LZ-1234")
    # when
    payload = listing_payload_build(listing, image_url=_url)
    # then
    assert payload == ListingPayload(
        sku=product.sku,
        title="Mug",
        description=product.description,
        price=Decimal("44.90"),
        currency="MYR",
        quantity=8,
        external_id="",
        brand="Acme",
        barcode="4006381333931",
        category_id="LZ-1234",
        image_urls=(f"https://cdn.example.com/{product.images.get().pk}.png",),
        image_alts=("Mug",),
        attributes={},
        variants=(),
        compare_at_price=None,
        weight_grams=350,
        length_mm=120,
        width_mm=90,
        height_mm=100,
    )


def test_attribute_values_and_variant_options_are_mapped(make_listing, make_listable_product, channel):
    product = make_listable_product(attributes={"material": "Stainless steel"})
    variant_create(product=product, sku=f"{product.sku}-XL", options={"Size": "X-Large"}, quantity=3, price="25.00")
    variant_create(product=product, sku=f"{product.sku}-M", options={"Size": "M"}, quantity=0)
    attribute_value_mapping_set(
        channel=channel, attribute_code="material", our_value="Stainless steel", marketplace_value="steel"
    )
    attribute_value_mapping_set(channel=channel, attribute_code="size", our_value="X-Large", marketplace_value="XL")
    payload = listing_payload_build(make_listing(product=product, channel=channel), image_url=_url)
    assert payload.attributes == {"material": "steel"}
    assert payload.quantity == 3
    assert payload.variants == (
        VariantPayload(sku=f"{product.sku}-XL", price=Decimal("25.00"), quantity=3, options={"Size": "XL"}),
        VariantPayload(sku=f"{product.sku}-M", price=Decimal("20.00"), quantity=0, options={"Size": "M"}),
    )


def test_variant_listing_payload_is_the_variant(make_listing, make_listable_product, channel):
    product = make_listable_product()
    variant = variant_create(
        product=product, sku=f"{product.sku}-S", options={"Size": "S"}, quantity=2, barcode="96385074"
    )
    make_listing(product=product, channel=channel)
    payload = listing_payload_build(listing_create(product=product, variant=variant, channel=channel), image_url=_url)
    assert (payload.sku, payload.barcode, payload.quantity, payload.variants) == (variant.sku, "96385074", 2, ())
    assert payload.attributes == {"Size": "S"}


def test_images_are_capped_at_the_channel_maximum_main_first(make_listing, make_channel):
    listing = make_listing(channel=make_channel("shopify", max_images=1))
    second = image_add(product=listing.product, upload=demo_image((1, 2, 3), 5), filename="b.png", is_primary=True)
    payload = listing_payload_build(listing, image_url=_url)
    assert payload.image_urls == (f"https://cdn.example.com/{second.pk}.png",)


def test_default_image_url_is_the_media_url(ready_listing, settings):
    payload = listing_payload_build(ready_listing)
    assert payload.image_urls[0].startswith(settings.MEDIA_URL)


def test_hash_is_stable_and_changes_with_content(ready_listing):
    first = listing_payload_hash(listing_payload_build(ready_listing, image_url=_url))
    again = listing_payload_hash(listing_payload_build(ready_listing, image_url=_url))
    assert first == again
    assert len(first) == 64
    listing_update(listing=ready_listing, price=Decimal("99.00"))
    assert listing_payload_hash(listing_payload_build(ready_listing, image_url=_url)) != first


def test_hash_ignores_external_id_and_decimal_spelling(ready_listing):
    before = listing_payload_build(ready_listing, image_url=_url)
    listing_sync_state_set(listing=ready_listing, external_id="gid://shopify/Product/9")
    after = listing_payload_build(ready_listing, image_url=_url)
    assert after.external_id == "gid://shopify/Product/9"
    assert listing_payload_hash(after) == listing_payload_hash(before)
    a = ListingPayload(sku="A", title="t", description="", price=Decimal("19.9"), currency="USD", quantity=1)
    b = ListingPayload(sku="A", title="t", description="", price=Decimal("19.90"), currency="USD", quantity=1)
    assert listing_payload_hash(a) == listing_payload_hash(b)


def test_product_change_changes_the_hash(ready_listing):
    before = listing_payload_hash(listing_payload_build(ready_listing, image_url=_url))
    product_update(product=ready_listing.product, title="Renamed")
    ready_listing.refresh_from_db()
    assert listing_payload_hash(listing_payload_build(ready_listing, image_url=_url)) != before


def test_listing_list_filters(make_listing, make_channel):
    shopify, etsy = make_channel("shopify"), make_channel("etsy")
    a, b = make_listing(channel=shopify), make_listing(channel=etsy)
    assert list(listing_list(channel_id=shopify.pk)) == [a]
    assert list(listing_list(status="draft").order_by("pk")) == [a, b]
    assert list(listing_list(product_id=b.product_id)) == [b]


def test_get_for_sync_reads_everything_in_few_queries(ready_listing, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        listing = listing_get_for_sync(ready_listing.pk)
        listing_payload_build(listing, image_url=_url)
