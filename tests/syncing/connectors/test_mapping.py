"""Pure mapping of Shopee, Lazada and Shopify payloads (recorded shapes, docs/marketplaces/) to our types."""

import json
from decimal import Decimal
from pathlib import Path

import pytest

from syncing.connectors.base import ListingPayload, OfferUpdate, Rejected, VariantPayload
from syncing.connectors.lazada import mapping as lazada
from syncing.connectors.shopee import mapping as shopee
from syncing.connectors.shopify import mapping as shopify
from syncing.connectors.shopify.client import throttle_wait

PAYLOADS = Path(__file__).parent / "payloads"


def load(name):
    return json.loads((PAYLOADS / name).read_text())


def payload(**overrides):
    values = {
        "sku": "MUG-001",
        "title": "Mug",
        "description": "A mug.",
        "price": Decimal("12.5"),
        "currency": "SGD",
        "quantity": 3,
    }
    values.update(overrides)
    return ListingPayload(**values)


# --- Shopee ---


def test_shopee_invalid_field_message_maps_to_our_field():
    body = load("shopee_error_param.json")
    assert shopee.field_errors(body["error"], body["message"]) == {"external_id": [body["message"]]}


@pytest.mark.parametrize(
    ("error", "field"),
    [
        ("product.error_name_length_limit", "title"),
        ("error_image_num_min", "images"),
        ("product.error_price_exceed_max_limit", "price"),
        ("product.error_invalid_category", "category_id"),
    ],
    ids=["title_case", "images_case", "price_case", "category_case"],
)
def test_shopee_error_codes_map_to_our_fields(error, field):
    assert shopee.field_errors(error, "msg") == {field: ["msg"]}


def test_shopee_non_field_errors_map_to_nothing():
    assert shopee.field_errors("error_auth", "Invalid access_token.") == {}


def test_shopee_item_to_remote_sums_locations_and_maps_reviewing():
    remote = shopee.to_remote(load("shopee_item_base_info.json")["response"]["item_list"][0])
    assert (remote.external_id, remote.sku, remote.price, remote.quantity) == (
        "3000000123",
        "MUG-001",
        Decimal("12.5"),
        7,
    )
    assert (remote.status, remote.raw_status) == ("in_review", "REVIEWING")


def test_shopee_item_body_units_and_family_placeholders():
    body = shopee.item_body(payload(weight_grams=1250, category_id="100644"), ["img-1"], [18028], creating=True)
    assert body["weight"] == 1.25
    assert body["original_price"] == 12.5
    assert body["seller_stock"] == [{"stock": 3}]
    assert body["logistic_info"] == [{"logistic_id": 18028, "enabled": True}]
    two = (VariantPayload("A", Decimal(3), 1), VariantPayload("B", Decimal(2), 4))
    family = shopee.item_body(payload(variants=two), [], [], creating=True)
    # the item's price and stock until init_tier_variation sets each model's: the lowest price, the total stock
    assert (family["original_price"], family["seller_stock"]) == (2.0, [{"stock": 5}])
    with pytest.raises(Rejected):
        shopee.item_body(payload(category_id="mugs"), [], [], creating=True)


# --- Lazada ---


def test_lazada_detail_fields_map_to_ours():
    body = load("lazada_create_failed.json")
    assert lazada.field_errors(body["code"], body["message"], body["detail"]) == {
        "title": ["name must be at most 255 characters"],
        "weight_grams": ["package_weight is mandatory"],
        "sku": ["SellerSku is mandatory"],
    }
    assert lazada.field_errors("4169", "too many", None) == {"images": ["too many"]}
    missing = 'The input parameter "PrimaryCategory" that is mandatory is missing'
    assert lazada.field_errors("E001", missing, None) == {"category_id": [missing]}


def test_lazada_item_to_remote_uses_special_price_and_sums_skus():
    remote = lazada.to_remote(load("lazada_item_get.json")["data"])
    assert (remote.external_id, remote.sku, remote.price, remote.quantity) == (
        "3069252927",
        "MUG-S",
        Decimal("15.5"),
        7,
    )
    assert remote.status == "in_review"


def test_lazada_payload_units_and_prices():
    body = json.loads(
        lazada.product_payload(
            payload(
                weight_grams=400,
                length_mm=125,
                width_mm=90,
                height_mm=100,
                compare_at_price=Decimal("15"),
                category_id="10",
            ),
            ["https://sg-test-11.slatic.net/p/a.png"],
        )
    )
    sku = body["Request"]["Product"]["Skus"]["Sku"][0]
    assert sku == {
        "SellerSku": "MUG-001",
        "quantity": 3,
        "price": "15.00",
        "special_price": "12.50",
        "package_weight": "0.400",
        "package_length": "12.5",
        "package_width": "9.0",
        "package_height": "10.0",
    }
    assert body["Request"]["Product"]["Attributes"]["brand"] == "No Brand"
    offers = json.loads(lazada.offers_payload([OfferUpdate(sku="A", external_id="1", price=Decimal("2"))]))
    assert offers["Request"]["Product"]["Skus"]["Sku"] == [{"ItemId": "1", "SellerSku": "A", "Price": "2.00"}]
    assert lazada.deactivate_body("1<2") == "<Request><Product><ItemId>1&lt;2</ItemId></Product></Request>"
    assert lazada.is_lazada_image("https://sg-test-11.slatic.net/p/a.png") is True
    assert lazada.is_lazada_image("https://example.com/a.png") is False


# --- Shopify ---


def test_shopify_throttled_body_wait():
    body = load("shopify_throttled.json")
    assert throttle_wait(body["extensions"]["cost"]) == pytest.approx((752 - 666) / 50)
    assert throttle_wait({}) == 1.0


def test_shopify_user_errors_map_to_our_fields_and_indexes():
    errors = load("shopify_user_errors.json")["userErrors"]
    assert shopify.field_errors(errors) == {
        "price": ["Price must be greater than or equal to 0"],
        "title": ["Title can't be blank"],
        "quantity": ["The quantity is invalid."],
        "__all__": ["Something about the whole call"],
    }
    assert [shopify.error_index(e, "variants") for e in errors] == [0, None, None, None]
    assert shopify.error_index(errors[2], "quantities") == 2


def test_shopify_product_input_options_and_sku_tag():
    variants = (
        VariantPayload("T-S", Decimal(1), 1, options={"Size": "S", "Color": "Red"}),
        VariantPayload("T-M", Decimal(1), 1, options={"Size": "M", "Color": "Red"}),
    )
    data = shopify.product_input(payload(variants=variants, brand="Acme"))
    assert data["productOptions"] == [
        {"name": "Size", "values": [{"name": "S"}, {"name": "M"}]},
        {"name": "Color", "values": [{"name": "Red"}]},
    ]
    assert data["tags"] == ["lm-sku:MUG-001"]
    assert data["vendor"] == "Acme"
    assert "tags" not in shopify.product_input(payload(external_id="gid://shopify/Product/1"))
    assert shopify.sku_search('A"B') == 'sku:"AB" OR tag:"lm-sku:AB"'
