from decimal import Decimal

import pytest

from catalog.services import variant_create
from channels.services import channel_update
from listings.services import listing_create, listing_effective_values, listing_update

pytestmark = pytest.mark.django_db


def test_no_override_no_rule_inherits_the_product(make_listing, make_listable_product):
    product = make_listable_product(title="Blue Mug", price="19.90", compare_at_price="25.00", quantity=7)
    values = listing_effective_values(make_listing(product=product))
    assert (values.title.value, values.title.source, values.title.rule) == ("Blue Mug", "product", "product")
    assert values.description.source == "product"
    assert (values.price.value, values.price.rule) == (Decimal("19.90"), "product, base 19.90")
    assert (values.compare_at_price.value, values.compare_at_price.source) == (Decimal("25.00"), "product")
    assert (values.quantity.value, values.quantity.rule) == (7, "product, available 7")


def test_overrides_win_and_say_so(make_listing):
    listing = make_listing(
        title="Own title", description="Own text", price="9.99", compare_at_price="12.00", quantity=3
    )
    values = listing_effective_values(listing)
    assert [(v.value, v.source, v.rule, v.is_override) for v in (values.title, values.price, values.quantity)] == [
        ("Own title", "listing", "listing override", True),
        (Decimal("9.99"), "listing", "listing override", True),
        (3, "listing", "listing override", True),
    ]
    assert values.description.value == "Own text"
    assert values.compare_at_price.value == Decimal("12.00")


def test_clearing_an_override_inherits_again(make_listing):
    listing = make_listing(title="Own title", price="9.99")
    listing_update(listing=listing, title="  ", price=None)
    values = listing_effective_values(listing)
    assert (values.title.source, values.price.source) == ("product", "product")


def test_channel_price_and_stock_rules_are_applied_and_reported(make_listing, make_listable_product, make_channel):
    # given: a Lazada MY channel converting USD at 4.4, +10 %, ending .90, half the stock minus 2
    channel = make_channel(
        "lazada",
        price_currency_rate=Decimal("4.4"),
        price_adjust_type="percent",
        price_adjust_value=Decimal("10"),
        price_rounding_ending=Decimal("0.90"),
        stock_percent=50,
        stock_buffer=2,
    )
    product = make_listable_product(price="10.00", compare_at_price="20.00", quantity=15)
    # when
    values = listing_effective_values(make_listing(product=product, channel=channel))
    # then
    assert values.price.value == Decimal("48.90")
    assert values.price.rule == "product, base 10.00, × rate 4.4 = 44.00, +10 % = 48.40, rounded to .90 = 48.90"
    assert values.compare_at_price.value == Decimal("96.90")
    assert values.quantity.value == 5
    assert values.quantity.rule == "product, available 15, 50 % of 15 = 7, minus buffer 2 = 5"


def test_price_clamped_to_channel_minimum(make_listing, make_listable_product, make_channel):
    channel = make_channel("shopify", price_min=Decimal("30.00"))
    values = listing_effective_values(make_listing(product=make_listable_product(price="20.00"), channel=channel))
    assert (values.price.value, values.price.steps[-1]) == (Decimal("30.00"), "raised to channel minimum 30.00")


def test_compare_at_not_above_price_is_dropped(make_listing, make_listable_product, make_channel):
    channel = make_channel("shopify", price_min=Decimal("30.00"))
    product = make_listable_product(price="20.00", compare_at_price="25.00")
    values = listing_effective_values(make_listing(product=product, channel=channel))
    assert values.compare_at_price.value is None
    assert values.compare_at_price.steps[-1] == "dropped: not above price 30.00"


def test_override_price_is_not_touched_by_rules(make_listing, make_channel):
    channel = make_channel("shopify", price_adjust_type="percent", price_adjust_value=Decimal("50"))
    values = listing_effective_values(make_listing(channel=channel, price="10.00"))
    assert (values.price.value, values.price.steps) == (Decimal("10.00"), ())


def test_variant_listing_uses_variant_price_stock_and_title(make_listing, make_listable_product, channel):
    product = make_listable_product(title="Tee", price="20.00")
    variant = variant_create(
        product=product, sku=f"{product.sku}-XL", options={"Size": "XL"}, price="22.00", quantity=4
    )
    make_listing(product=product, channel=channel)  # maps the category
    listing = listing_create(product=product, variant=variant, channel=channel)
    values = listing_effective_values(listing)
    assert (values.title.value, values.title.source) == ("Tee (XL)", "variant")
    assert (values.price.value, values.price.source) == (Decimal("22.00"), "variant")
    assert (values.quantity.value, values.quantity.source) == (4, "variant")


def test_product_listing_of_a_product_with_variants_sums_their_stock(make_listing, make_listable_product):
    product = make_listable_product(quantity=99)
    variant_create(product=product, sku=f"{product.sku}-S", options={"Size": "S"}, quantity=3)
    variant_create(product=product, sku=f"{product.sku}-M", options={"Size": "M"}, quantity=4)
    values = listing_effective_values(make_listing(product=product))
    assert (values.quantity.value, values.quantity.rule) == (7, "sum of variants, available 7")


def test_rule_changes_on_the_channel_show_up_immediately(ready_listing):
    channel_update(channel=ready_listing.channel, stock_max=2)
    assert listing_effective_values(ready_listing).quantity.value == 2
