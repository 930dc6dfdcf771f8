"""The stock ledger: idempotent movements, manual adjustments, counts, catalog quantity derived from the ledger."""

import pytest
from django.db.models import Sum

from catalog.models import Product, Variant
from catalog.services import product_create, product_update, variant_create
from common.errors import ApplicationError
from inventory.choices import Bucket, Reason
from inventory.models import Stock, StockMovement
from inventory.services import (
    movement_apply,
    stock_adjust,
    stock_count,
    stock_for_product,
    stock_for_sku,
    stock_settings_update,
)
from tests.catalog.factories import ProductFactory

pytestmark = pytest.mark.django_db


def bucket_sum(stock, bucket):
    return StockMovement.objects.filter(stock=stock, bucket=bucket).aggregate(t=Sum("delta"))["t"] or 0


def test_opening_count_from_catalog_quantity():
    product = ProductFactory(sku="MUG-1", quantity=7)
    stock = stock_for_sku("mug-1")
    assert (stock.on_hand, stock.committed, stock.available) == (7, 0, 7)
    assert stock.movements.get().reason == Reason.STOCK_COUNT
    assert stock_for_product(product).pk == stock.pk  # opened once


def test_creating_through_the_catalog_services_opens_the_stock_row_at_once():
    # the catalog publishes catalog.stock_item_created; inventory opens the row (no model signal)
    product = product_create(sku="LAMP-1", title="Desk lamp", price="19.90", quantity=4)
    stock = Stock.objects.get(product=product, variant__isnull=True)
    assert (stock.on_hand, stock.available) == (4, 4)
    variant = variant_create(product=ProductFactory(sku="SOCK"), sku="SOCK-M", options={"Size": "M"}, quantity=6)
    assert Stock.objects.get(variant=variant).on_hand == 6


def test_variant_stock_and_product_with_variants_has_none():
    product = ProductFactory(sku="TEE")
    variant_create(product=product, sku="TEE-XL", options={"Size": "XL"}, quantity=3)
    assert stock_for_sku("TEE") is None
    with pytest.raises(ApplicationError, match="has variants"):
        stock_for_product(product)
    assert stock_for_sku("TEE-XL").on_hand == 3
    assert stock_for_sku("NOPE") is None


def test_same_key_twice_is_a_no_op_and_quantity_follows_available():
    ProductFactory(sku="MUG-2", quantity=10)
    stock = stock_for_sku("MUG-2")
    first = movement_apply(stock=stock, bucket=Bucket.COMMITTED, delta=3, reason=Reason.ORDER_PAID, idempotency_key="k")
    again = movement_apply(stock=stock, bucket=Bucket.COMMITTED, delta=3, reason=Reason.ORDER_PAID, idempotency_key="k")
    assert first is not None
    assert again is None
    stock.refresh_from_db()
    assert stock.committed == 3 == bucket_sum(stock, Bucket.COMMITTED)
    assert Product.objects.get(sku="MUG-2").quantity == 7  # written back through the catalog service


def test_committed_cannot_go_negative():
    ProductFactory(sku="MUG-3", quantity=1)
    stock = stock_for_sku("MUG-3")
    with pytest.raises(ApplicationError, match="below zero"):
        movement_apply(stock=stock, bucket=Bucket.COMMITTED, delta=-1, reason=Reason.ORDER_CANCELLED,
                       idempotency_key="x")  # fmt: skip
    assert not StockMovement.objects.filter(idempotency_key="x").exists()


def test_oversold_flag_and_zero_quantity():
    ProductFactory(sku="MUG-4", quantity=1)
    stock = stock_for_sku("MUG-4")
    movement_apply(stock=stock, bucket=Bucket.COMMITTED, delta=2, reason=Reason.ORDER_PAID, idempotency_key="o")
    stock.refresh_from_db()
    assert stock.oversold
    assert stock.available == -1
    assert Product.objects.get(sku="MUG-4").quantity == 0


def test_manual_adjustment_needs_reason_and_refuses_below_zero_unless_count(admin_user):
    ProductFactory(sku="MUG-5", quantity=2)
    stock = stock_for_sku("MUG-5")
    with pytest.raises(ApplicationError, match="reason is required"):
        stock_adjust(stock=stock, delta=1, reason="  ")
    with pytest.raises(ApplicationError, match='only with the reason "count"'):
        stock_adjust(stock=stock, delta=-3, reason="broken")
    stock.refresh_from_db()
    assert stock.on_hand == 2
    movement = stock_adjust(stock=stock, delta=-3, reason="count", user=admin_user)
    assert movement.reason == Reason.STOCK_COUNT
    assert movement.actor == admin_user
    ok = stock_adjust(stock=stock, delta=5, reason="found a box")
    assert ok.reason == Reason.MANUAL_ADJUSTMENT
    assert ok.note == "found a box"
    stock.refresh_from_db()
    assert stock.on_hand == 4 == bucket_sum(stock, Bucket.ON_HAND)


def test_stock_count_and_safety_and_threshold(settings):
    settings.INVENTORY_LOW_STOCK_THRESHOLD = 3
    product = ProductFactory(sku="MUG-6", quantity=4)
    stock = stock_for_sku("MUG-6")
    assert stock.low_stock is False
    stock_count(stock=stock, on_hand=9)
    assert stock_count(stock=stock, on_hand=9) is None
    stock_settings_update(stock=stock, safety=2, low_stock_threshold=8)
    stock.refresh_from_db()
    assert (stock.on_hand, stock.safety, stock.available, stock.low_stock) == (9, 2, 7, True)
    product.refresh_from_db()
    assert product.quantity == 7


def test_catalog_edit_becomes_a_count():
    product = ProductFactory(sku="MUG-7", quantity=4)
    stock = stock_for_sku("MUG-7")
    product_update(product=product, quantity=10)  # edited on the product page, outside the ledger
    movement_apply(stock=stock, bucket=Bucket.COMMITTED, delta=1, reason=Reason.ORDER_PAID, idempotency_key="c")
    stock.refresh_from_db()
    assert (stock.on_hand, stock.available) == (10, 9)
    assert bucket_sum(stock, Bucket.ON_HAND) == 10
    assert Product.objects.get(pk=product.pk).quantity == 9


def test_movements_are_append_only():
    ProductFactory(sku="MUG-8", quantity=1)
    movement = stock_for_sku("MUG-8").movements.get()
    movement.delta = 5
    with pytest.raises(ValueError, match="append-only"):
        movement.save()


def test_data_migration_opens_stock_for_existing_quantities():
    # The migration's function over live rows (it uses only historical-model APIs that live models share).
    from importlib import import_module

    from django.apps import apps

    product = ProductFactory(sku="OLD-1", quantity=6)
    with_variants = ProductFactory(sku="OLD-2")
    variant = Variant.objects.create(product=with_variants, sku="OLD-2-S", quantity=2)
    Stock.objects.all().delete()
    import_module("inventory.migrations.0002_opening_counts_from_catalog").open_stock(apps, None)
    assert Stock.objects.get(product=product).on_hand == 6
    assert Stock.objects.get(variant=variant).on_hand == 2
    assert not Stock.objects.filter(product=with_variants, variant__isnull=True).exists()
    assert StockMovement.objects.get(idempotency_key=f"opening:variant:{variant.pk}").delta == 2


def test_a_movement_tells_the_listings_their_offers_changed():
    from catalog.events import LISTING_INPUTS_CHANGED
    from common import events

    product = ProductFactory(sku="MUG-9", quantity=3)
    stock = stock_for_sku("MUG-9")
    heard = []

    def handler(**payload):
        heard.append(payload)

    events.subscribe(LISTING_INPUTS_CHANGED, handler)
    try:
        movement_apply(stock=stock, bucket=Bucket.COMMITTED, delta=1, reason=Reason.ORDER_PAID, idempotency_key="e")
    finally:
        events._handlers[LISTING_INPUTS_CHANGED].remove(handler)
    assert [(p["product_ids"], p["parts"]) for p in heard] == [([product.pk], frozenset({"offers"}))]
