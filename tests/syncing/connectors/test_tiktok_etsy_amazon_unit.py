"""Official vectors ("Signing" in docs/marketplaces/<code>.md) and the pure mappings of the TikTok, Etsy and
Amazon connectors."""

from decimal import Decimal

import pytest

from syncing.connectors.amazon import mapping as amazon_mapping
from syncing.connectors.base import ListingPayload, VariantPayload
from syncing.connectors.etsy import mapping as etsy_mapping
from syncing.connectors.etsy.client import pkce_challenge, pkce_verifier
from syncing.connectors.tiktok import mapping as tiktok_mapping
from syncing.connectors.tiktok.client import sign


def payload(**overrides):
    values = {
        "sku": "MUG-001",
        "title": "Blue ceramic mug",
        "description": "<p>Holds 350 ml.</p>",
        "price": Decimal("12.5"),
        "currency": "USD",
        "quantity": 7,
        "category_id": "600001",
        "image_urls": ("http://img.test/a.jpg", "http://img.test/b.jpg"),
        "weight_grams": 450,
    }
    values.update(overrides)
    return ListingPayload(**values)


# --- official vectors ---


def test_tiktok_sign_official_vector():
    query = {"app_key": "29a39d", "timestamp": "1623812664"}
    assert sign("e59af819cc", "/authorization/202309/shops", query) == (
        "b596b73e0cc6de07ac26f036364178ab16b0a907af13d43f0a0cd2345f582dc8"
    )


def test_tiktok_sign_ignores_sign_and_access_token_params_but_covers_body():
    base = {"app_key": "29a39d", "timestamp": "1623812664"}
    expected = sign("e59af819cc", "/authorization/202309/shops", base)
    noisy = {**base, "sign": "old", "access_token": "tok"}
    assert sign("e59af819cc", "/authorization/202309/shops", noisy) == expected
    assert sign("e59af819cc", "/authorization/202309/shops", base, b'{"a":1}') != expected


def test_etsy_pkce_official_vector():
    assert (
        pkce_challenge("vvkdljkejllufrvbhgeiegrnvufrhvrffnkvcknjvfid") == "DSWlW2Abh-cf8CeLL8-g3hQ2WQyYdKyiu83u_s7nRhI"
    )


def test_etsy_pkce_verifier_is_43_url_safe_chars():
    verifier = pkce_verifier()
    assert len(verifier) == 43
    assert set(verifier) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


# --- TikTok mapping ---


def test_tiktok_product_body_single_sku():
    body = tiktok_mapping.product_body(payload(), warehouse_id="W1", image_uris=["tos-1"])
    assert body["main_images"] == [{"uri": "tos-1"}]
    assert body["package_weight"] == {"value": "0.450", "unit": "KILOGRAM"}
    assert body["skus"] == [
        {
            "seller_sku": "MUG-001",
            "price": {"amount": "12.50", "currency": "USD"},
            "inventory": [{"warehouse_id": "W1", "quantity": 7}],
        }
    ]


def test_tiktok_product_body_variants_and_zero_decimal_currency():
    variants = (
        VariantPayload(sku="MUG-S", price=Decimal("150000"), quantity=1, options={"Size": "S"}),
        VariantPayload(sku="MUG-L", price=Decimal("175000.4"), quantity=2, options={"Size": "L"}),
    )
    body = tiktok_mapping.product_body(payload(currency="idr", variants=variants), warehouse_id="W", image_uris=[])
    assert [s["seller_sku"] for s in body["skus"]] == ["MUG-S", "MUG-L"]
    assert body["skus"][1]["price"] == {"amount": "175000", "currency": "IDR"}
    assert body["skus"][0]["sales_attributes"] == [{"name": "Size", "value_name": "S"}]


@pytest.mark.parametrize(
    ("product", "expected"),
    [
        ({"status": "PENDING", "audit": {"status": "AUDITING"}}, "in_review"),
        ({"status": "ACTIVATE"}, "live"),
        ({"status": "FAILED"}, "rejected"),
        ({"status": "SELLER_DEACTIVATED"}, "inactive"),
    ],
)
def test_tiktok_status(product, expected):
    assert tiktok_mapping.status_of(product)[0] == expected


def test_tiktok_remote_listing_reads_price_and_sums_inventory():
    listing = tiktok_mapping.remote_listing(
        {
            "id": "1729592969712207008",
            "title": "Mug",
            "status": "ACTIVATE",
            "skus": [
                {
                    "id": "1729592969712207100",
                    "seller_sku": "MUG-001",
                    "price": {"currency": "USD", "tax_exclusive_price": "9.90"},
                    "inventory": [{"warehouse_id": "a", "quantity": 3}, {"warehouse_id": "b", "quantity": 4}],
                }
            ],
        }
    )
    assert (listing.external_id, listing.sku, listing.price, listing.quantity) == (
        "1729592969712207008",
        "MUG-001",
        Decimal("9.90"),
        7,
    )


@pytest.mark.parametrize(
    ("code", "message", "field"),
    [
        (12052051, "", "title"),
        (12052306, "", "images"),
        (12019011, "", "weight_grams"),
        (12052999, "description is too long", "description"),
        (12052998, "something odd", "__all__"),
    ],
)
def test_tiktok_error_fields(code, message, field):
    assert tiktok_mapping.field_for_code(code, message) == field


# --- Etsy mapping ---


def test_etsy_listing_form_and_inventory():
    form = etsy_mapping.listing_form(payload(attributes={"tags": "mug,blue"}), shipping_profile_id="77")
    assert form["price"] == "12.50"
    assert form["taxonomy_id"] == "600001"
    assert form["who_made"] == "i_did"
    assert form["tags"] == "mug,blue"
    assert form["shipping_profile_id"] == "77"
    inventory = etsy_mapping.inventory_body(payload())
    assert inventory["products"] == [
        {"sku": "MUG-001", "property_values": [], "offerings": [{"price": 12.5, "quantity": 7, "is_enabled": True}]}
    ]


def test_etsy_merge_offers_strips_read_only_fields_and_reports_missing_skus():
    inventory = {
        "products": [
            {
                "product_id": 1,
                "sku": "A",
                "is_deleted": False,
                "property_values": [],
                "offerings": [
                    {"offering_id": 9, "price": {"amount": 1250, "divisor": 100}, "quantity": 3, "is_enabled": True}
                ],
            },
            {
                "product_id": 2,
                "sku": "B",
                "property_values": [],
                "offerings": [{"offering_id": 10, "price": {"amount": 500, "divisor": 100}, "quantity": 1}],
            },
        ],
        "price_on_property": [],
    }
    body, missing = etsy_mapping.merge_offers(inventory, {"A": (Decimal("15"), None), "Z": (None, 1)})
    assert missing == {"Z"}
    assert body["products"][0] == {
        "sku": "A",
        "property_values": [],
        "offerings": [{"price": 15.0, "quantity": 3, "is_enabled": True}],
    }
    assert body["products"][1]["offerings"][0]["price"] == 5.0
    assert "product_id" not in body["products"][1]


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ("title: must be 140 characters or less", "title"),
        ("Invalid taxonomy_id", "category_id"),
        ("image_ids may hold at most 20 images", "images"),
        ("Something else broke", "__all__"),
    ],
)
def test_etsy_error_fields(message, field):
    assert list(etsy_mapping.field_errors_from_message(message)) == [field]


def test_etsy_remote_listing():
    listing = etsy_mapping.remote_listing(
        {
            "listing_id": 1800000001,
            "title": "Mug",
            "state": "active",
            "quantity": 4,
            "skus": ["MUG-001"],
            "price": {"amount": 1250, "divisor": 100, "currency_code": "USD"},
        }
    )
    assert (listing.external_id, listing.sku, listing.price, listing.status) == (
        "1800000001",
        "MUG-001",
        Decimal("12.5"),
        "live",
    )


# --- Amazon mapping ---


def test_amazon_listing_body():
    body = amazon_mapping.listing_body(payload(brand="Acme", category_id="HOME"), marketplace_id="M1", tag="en_US")
    attributes = body["attributes"]
    assert body["productType"] == "HOME"
    assert body["requirements"] == "LISTING"
    assert attributes["item_name"] == [{"value": "Blue ceramic mug", "language_tag": "en_US", "marketplace_id": "M1"}]
    assert attributes["fulfillment_availability"] == [{"fulfillment_channel_code": "DEFAULT", "quantity": 7}]
    assert attributes["purchasable_offer"][0]["our_price"] == [{"schedule": [{"value_with_tax": 12.5}]}]
    assert attributes["main_product_image_locator"][0]["media_location"] == "http://img.test/a.jpg"
    assert attributes["other_product_image_locator_1"][0]["media_location"] == "http://img.test/b.jpg"


def test_amazon_offer_patches():
    patches = amazon_mapping.offer_patches(price=None, quantity=0, currency="USD", marketplace_id="M1")
    assert patches == [
        {
            "op": "replace",
            "path": "/attributes/fulfillment_availability",
            "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 0}],
        }
    ]


def test_amazon_issue_fields():
    errors = amazon_mapping.field_errors(
        [
            {"code": "90220", "message": "item_name too long", "severity": "ERROR", "attributeNames": ["item_name"]},
            {"code": "1", "message": "just a hint", "severity": "WARNING", "attributeNames": ["brand"]},
            {
                "code": "2",
                "message": "no image",
                "severity": "ERROR",
                "attributeNames": ["other_product_image_locator_3"],
            },
        ]
    )
    assert errors == {"title": ["item_name too long"], "images": ["no image"]}


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ({"sku": "A"}, "in_review"),
        ({"sku": "A", "summaries": [{"status": ["BUYABLE", "DISCOVERABLE"]}]}, "live"),
        ({"sku": "A", "summaries": [{"status": ["DISCOVERABLE"]}]}, "inactive"),
        ({"sku": "A", "summaries": [{"status": []}], "issues": [{"severity": "ERROR"}]}, "rejected"),
    ],
)
def test_amazon_status(item, expected):
    assert amazon_mapping.status_of(item)[0] == expected
