"""Readiness says before publishing what Amazon and Shopee would refuse about a variation family
(docs/marketplaces/amazon.md#variation-families, docs/marketplaces/shopee.md#variation-families)."""

import pytest

from catalog.services import variant_create
from channels.services import category_mapping_set
from listings.readiness import FAMILY_CODES, listing_readiness

pytestmark = pytest.mark.django_db


def _family(make_listable_product, *options):
    product = make_listable_product()
    for n, opts in enumerate(options):
        variant_create(product=product, sku=f"{product.sku}-{n}", options=opts, quantity=2)
    return product


def _amazon(make_listing, make_channel, product, product_type):
    channel = make_channel("amazon")
    category_mapping_set(channel=channel, category=product.category, external_category_id=product_type)
    return make_listing(product=product, channel=channel, map_category=False)


def _family_issues(listing):
    return [(i.code, i.message) for i in listing_readiness(listing) if i.code in FAMILY_CODES]


SIZE_COLOR = ({"Size": "S", "Color": "Red"}, {"Size": "M", "Color": "Red"})


def test_amazon_family_with_an_allowed_theme_is_publishable(make_listing, make_channel, make_listable_product):
    product = _family(make_listable_product, *SIZE_COLOR)
    assert _family_issues(_amazon(make_listing, make_channel, product, "SHIRT")) == []


def test_amazon_theme_not_allowed_for_the_mapped_product_type(make_listing, make_channel, make_listable_product):
    product = _family(make_listable_product, *SIZE_COLOR)
    listing = _amazon(make_listing, make_channel, product, "BACKPACK")
    assert _family_issues(listing) == [
        (
            "variation_theme_not_allowed",
            "Amazon: Options Size + Color match no variation theme of product type BACKPACK "
            "(allowed: COLOR, STYLE, COLOR/STYLE).",
        )
    ]
    [issue] = [i for i in listing_readiness(listing) if i.code == "variation_theme_not_allowed"]
    assert (issue.field, issue.is_blocking) == ("variants", True)


def test_amazon_product_type_without_themes(make_listing, make_channel, make_listable_product):
    product = _family(make_listable_product, {"Size": "S"}, {"Size": "M"})
    listing = _amazon(make_listing, make_channel, product, "PRODUCT")
    assert _family_issues(listing) == [
        (
            "variation_theme_not_allowed",
            "Amazon: Product type PRODUCT takes no variation family; list each variant separately.",
        )
    ]


def test_a_variant_listing_is_not_a_family(make_listing, make_channel, make_listable_product):
    product = _family(make_listable_product, *SIZE_COLOR)
    channel = make_channel("amazon")
    category_mapping_set(channel=channel, category=product.category, external_category_id="BACKPACK")
    listing = make_listing(product=product, channel=channel, variant=product.variants.first(), map_category=False)
    assert _family_issues(listing) == []


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (
            ({"Size": "S", "Color": "Red", "Fit": "Slim"}, {"Size": "M", "Color": "Red", "Fit": "Slim"}),
            # option order is the database's (PostgreSQL's jsonb sorts keys), so the names are left out here
            [("variation_too_many_options", "Shopee: The variants use 3 options ({names}); at most 2 are allowed.")],
        ),
        (
            ({"Size": "Extra extra large size"}, {"Size": "M"}),
            [
                (
                    "variation_value_too_long",
                    "Shopee: Option value 'Extra extra large size' (Size) has 22 characters; at most 20.",
                )
            ],
        ),
        (
            ({"Garment length": "S"}, {"Garment length": "M"}),
            [],
        ),
        (
            ({"Sleeve length cut": "S"}, {"Sleeve length cut": "M"}),
            [
                (
                    "variation_name_too_long",
                    "Shopee: Option name 'Sleeve length cut' has 17 characters; at most 14.",
                )
            ],
        ),
        (
            ({"Size": "S", "Color": "Red"}, {"Size": "M"}),
            [("variant_option_value_missing", "Shopee: Variant {sku}-1 has no value for Color.")],
        ),
        (
            ({"Size": "S"}, {"Size": "S"}),
            [("variant_options_duplicate", "Shopee: Variants {sku}-0 and {sku}-1 have the same options.")],
        ),
        (
            ({}, {}),
            [("variant_options_missing", "Shopee: The variants have no options (e.g. Size: M) to tell them apart.")],
        ),
    ],
    ids=[
        "three_options_case",
        "value_too_long_case",
        "name_at_limit_case",
        "name_too_long_case",
        "missing_value_case",
        "duplicate_case",
        "no_options_case",
    ],
)
def test_shopee_tier_limits(make_listing, make_channel, make_listable_product, options, expected):
    product = _family(make_listable_product, *options)
    listing = make_listing(product=product, channel=make_channel("shopee"))
    names = ", ".join(product.variants.first().options)
    assert _family_issues(listing) == [(code, text.format(sku=product.sku, names=names)) for code, text in expected]


@pytest.mark.slow
def test_shopee_too_many_values_and_variants(make_listing, make_channel, make_listable_product):
    options = [{"Size": f"S{i % 26}", "Color": f"C{i // 26}"} for i in range(52)]
    product = _family(make_listable_product, *options)
    listing = make_listing(product=product, channel=make_channel("shopee"))
    assert [code for code, _ in _family_issues(listing)] == ["variation_too_many_variants", "variation_too_many_values"]
    assert "The product has 52 variants; at most 50 are allowed." in _family_issues(listing)[0][1]
    assert "Option 'Size' has 26 values; at most 20." in _family_issues(listing)[1][1]
