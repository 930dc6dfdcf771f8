import io

import pytest
from PIL import Image

from catalog.demo import demo_image
from catalog.services import category_create, image_add, product_update
from channels.services import channel_update
from listings.readiness import ReadinessIssue
from listings.services import listing_readiness, listing_update

pytestmark = pytest.mark.django_db


def _codes(listing):
    return [issue.code for issue in listing_readiness(listing)]


def _photo(size, colour=(200, 30, 30), background=(255, 255, 255)):
    img = Image.new("RGB", size, background)
    img.paste(colour, (size[0] // 4, size[1] // 4, size[0] * 3 // 4, size[1] * 3 // 4))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def test_a_listable_product_with_a_mapped_category_has_no_issue(ready_listing):
    assert listing_readiness(ready_listing) == []


def test_issue_is_a_frozen_dataclass_with_a_dict_form():
    issue = ReadinessIssue("title_missing", "title", "The title is empty.", "blocking")
    assert issue.is_blocking is True
    assert issue.as_dict() == {
        "code": "title_missing",
        "field": "title",
        "message": "The title is empty.",
        "severity": "blocking",
    }
    with pytest.raises(AttributeError):
        issue.code = "x"


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [
        ("draft", "product_not_active", "is draft; activate it first."),
        ("archived", "product_archived", "is archived."),
    ],
    ids=["draft_case", "archived_case"],
)
def test_product_must_be_active(ready_listing, status, code, message):
    product_update(product=ready_listing.product, status=status)
    issues = listing_readiness(ready_listing)
    assert [(i.code, i.severity) for i in issues] == [(code, "blocking")]
    assert issues[0].message.endswith(message)


def test_inactive_channel_blocks(ready_listing):
    channel_update(channel=ready_listing.channel, is_active=False)
    assert _codes(ready_listing) == ["channel_inactive"]


@pytest.mark.parametrize(
    ("marketplace", "limit"),
    [("shopify", 255), ("lazada", 255), ("shopee", 100), ("tiktok", 255), ("etsy", 140), ("amazon", 200)],
    ids=lambda v: f"{v}_case" if isinstance(v, str) else str(v),
)
def test_title_length_uses_each_marketplace_limit(make_listing, make_channel, marketplace, limit):
    # given: a title exactly at the limit is fine, one more character is not
    listing = make_listing(channel=make_channel(marketplace), title="T" * limit)
    assert "title_too_long" not in _codes(listing)
    # when
    listing_update(listing=listing, title="T" * (limit + 1))
    issues = [i for i in listing_readiness(listing) if i.code == "title_too_long"]
    # then
    assert len(issues) == 1
    assert issues[0].field == "title"
    assert issues[0].severity == "blocking"
    assert f"Title has {limit + 1} characters; " in issues[0].message
    assert issues[0].message.endswith(f"allows at most {limit}.")


def test_edited_title_limit_on_the_channel_is_used(ready_listing):
    channel_update(channel=ready_listing.channel, title_max_length=5)
    assert _codes(ready_listing) == ["title_too_long"]


def test_empty_description_is_a_warning(ready_listing):
    listing_update(listing=ready_listing, description="")
    product_update(product=ready_listing.product, description="")
    issues = listing_readiness(ready_listing)
    assert [(i.code, i.severity) for i in issues] == [("description_missing", "warning")]


def test_too_few_images_blocks(make_listing, make_channel):
    listing = make_listing(channel=make_channel("shopify", min_images=2))
    issue = listing_readiness(listing)[0]
    assert (issue.code, issue.field, issue.severity) == ("too_few_images", "images", "blocking")
    assert "needs at least 2 image(s); the product has 1." in issue.message


def test_no_image_at_all_blocks(make_listing, make_listable_product):
    product = make_listable_product()
    product.images.all().delete()
    assert _codes(make_listing(product=product)) == ["too_few_images"]


def test_too_many_images_is_a_warning_and_says_what_is_sent(make_listing, make_channel):
    listing = make_listing(channel=make_channel("shopify", max_images=1))
    image_add(product=listing.product, upload=demo_image((30, 30, 30), 99, size=600), filename="second.png")
    issues = listing_readiness(listing)
    assert [(i.code, i.severity) for i in issues] == [("too_many_images", "warning")]
    assert "only the first 1 of 2 will be sent" in issues[0].message


def test_main_image_below_the_minimum_size_blocks(make_listing, make_listable_product, make_channel):
    # given: Amazon wants 1000 px; this product's main image is 800×600
    product = make_listable_product()
    product.images.all().delete()
    image_add(product=product, upload=_photo((800, 600)), filename="small.png")
    listing = make_listing(product=product, channel=make_channel("amazon"))
    # when
    issues = listing_readiness(listing)
    # then
    assert [i.code for i in issues] == ["main_image_too_small"]
    assert "is 800×600 px; " in issues[0].message
    assert "needs at least 1000 px on the shorter side." in issues[0].message


def test_main_image_must_be_white_where_the_marketplace_says_so(make_listing, make_listable_product, make_channel):
    product = make_listable_product()
    product.images.all().delete()
    image_add(product=product, upload=_photo((1000, 1000), background=(20, 20, 120)), filename="dark.png")
    amazon = make_listing(product=product, channel=make_channel("amazon"))
    shopify = make_listing(product=product, channel=make_channel("shopify"))
    assert _codes(amazon) == ["main_image_not_white"]
    assert _codes(shopify) == []


def test_main_image_without_background_facts_is_a_warning(make_listing, make_channel):
    listing = make_listing(channel=make_channel("amazon"))
    image = listing.product.images.get()
    image.metadata = {"width": 1000, "height": 1000}
    image.save()
    issues = listing_readiness(listing)
    assert [(i.code, i.severity) for i in issues] == [("main_image_background_unknown", "warning")]


def test_required_attributes_from_the_channel(make_listing, make_channel, make_listable_product):
    product = make_listable_product(attributes={"material": "cotton", "colour": ""})
    listing = make_listing(
        product=product, channel=make_channel("shopify", required_attributes=["material", "colour", "size"])
    )
    issues = listing_readiness(listing)
    assert [(i.code, i.field) for i in issues] == [
        ("attribute_missing", "attributes.colour"),
        ("attribute_missing", "attributes.size"),
    ]
    assert "requires the attribute 'colour'" in issues[0].message


def test_category_missing_blocks(make_listing, make_listable_product):
    product = make_listable_product()
    product_update(product=product, category=None)
    assert _codes(make_listing(product=product)) == ["category_missing"]


def test_category_not_mapped_blocks_and_names_the_category(make_listing):
    listing = make_listing(map_category=False)
    issue = listing_readiness(listing)[0]
    assert (issue.code, issue.field, issue.severity) == ("category_not_mapped", "category", "blocking")
    category, channel = listing.product.category, listing.channel
    assert issue.message == f"Category '{category.full_name}' has no mapped Shopify category on {channel.name}."


def test_parent_mapping_covers_subcategories(make_listing, make_listable_product, make_channel):
    from channels.services import category_mapping_set

    parent = category_create(name="Home")
    child = category_create(name="Lamps", parent=parent)
    channel = make_channel("shopify")
    category_mapping_set(channel=channel, category=parent, external_category_id="home")
    listing = make_listing(product=make_listable_product(category=child), channel=channel, map_category=False)
    assert _codes(listing) == []


def test_category_outside_the_allowed_ones_blocks(make_listing, make_listable_product, make_channel):
    allowed = category_create(name="Allowed")
    channel = make_channel("shopify", allowed_categories=[allowed])
    listing = make_listing(channel=channel)
    assert _codes(listing) == ["category_not_allowed"]


def test_price_rules_that_make_the_price_zero_block(make_listing, make_channel):
    channel = make_channel("shopify", price_adjust_type="fixed", price_adjust_value="-100")
    issues = listing_readiness(make_listing(channel=channel))
    assert [(i.code, i.message) for i in issues] == [("price_not_positive", "The price is -80.00; it must be above 0.")]


def test_unconverted_currency_is_a_warning(make_listing, make_channel):
    listing = make_listing(channel=make_channel("lazada"))
    assert [(i.code, i.severity) for i in listing_readiness(listing)] == [("currency_not_converted", "warning")]
    channel_update(channel=listing.channel, price_currency_rate="4.4")
    assert _codes(listing) == []


def test_price_below_cost_is_a_warning(make_listing, make_listable_product):
    listing = make_listing(product=make_listable_product(cost_price="25.00"))
    assert [(i.code, i.severity) for i in listing_readiness(listing)] == [("price_below_cost", "warning")]


def test_out_of_stock_is_a_warning(make_listing, make_listable_product):
    listing = make_listing(product=make_listable_product(quantity=0))
    assert [(i.code, i.severity) for i in listing_readiness(listing)] == [("out_of_stock", "warning")]


def test_blocking_issues_come_first(make_listing, make_listable_product):
    listing = make_listing(product=make_listable_product(quantity=0), map_category=False)
    assert [i.severity for i in listing_readiness(listing)] == ["blocking", "warning"]
