from django.apps import AppConfig
from django.db.models.signals import post_save


class InventoryConfig(AppConfig):
    name = "inventory"
    verbose_name = "Inventory"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from catalog.models import Product, Variant

        from . import signals

        post_save.connect(signals.product_created, sender=Product, dispatch_uid="inventory.product_created")
        post_save.connect(signals.variant_created, sender=Variant, dispatch_uid="inventory.variant_created")
