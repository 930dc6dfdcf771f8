"""Content fields (bullets, search terms, SEO, handle, manufacturer, model and part numbers) pushed to the sandbox
over HTTP and read back as each marketplace stored them (docs/marketplaces/<code>.md#content-fields)."""

import dataclasses
from decimal import Decimal

import pytest

from syncing.connectors.base import Rejected
from syncing.connectors.etsy.mapping import search_tags

BULLETS = ("Holds 350 ml", "Dishwasher safe", "Hand glazed stoneware")
CONTENT = {
    "bullet_points": BULLETS,
    "search_terms": "tasse café größe keramik",
    "manufacturer": "Acme Ceramics Ltd",
    "model_number": "MUG-350",
    "part_number": "AC-350-BL",
    "seo_title": "Stoneware mug 350 ml | Acme",
    "seo_description": "A sturdy hand glazed stoneware mug.",
    "handle": "stoneware-mug-350",
    "short_description": "",
}
AMAZON = {"currency": "USD", "category_id": "DRINKING_CUP", "description": "Stoneware.", "weight_grams": None}


def test_amazon_receives_bullets_keywords_and_identifiers(connect, make_payload, sandbox):
    # given an Amazon connector and a payload with every content field
    conn = connect("amazon", currency="USD", language="en", country="US")
    # when it is pushed
    conn.push_listing(make_payload(**AMAZON, **CONTENT))
    # then the sandbox stored each as its SP-API attribute
    [item] = sandbox.items("amazon")
    attributes, market = item["attributes"], "ATVPDKIKX0DER"
    assert [b["value"] for b in attributes["bullet_point"]] == list(BULLETS)
    assert attributes["bullet_point"][0] == {"value": BULLETS[0], "language_tag": "en_US", "marketplace_id": market}
    assert attributes["generic_keyword"][0]["value"] == "tasse café größe keramik"
    assert attributes["manufacturer"][0]["value"] == "Acme Ceramics Ltd"
    assert attributes["model_number"] == [{"value": "MUG-350", "marketplace_id": market}]
    assert attributes["part_number"] == [{"value": "AC-350-BL", "marketplace_id": market}]


def test_amazon_refuses_search_terms_over_250_utf8_bytes(connect, make_payload, sandbox):
    # given 130 characters of "é": 130 characters but 260 bytes
    conn = connect("amazon", currency="USD", language="en", country="US")
    keywords = "é" * 130
    # when pushed, the sandbox counts bytes as Amazon does and the submission is refused on generic_keyword
    with pytest.raises(Rejected) as refused:
        conn.push_listing(make_payload(**AMAZON, search_terms=keywords))
    assert "search_terms" in refused.value.field_errors
    assert "250 bytes" in refused.value.field_errors["search_terms"][0]
    assert sandbox.items("amazon") == []


def test_amazon_refuses_six_bullets(connect, make_payload, sandbox):
    conn = connect("amazon", currency="USD", language="en", country="US")
    with pytest.raises(Rejected) as refused:
        conn.push_listing(make_payload(**AMAZON, bullet_points=tuple(f"Point {n}" for n in range(6))))
    assert list(refused.value.field_errors) == ["bullet_points"]
    assert sandbox.items("amazon") == []


def test_shopify_receives_seo_and_handle(connect, make_payload, sandbox):
    shopify = connect("shopify")
    created = shopify.push_listing(make_payload(**CONTENT))
    [stored] = sandbox.items("shopify")
    assert stored["seo"] == {
        "title": "Stoneware mug 350 ml | Acme",
        "description": "A sturdy hand glazed stoneware mug.",
    }
    assert stored["handle"] == "stoneware-mug-350"
    assert created.external_url.endswith("/products/stoneware-mug-350")
    # an update changes them too
    shopify.push_listing(make_payload(**{**CONTENT, "seo_title": "Blue mug"}, external_id=created.external_id))
    assert sandbox.items("shopify")[0]["seo"]["title"] == "Blue mug"


def test_shopify_without_content_keeps_its_defaults(connect, make_payload, sandbox):
    connect("shopify").push_listing(make_payload())
    [stored] = sandbox.items("shopify")
    assert stored["seo"] == {"title": None, "description": None}
    assert stored["handle"] == "ceramic-coffee-mug-350-ml"


def test_lazada_gets_the_short_description_or_the_bullets_as_a_list(connect, make_payload, sandbox):
    lazada = connect("lazada")
    lazada.push_listing(make_payload(sku="MUG-A", bullet_points=("Holds 350 ml", "Safe & sound")))
    lazada.push_listing(make_payload(sku="MUG-B", short_description="Stoneware mug", bullet_points=BULLETS))
    stored = {item["skus"][0]["SellerSku"]: item["attributes"] for item in sandbox.items("lazada")}
    assert stored["MUG-A"]["short_description"] == "<ul><li>Holds 350 ml</li><li>Safe &amp; sound</li></ul>"
    assert stored["MUG-B"]["short_description"] == "Stoneware mug"


def test_lazada_refuses_other_markup_in_the_short_description(connect, make_payload, sandbox):
    with pytest.raises(Rejected) as refused:
        connect("lazada").push_listing(make_payload(short_description="<p>Stoneware</p>"))
    assert "short_description" in str(refused.value.field_errors) or "short_description" in refused.value.message
    assert sandbox.items("lazada") == []


def test_etsy_takes_tags_from_the_search_terms(connect, make_payload, sandbox):
    conn = connect("etsy", currency="USD")
    conn.push_listing(
        make_payload(
            title="Hand thrown mug",
            price=Decimal("24.00"),
            currency="USD",
            category_id="1062",
            brand="",
            weight_grams=None,
            search_terms="coffee mug, stoneware, a tag far longer than twenty, gift",
        )
    )
    [stored] = sandbox.items("etsy")
    assert stored["tags"] == ["coffee mug", "stoneware", "gift"]


def test_search_tags_keep_at_most_13_distinct_words():
    words = " ".join(f"w{n}" for n in range(20)) + " W1"
    assert search_tags(words).split(",") == [f"w{n}" for n in range(13)]
    assert search_tags("") == ""


def test_shopify_stores_metafields_and_upserts_them(connect, make_payload, sandbox):
    from syncing.connectors.base import MetafieldPayload

    shopify = connect("shopify")
    fields = (
        MetafieldPayload("specs", "layers", "number_integer", "3"),
        MetafieldPayload("specs", "care", "multi_line_text_field", "Hand wash\nNo bleach"),
    )
    created = shopify.push_listing(make_payload(metafields=fields))
    stored = {(m["namespace"], m["key"]): m["value"] for m in sandbox.items("shopify")[0]["metafields"]["nodes"]}
    assert stored == {("specs", "layers"): "3", ("specs", "care"): "Hand wash\nNo bleach"}
    update = (MetafieldPayload("specs", "layers", "number_integer", "4"),)
    shopify.push_listing(make_payload(metafields=update, external_id=created.external_id))
    nodes = sandbox.items("shopify")[0]["metafields"]["nodes"]
    assert {(m["key"], m["value"]) for m in nodes} == {("layers", "4"), ("care", "Hand wash\nNo bleach")}


def test_shopify_refuses_a_metafield_value_of_the_wrong_type(connect, make_payload, sandbox):
    from syncing.connectors.base import MetafieldPayload

    with pytest.raises(Rejected) as refused:
        connect("shopify").push_listing(
            make_payload(metafields=(MetafieldPayload("specs", "layers", "number_integer", "three"),))
        )
    assert refused.value.field_errors == {"metafields": ["Value is invalid for type number_integer"]}
    assert sandbox.items("shopify") == []


def test_shopify_product_joins_the_collection_of_its_category(connect, make_payload, sandbox):
    # given two products of one mapped category
    shopify = connect("shopify")
    collection = {"collection_title": "Coffee mugs", "collection_handle": "coffee-mugs"}
    # when both are pushed
    first = shopify.push_listing(make_payload(sku="MUG-1", **collection))
    second = shopify.push_listing(make_payload(sku="MUG-2", **collection))
    # then the collection was created once, both joined it, and its id and handle come back with each listing
    assert first.marketplace_ids["collection_handle"] == "coffee-mugs"
    assert first.marketplace_ids["collection_id"].startswith("gid://shopify/Collection/")
    assert second.marketplace_ids["collection_id"] == first.marketplace_ids["collection_id"]
    items = sandbox.items("shopify")
    assert [p["collections"]["nodes"][0]["handle"] for p in items] == ["coffee-mugs", "coffee-mugs"]
    assert items[0]["collections"]["nodes"][0]["productsCount"] == {"count": 2}
    creates = [e for e in sandbox.log("shopify") if e.get("op") == "collectionCreate"]
    assert len(creates) == 1


def test_shopify_collection_takes_the_category_icon_and_a_new_icon_replaces_it(connect, make_payload, sandbox):
    shopify = connect("shopify")
    collection = {"collection_title": "Coffee mugs", "collection_handle": "coffee-mugs"}
    icon = "http://127.0.0.1:8000/media/category-icons/3/" + "a" * 64 + ".png"
    # when the first product is pushed with the icon, the collection is created with it as its image
    shopify.push_listing(make_payload(sku="MUG-1", collection_image_url=icon, **collection))
    # and a second push with the same icon changes nothing
    shopify.push_listing(make_payload(sku="MUG-2", collection_image_url=icon, **collection))
    ops = [e.get("op") for e in sandbox.log("shopify") if str(e.get("op", "")).startswith("collection")]
    assert ops.count("collectionCreate") == 1
    assert "collectionUpdate" not in ops
    [node] = sandbox.items("shopify")[0]["collections"]["nodes"]
    # Shopify's CDN copy keeps the uploaded file's name
    assert ("a" * 64 + ".png") in node["image"]["url"]
    assert node["image"]["url"].startswith("https://cdn.shopify.com/")
    assert node["image"]["altText"] == "Coffee mugs"

    # when the category's icon changes, the next push updates the collection's image
    new_icon = icon.replace("a" * 64, "b" * 64)
    shopify.push_listing(make_payload(sku="MUG-3", collection_image_url=new_icon, **collection))
    ops = [e.get("op") for e in sandbox.log("shopify") if str(e.get("op", "")).startswith("collection")]
    assert ops.count("collectionUpdate") == 1
    [node] = sandbox.items("shopify")[-1]["collections"]["nodes"]
    assert ("b" * 64 + ".png") in node["image"]["url"]


def test_shopify_refuses_a_collection_image_that_is_not_a_url(connect, make_payload, sandbox):
    with pytest.raises(Rejected) as refused:
        connect("shopify").push_listing(
            make_payload(collection_title="Mugs", collection_handle="mugs", collection_image_url="not a url")
        )
    assert "Image URL is invalid" in str(refused.value)


def _variant_metafields(item):
    return {
        v["sku"]: {(m["namespace"], m["key"]): (m["type"], m["value"]) for m in v["metafields"]["nodes"]}
        for v in item["variants"]["nodes"]
    }


def test_shopify_variant_metafields_go_with_each_variant_and_upsert(connect, make_payload, sandbox):
    """ProductVariantsBulkInput.metafields over the socket (docs/marketplaces/shopify.md#metafields)."""
    from syncing.connectors.base import MetafieldPayload, VariantPayload

    shopify = connect("shopify")
    small = VariantPayload(
        sku="MUG-S",
        price=Decimal("10.00"),
        quantity=3,
        options={"Size": "S"},
        metafields=(MetafieldPayload("specs", "volume_ml", "number_integer", "250"),),
    )
    large = VariantPayload(sku="MUG-L", price=Decimal("12.00"), quantity=2, options={"Size": "L"})
    created = shopify.push_listing(make_payload(variants=(small, large)))
    assert _variant_metafields(sandbox.items("shopify")[0]) == {
        "MUG-S": {("specs", "volume_ml"): ("number_integer", "250")},
        "MUG-L": {},
    }
    creates = [e for e in sandbox.log("shopify") if e.get("op") == "productVariantsBulkCreate"]
    assert creates, "the variants were created by productVariantsBulkCreate"

    # an update sends them again by productVariantsBulkUpdate: a changed value replaces, a new one is added
    volume = MetafieldPayload("specs", "volume_ml", "number_integer", "260")
    glaze = MetafieldPayload("specs", "glaze", "single_line_text_field", "Matt")
    small = dataclasses.replace(small, metafields=(volume,))
    large = dataclasses.replace(large, metafields=(glaze,))
    shopify.push_listing(make_payload(variants=(small, large), external_id=created.external_id))
    assert _variant_metafields(sandbox.items("shopify")[0]) == {
        "MUG-S": {("specs", "volume_ml"): ("number_integer", "260")},
        "MUG-L": {("specs", "glaze"): ("single_line_text_field", "Matt")},
    }


def test_shopify_refuses_a_variant_metafield_of_the_wrong_type_and_keeps_the_variant(connect, make_payload, sandbox):
    from syncing.connectors.base import MetafieldPayload, VariantPayload

    shopify = connect("shopify")
    good = VariantPayload(sku="MUG-S", price=Decimal("10.00"), quantity=3, options={"Size": "S"})
    created = shopify.push_listing(make_payload(variants=(good,)))
    bad = dataclasses.replace(good, metafields=(MetafieldPayload("specs", "volume_ml", "number_integer", "big"),))

    with pytest.raises(Rejected) as refused:
        shopify.push_listing(make_payload(variants=(bad,), external_id=created.external_id))

    assert refused.value.field_errors == {"metafields": ["Value is invalid for type number_integer"]}
    assert _variant_metafields(sandbox.items("shopify")[0]) == {"MUG-S": {}}
