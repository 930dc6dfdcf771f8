"""Content fields of a product (docs/catalog.md#content): every named bad input refused with its field, on the
service, the staff form and the API; listing overrides and the payload the marketplaces get."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils.text import slugify

from catalog.forms import ProductForm
from catalog.models import Product
from catalog.services import product_create, product_update
from catalog.validators import search_terms_error
from listings.selectors import listing_payload_build, listing_payload_hash
from listings.services import listing_effective_values, listing_update

pytestmark = pytest.mark.django_db

BASE = {"sku": "MUG-1", "title": "Stoneware mug", "price": Decimal("12.00")}
# 125 "ü" are 125 characters but 250 bytes; one more ASCII letter makes 251 bytes in 126 characters
AT_LIMIT = "ü" * 125
OVER_LIMIT = AT_LIMIT + "x"


def test_search_terms_are_counted_in_utf8_bytes():
    assert search_terms_error("a" * 250) is None
    assert search_terms_error(AT_LIMIT) is None
    message = search_terms_error(OVER_LIMIT)
    assert message is not None
    assert "251 bytes" in message
    assert "126 characters" in message


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("bullet_point_1", "x" * 501, "at most 500 characters"),
        ("search_terms", OVER_LIMIT, "251 bytes"),
        ("seo_title", "t" * 71, "at most 70 characters"),
        ("seo_description", "d" * 321, "at most 320 characters"),
        ("handle", "Stoneware Mug!", "lowercase letters, digits and single hyphens"),
        ("model_number", "m" * 101, "at most 100 characters"),
    ],
    ids=["bullet_over_limit_case", "search_terms_bytes_case", "seo_title_case", "seo_description_case",
         "handle_case", "model_number_case"],
)  # fmt: skip
def test_the_service_refuses_bad_content_and_names_the_field(field, value, expected):
    # when a product is created with one bad content value
    with pytest.raises(ValidationError) as refused:
        product_create(**BASE, **{field: value})
    # then the refusal names that field, and nothing was saved
    assert list(refused.value.message_dict) == [field]
    assert expected in refused.value.message_dict[field][0]
    assert not Product.objects.exists()


def test_content_is_saved_trimmed_sanitised_and_the_handle_lowercased():
    product = product_create(
        **BASE,
        bullet_point_1="Holds 350 ml",
        bullet_point_3="Dishwasher safe",
        search_terms=AT_LIMIT,
        short_description="<ul><li>Stoneware</li></ul><script>x()</script>",
        handle=" Stoneware-Mug ",
        manufacturer="Acme Ceramics",
        model_number="MUG-350",
        mpn="AC-350",
    )
    product.refresh_from_db()
    assert product.bullet_points == ["Holds 350 ml", "Dishwasher safe"]
    assert product.search_terms == AT_LIMIT
    assert product.short_description == "<ul><li>Stoneware</li></ul>"
    assert product.handle == "stoneware-mug"


def test_the_staff_form_shows_the_byte_count_error():
    form = ProductForm(data={**BASE, "currency": "USD", "quantity": 0, "status": "draft", "search_terms": OVER_LIMIT})
    assert not form.is_valid()
    assert "251 bytes" in form.errors["search_terms"][0]


def test_the_api_takes_and_returns_content_and_refuses_bad_values(api):
    # given a product written through the API with content
    body = {"sku": "API-1", "title": "Mug", "price": "5.00", "bullet_point_1": "Holds 350 ml", "mpn": "AC-1"}
    created = api.post("/api/v1/products/", {**body, "model_number": "M-1", "seo_title": "Mug"}, format="json")
    assert created.status_code == 201, created.json()
    data = created.json()
    assert (data["bullet_point_1"], data["mpn"], data["model_number"], data["seo_title"]) == (
        "Holds 350 ml",
        "AC-1",
        "M-1",
        "Mug",
    )
    assert api.get(f"/api/v1/products/{data['id']}/").json()["bullet_point_1"] == "Holds 350 ml"
    # when search terms over 250 bytes and an illegal handle are sent
    refused = api.patch(f"/api/v1/products/{data['id']}/", {"search_terms": OVER_LIMIT}, format="json")
    bad_handle = api.patch(f"/api/v1/products/{data['id']}/", {"handle": "Mug Handle"}, format="json")
    # then both are 400 naming the field, and the product is unchanged
    assert refused.status_code == 400
    assert [e["field"] for e in refused.json()["errors"]] == ["search_terms"]
    assert bad_handle.status_code == 400
    assert [e["field"] for e in bad_handle.json()["errors"]] == ["handle"]
    assert Product.objects.get(pk=data["id"]).search_terms == ""


# --- listing overrides and the payload ---


def test_listing_overrides_win_and_blank_inherits(make_listing, make_listable_product):
    product = make_listable_product(bullet_point_1="Product bullet", search_terms="mug", seo_title="Product SEO")
    listing = make_listing(product=product)
    values = listing_effective_values(listing)
    assert (values.bullet_points.value, values.bullet_points.source) == (("Product bullet",), "product")
    listing = listing_update(listing=listing, bullet_points=["Own bullet", "Second"], search_terms="tasse")
    values = listing_effective_values(listing)
    assert (values.bullet_points.value, values.bullet_points.source) == (("Own bullet", "Second"), "listing")
    assert (values.search_terms.value, values.search_terms.source) == ("tasse", "listing")
    assert values.seo_title.value == "Product SEO"
    listing = listing_update(listing=listing, search_terms="  ", bullet_points=None)
    values = listing_effective_values(listing)
    assert (values.search_terms.value, values.search_terms.source) == ("mug", "product")
    assert values.bullet_points.value == ("Product bullet",)


@pytest.mark.parametrize(
    ("overrides", "field", "expected"),
    [
        ({"bullet_points": ["b"] * 6}, "bullet_points", "6 bullet points given; at most 5"),
        ({"bullet_points": ["x" * 501]}, "bullet_points", "Bullet 1: Bullet point has 501 characters"),
        ({"bullet_points": "not a list"}, "bullet_points", "must be a list of texts"),
        ({"search_terms": OVER_LIMIT}, "search_terms", "251 bytes"),
    ],
    ids=["six_bullets_case", "long_bullet_case", "not_a_list_case", "search_terms_bytes_case"],
)
def test_listing_override_bad_input_is_refused(make_listing, overrides, field, expected):
    listing = make_listing()
    with pytest.raises(ValidationError) as refused:
        listing_update(listing=listing, **overrides)
    assert expected in " ".join(refused.value.message_dict[field])
    listing.refresh_from_db()
    assert (listing.bullet_points, listing.search_terms) == (None, None)


def test_listing_api_overrides_and_effective_content(api, make_listing, make_listable_product):
    listing = make_listing(product=make_listable_product(bullet_point_1="From product"))
    url = f"/api/v1/listings/{listing.pk}/"
    six = api.patch(url, {"bullet_points": ["b"] * 6}, format="json")
    assert six.status_code == 400
    assert [e["field"] for e in six.json()["errors"]] == ["bullet_points"]
    done = api.patch(url, {"bullet_points": ["Own"], "seo_title": "Own SEO"}, format="json")
    assert done.status_code == 200, done.json()
    effective = done.json()["effective"]
    assert effective["bullet_points"] == {"value": ["Own"], "source": "listing", "rule": "listing override"}
    assert effective["seo_title"]["value"] == "Own SEO"


def test_payload_carries_the_content_and_a_content_change_changes_the_hash(make_listing, make_listable_product):
    product = make_listable_product()
    listing = make_listing(product=product)
    before = listing_payload_build(listing, image_url=lambda image: "https://cdn.example.com/1.png")
    hash_before = listing_payload_hash(before)
    assert before.bullet_points == ()
    assert before.part_number == ""
    product_update(product=product, bullet_point_2="Second", mpn="AC-9", model_number="M-9", handle="mug-9")
    listing.refresh_from_db()
    after = listing_payload_build(listing, image_url=lambda image: "https://cdn.example.com/1.png")
    assert (after.bullet_points, after.part_number, after.model_number, after.handle) == (
        ("Second",),
        "AC-9",
        "M-9",
        "mug-9",
    )
    assert listing_payload_hash(after) != hash_before


def test_empty_content_leaves_the_payload_hash_as_before_content_existed():
    # the hash of a payload without content is the hash of the same fields before the content fields were added
    import dataclasses
    import hashlib
    import json

    from syncing.connectors.base import ListingPayload

    payload = ListingPayload(sku="A", title="t", description="", price=Decimal("1"), currency="USD", quantity=1)
    data = dataclasses.asdict(payload)
    for name in ("external_id", "image_alts", "bullet_points", "search_terms", "short_description", "seo_title"):
        data.pop(name)
    for name in ("seo_description", "handle", "manufacturer", "model_number", "part_number", "metafields"):
        data.pop(name)
    for name in ("collection_title", "collection_handle", "collection_image_url"):
        data.pop(name)
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
    assert listing_payload_hash(payload) == hashlib.sha256(text.encode()).hexdigest()


def test_a_mapped_category_is_the_collection_of_shopify_payloads_only(
    make_listing, make_listable_product, make_channel
):
    product = make_listable_product()
    shopify = make_listing(product=product, channel=make_channel("shopify"))
    lazada = make_listing(product=product, channel=make_channel("lazada"))
    url = lambda image: "https://cdn.example.com/1.png"  # noqa: E731
    payload = listing_payload_build(shopify, image_url=url)
    assert (payload.collection_title, payload.collection_handle) == (
        product.category.name,
        slugify(product.category.name),
    )
    assert listing_payload_build(lazada, image_url=url).collection_handle == ""
