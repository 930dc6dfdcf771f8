"""Variant metafields in the listing payload (docs/marketplaces/shopify.md#metafields): each variant carries its
defined metafields in Shopify's text form, read with one query for all the variants; a product whose variants have
none hashes as before."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.services import metafield_definition_create, variant_create, variant_update
from listings.selectors import listing_payload_build, listing_payload_hash
from syncing.connectors.base import MetafieldPayload

pytestmark = pytest.mark.django_db


def _url(image):
    return f"http://127.0.0.1:8000/media/{image.pk}.png"


def test_each_variant_carries_its_metafields_read_once(make_listing):
    metafield_definition_create(owner_type="variant", namespace="specs", key="volume_ml", type="number_integer")
    metafield_definition_create(owner_type="variant", namespace="specs", key="glaze", type="single_line_text_field")
    metafield_definition_create(owner_type="product", namespace="specs", key="volume_ml", type="number_integer")
    listing = make_listing()
    product = listing.product
    plain_hash = listing_payload_hash(listing_payload_build(listing, image_url=_url))
    variant_create(product=product, sku="V-S", options={"Size": "S"}, price=Decimal("9"), quantity=1)
    variant_create(product=product, sku="V-L", options={"Size": "L"}, price=Decimal("9"), quantity=1)
    no_metafields = listing_payload_build(listing, image_url=_url)
    assert [v.metafields for v in no_metafields.variants] == [(), ()]
    assert listing_payload_hash(no_metafields) != plain_hash  # the variants themselves count

    small = product.variants.get(sku="V-S")
    variant_update(variant=small, metafields={"specs.volume_ml": 250, "specs.glaze": "Matt"})
    with CaptureQueriesContext(connection) as without:
        listing_payload_build(listing, image_url=_url)
    product.variants.filter(sku="V-L").update(metafields={"specs.volume_ml": 400})
    with CaptureQueriesContext(connection) as captured:
        payload = listing_payload_build(listing, image_url=_url)

    assert {v.sku: v.metafields for v in payload.variants} == {
        "V-S": (
            MetafieldPayload("specs", "glaze", "single_line_text_field", "Matt"),
            MetafieldPayload("specs", "volume_ml", "number_integer", "250"),
        ),
        "V-L": (MetafieldPayload("specs", "volume_ml", "number_integer", "400"),),
    }
    assert len(captured) == len(without)  # the definitions are read once, however many variants have values
    assert listing_payload_hash(payload) != listing_payload_hash(no_metafields)
