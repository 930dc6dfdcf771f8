"""Minimum stock control (docs/orders.md#minimum-stock-control): below a channel's minimum, it advertises 0 and the
last units sell on the primary channel; the settings are checked on every entry point and marking follows them."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from catalog.services import product_update, variant_create
from channels.models import Channel
from channels.services import channel_update
from inventory.services import stock_adjust, stock_for_sku
from listings.choices import ListingStatus
from listings.effective import effective_quantity
from listings.models import Listing
from listings.selectors import listing_marketplace_payload_hash, listings_with_payload_inputs
from tests.channels.test_views import _channel_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def primary(make_channel):
    return make_channel("shopify", name="Own shop")


@pytest.fixture
def secondary(make_channel):
    return make_channel("lazada", name="Lazada MY")


def _live(listing):
    """Pretend the listing was pushed: on the marketplace, with its current payload as the last pushed one."""
    Listing.objects.filter(pk=listing.pk).update(status=ListingStatus.LIVE, external_id=f"ext-{listing.pk}")
    fresh = listings_with_payload_inputs(Listing.objects.filter(pk=listing.pk)).get()
    Listing.objects.filter(pk=listing.pk).update(last_pushed_hash=listing_marketplace_payload_hash(fresh))
    return Listing.objects.get(pk=listing.pk)


def _quantity(listing):
    return effective_quantity(listings_with_payload_inputs(Listing.objects.filter(pk=listing.pk)).get()).value


def test_below_the_minimum_only_the_primary_advertises(primary, secondary, make_listing, make_listable_product):
    # given a SKU with 2 available, listed on both channels
    product = make_listable_product(quantity=2)
    on_primary = make_listing(product=product, channel=primary)
    on_secondary = make_listing(product=product, channel=secondary)
    # when the secondary holds its last 3 units back for the primary
    channel_update(channel=secondary, minimum_stock=3, minimum_stock_primary=primary)
    # then
    assert (_quantity(on_primary), _quantity(on_secondary)) == (2, 0)
    listing = listings_with_payload_inputs(Listing.objects.filter(pk=on_secondary.pk)).get()
    assert "below minimum stock 3" in effective_quantity(listing).rule
    # at the minimum, both advertise again
    product_update(product=product, quantity=3)
    assert (_quantity(on_primary), _quantity(on_secondary)) == (3, 3)


def test_product_level_listing_counts_only_the_variants_at_or_above_the_minimum(primary, secondary, make_listing):
    from tests.catalog.factories import ProductFactory

    product = ProductFactory(sku="TEE", quantity=0)
    variant_create(product=product, sku="TEE-S", options={"Size": "S"}, quantity=1)
    variant_create(product=product, sku="TEE-M", options={"Size": "M"}, quantity=5)
    listing = make_listing(product=product, channel=secondary, map_category=False)
    channel_update(channel=secondary, minimum_stock=2, minimum_stock_primary=primary)
    assert _quantity(listing) == 5


def test_changing_the_setting_marks_the_channels_live_listings(primary, secondary, make_listing):
    listing = _live(make_listing(channel=secondary))  # quantity 10
    channel_update(channel=secondary, minimum_stock=3, minimum_stock_primary=primary)
    listing.refresh_from_db()
    assert not listing.changed_since_push  # 10 is not below 3: nothing the marketplace sees changed
    channel_update(channel=secondary, minimum_stock=11)
    listing.refresh_from_db()
    assert (listing.changed_since_push, listing.changed_parts) == (True, ["offers"])


def test_available_crossing_the_minimum_marks_the_listing(primary, secondary, make_listing, make_listable_product):
    product = make_listable_product(quantity=5)
    listing = _live(make_listing(product=product, channel=secondary))
    channel_update(channel=secondary, minimum_stock=3, minimum_stock_primary=primary)
    stock_adjust(stock=stock_for_sku(product.sku), delta=-3, reason="damaged")
    listing.refresh_from_db()
    assert listing.changed_since_push
    assert _quantity(listing) == 0


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"minimum_stock": 3}, "minimum_stock_primary", "Choose the primary channel"),
        ({"minimum_stock_primary": "self"}, "minimum_stock", "Set the minimum stock"),
        ({"minimum_stock": 3, "minimum_stock_primary": "self"}, "minimum_stock_primary", "must be another channel"),
        ({"minimum_stock": -1, "minimum_stock_primary": "primary"}, "minimum_stock", "greater than or equal to 0"),
    ],
    ids=["no_primary_case", "no_minimum_case", "itself_case", "negative_case"],
)
def test_bad_settings_are_refused_and_nothing_changes(primary, secondary, fields, field, message):
    values = {k: {"self": secondary, "primary": primary}.get(v, v) for k, v in fields.items()}
    with pytest.raises(ValidationError) as exc:
        channel_update(channel=secondary, **values)
    assert message in " ".join(exc.value.message_dict[field])
    assert Channel.objects.filter(pk=secondary.pk, minimum_stock__isnull=True, minimum_stock_primary=None).exists()


def test_primary_must_be_active_and_not_hold_back_itself(primary, secondary, make_channel):
    third = make_channel("shopee", name="Shopee MY")
    channel_update(channel=secondary, minimum_stock=2, minimum_stock_primary=primary)
    with pytest.raises(ValidationError, match="holds its own last units back"):
        channel_update(channel=third, minimum_stock=2, minimum_stock_primary=secondary)
    third.refresh_from_db()
    with pytest.raises(ValidationError, match="is the primary of Lazada MY"):
        channel_update(channel=primary, minimum_stock=2, minimum_stock_primary=third)
    channel_update(channel=third, is_active=False)
    with pytest.raises(ValidationError, match="is not active"):
        channel_update(channel=secondary, minimum_stock_primary=third)
    assert Channel.objects.get(pk=secondary.pk).minimum_stock_primary_id == primary.pk


def test_database_refuses_a_primary_without_minimum_and_itself(primary, secondary):
    with pytest.raises(IntegrityError), transaction.atomic():
        Channel.objects.filter(pk=secondary.pk).update(minimum_stock_primary=primary)
    with pytest.raises(IntegrityError), transaction.atomic():
        Channel.objects.filter(pk=secondary.pk).update(minimum_stock=1, minimum_stock_primary=secondary)


def test_api_sets_and_refuses_with_the_field_name(admin_api, primary, secondary):
    url = f"/api/v1/channels/{secondary.pk}/"
    bad = admin_api.patch(url, {"minimum_stock": 2}, format="json")
    assert bad.status_code == 400
    assert "minimum_stock_primary" in str(bad.json())
    ok = admin_api.patch(url, {"minimum_stock": 2, "minimum_stock_primary": primary.pk}, format="json")
    assert ok.status_code == 200, ok.json()
    assert (ok.json()["minimum_stock"], ok.json()["minimum_stock_primary"]) == (2, primary.pk)


def test_edit_page_sets_it_and_the_detail_page_explains_it(channel_manager_client, primary, secondary):
    url = reverse("channels:channel_update", kwargs={"pk": primary.pk})
    page = channel_manager_client.get(url).content.decode()
    assert 'name="minimum_stock_primary"' in page
    assert f'<option value="{primary.pk}"' not in page  # a channel is never its own primary
    form = _channel_form(name="Own shop", minimum_stock="4", minimum_stock_primary=str(secondary.pk))
    form.pop("cred_access_token")
    response = channel_manager_client.post(url, form)
    assert response.status_code == 302
    detail = channel_manager_client.get(reverse("channels:channel_detail", kwargs={"pk": primary.pk})).content
    assert "below 4 available: 0 here, the last units sell on" in detail.decode()
