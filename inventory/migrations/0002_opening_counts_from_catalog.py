"""Today's catalog quantities become opening `stock_count` movements (docs/orders.md#the-ledger)."""

from django.db import migrations


def open_stock(apps, schema_editor):
    Product = apps.get_model("catalog", "Product")
    Variant = apps.get_model("catalog", "Variant")
    Stock = apps.get_model("inventory", "Stock")
    StockMovement = apps.get_model("inventory", "StockMovement")
    with_variants = set(Variant.objects.values_list("product_id", flat=True).distinct())
    for product in Product.objects.exclude(pk__in=with_variants).only("pk", "sku", "quantity").iterator():
        stock = Stock.objects.create(product_id=product.pk, sku=product.sku, on_hand=product.quantity)
        if product.quantity:
            StockMovement.objects.create(
                stock=stock, bucket="on_hand", delta=product.quantity, reason="stock_count",
                idempotency_key=f"opening:product:{product.pk}", note="Opening count from the catalog quantity",
            )
    for variant in Variant.objects.only("pk", "product_id", "sku", "quantity").iterator():
        stock = Stock.objects.create(
            product_id=variant.product_id, variant_id=variant.pk, sku=variant.sku, on_hand=variant.quantity
        )
        if variant.quantity:
            StockMovement.objects.create(
                stock=stock, bucket="on_hand", delta=variant.quantity, reason="stock_count",
                idempotency_key=f"opening:variant:{variant.pk}", note="Opening count from the catalog quantity",
            )


class Migration(migrations.Migration):
    dependencies = [("inventory", "0001_stock_and_ledger")]

    operations = [migrations.RunPython(open_stock, migrations.RunPython.noop)]
