from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "inventory"
    verbose_name = "Inventory"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here: services need the app registry, which is ready only now.
        from catalog.events import STOCK_ITEM_CREATED, STOCK_QUANTITIES_IMPORTED
        from catalog.importing.kinds import sheet_kind_register
        from common import events

        from .services import stock_item_open, stock_quantities_imported
        from .stock_counts import STOCK_COUNT_SHEET

        events.subscribe(STOCK_ITEM_CREATED, stock_item_open)
        # an import's quantity column is an `import` movement of the ledger (docs/orders.md#import-quantities)
        events.subscribe(STOCK_QUANTITIES_IMPORTED, stock_quantities_imported)
        # the stock-count sheet (sku, on_hand) rides the catalog's import machinery (docs/orders.md)
        sheet_kind_register(STOCK_COUNT_SHEET)
