from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.services import product_archive, variant_create
from common.errors import ApplicationError
from listings.models import Listing
from listings.services import listing_create, listing_sync_state_set, listing_update

pytestmark = pytest.mark.django_db


def test_listing_create_makes_a_draft_and_records_the_actor(listable_product, channel, admin_user):
    listing = listing_create(product=listable_product, channel=channel, user=admin_user, title="Override")
    listing.refresh_from_db()
    assert (listing.status, listing.title, listing.variant) == ("draft", "Override", None)
    assert (listing.created_by, listing.updated_by) == (admin_user, admin_user)
    assert str(listing) == f"{listable_product.sku} on {channel.name}"


def test_archived_product_is_refused(listable_product, channel):
    product_archive(product=listable_product)
    with pytest.raises(ApplicationError, match=f"Product {listable_product.sku} is archived; restore it"):
        listing_create(product=listable_product, channel=channel)
    assert not Listing.objects.exists()


def test_duplicate_product_listing_is_refused(listable_product, channel):
    first = listing_create(product=listable_product, channel=channel)
    with pytest.raises(ApplicationError) as exc:
        listing_create(product=listable_product, channel=channel)
    assert exc.value.message == f"{listable_product.sku} is already listed on {channel.name} (listing #{first.pk})."
    assert exc.value.extra == {"code": "duplicate", "listing_id": first.pk}
    assert Listing.objects.count() == 1


def test_variant_listings_are_unique_per_variant_but_coexist_with_the_product_listing(listable_product, channel):
    small = variant_create(product=listable_product, sku=f"{listable_product.sku}-S", options={"Size": "S"})
    large = variant_create(product=listable_product, sku=f"{listable_product.sku}-L", options={"Size": "L"})
    listing_create(product=listable_product, channel=channel)
    listing_create(product=listable_product, variant=small, channel=channel)
    listing_create(product=listable_product, variant=large, channel=channel)
    with pytest.raises(ApplicationError, match=f"{small.sku} is already listed"):
        listing_create(product=listable_product, variant=small, channel=channel)
    assert Listing.objects.count() == 3


@pytest.mark.parametrize("variant_kind", ["none", "variant"], ids=["null_variant_case", "variant_case"])
def test_database_enforces_uniqueness_including_null_variant(listable_product, channel, variant_kind):
    # given: bypassing the service, as a buggy import would
    variant = (
        variant_create(product=listable_product, sku=f"{listable_product.sku}-X", options={"Size": "X"})
        if variant_kind == "variant"
        else None
    )
    Listing.objects.create(product=listable_product, variant=variant, channel=channel)
    # when / then
    with pytest.raises(IntegrityError), transaction.atomic():
        Listing.objects.create(product=listable_product, variant=variant, channel=channel)


def test_full_clean_reports_the_duplicate_clearly(listable_product, channel):
    listing_create(product=listable_product, channel=channel)
    with pytest.raises(ValidationError) as exc:
        Listing(product=listable_product, channel=channel).full_clean()
    assert "This product is already listed on this channel." in exc.value.messages


@pytest.mark.parametrize("price", ["0", "-1.00", "0.00"], ids=["zero_case", "negative_case", "zero_cents_case"])
def test_override_price_must_be_positive(listable_product, channel, price):
    with pytest.raises(ValidationError) as exc:
        listing_create(product=listable_product, channel=channel, price=Decimal(price))
    assert f"Override price must be above 0 (got {Decimal(price)})." in exc.value.message_dict["price"]
    assert not Listing.objects.exists()


def test_compare_at_below_price_is_refused(listable_product, channel):
    with pytest.raises(ValidationError) as exc:
        listing_create(product=listable_product, channel=channel, price=Decimal("10"), compare_at_price=Decimal("9"))
    assert exc.value.message_dict["compare_at_price"] == ["Compare-at price 9 is below the price 10."]


def test_negative_quantity_override_is_refused(listable_product, channel):
    with pytest.raises(ValidationError) as exc:
        listing_create(product=listable_product, channel=channel, quantity=-1)
    assert "quantity" in exc.value.message_dict


def test_unknown_override_is_refused(listable_product, channel):
    with pytest.raises(ApplicationError, match="Unknown listing override\\(s\\): status;"):
        listing_create(product=listable_product, channel=channel, status="live")
    assert not Listing.objects.exists()


def test_variant_of_another_product_is_refused(make_listable_product, channel):
    product, other = make_listable_product(), make_listable_product()
    variant = variant_create(product=other, sku=f"{other.sku}-S", options={"Size": "S"})
    with pytest.raises(ApplicationError, match=f"Variant {variant.sku} does not belong to product {product.sku}."):
        listing_create(product=product, variant=variant, channel=channel)


def test_listing_update_sets_and_clears_overrides(ready_listing, admin_user):
    listing_update(listing=ready_listing, user=admin_user, price=Decimal("12.50"), title="New")
    ready_listing.refresh_from_db()
    assert (ready_listing.price, ready_listing.title, ready_listing.updated_by) == (Decimal("12.50"), "New", admin_user)
    listing_update(listing=ready_listing, price=None, title="")
    ready_listing.refresh_from_db()
    assert (ready_listing.price, ready_listing.title) == (None, None)


def test_listing_update_refuses_bad_price_and_keeps_the_row(ready_listing):
    with pytest.raises(ValidationError):
        listing_update(listing=ready_listing, price=Decimal("0"))
    assert Listing.objects.get(pk=ready_listing.pk).price is None


def test_listing_update_cannot_change_status(ready_listing):
    with pytest.raises(ApplicationError, match="Unknown listing override"):
        listing_update(listing=ready_listing, status="live")


def test_sync_state_set_records_remote_facts(ready_listing):
    now = timezone.now()
    listing_sync_state_set(
        listing=ready_listing,
        external_id="gid://shopify/Product/1",
        external_url="http://127.0.0.1:8100/shopify/products/1",
        last_pushed_at=now,
        last_pushed_hash="a" * 64,
        drift={"price": {"ours": "10.00", "last_pushed": "10.00", "remote": "12.00"}},
    )
    stored = Listing.objects.get(pk=ready_listing.pk)
    assert (stored.external_id, stored.last_pushed_hash) == ("gid://shopify/Product/1", "a" * 64)
    assert stored.drift["price"]["remote"] == "12.00"


def test_sync_state_set_refuses_other_fields(ready_listing):
    with pytest.raises(ApplicationError, match="Unknown listing sync field\\(s\\): status."):
        listing_sync_state_set(listing=ready_listing, status="live")


def test_external_id_is_unique_per_channel(make_listing, channel):
    first, second = make_listing(channel=channel), make_listing(channel=channel)
    listing_sync_state_set(listing=first, external_id="42")
    with pytest.raises(ValidationError) as exc:
        listing_sync_state_set(listing=second, external_id="42")
    assert "Another listing on this channel already has this external id." in exc.value.messages
