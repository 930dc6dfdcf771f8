from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "inventory"
    verbose_name = "Inventory"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here: services need the app registry, which is ready only now.
        from catalog.events import STOCK_ITEM_CREATED
        from common import events

        from .services import stock_item_open

        events.subscribe(STOCK_ITEM_CREATED, stock_item_open)
