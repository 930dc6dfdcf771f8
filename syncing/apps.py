from django.apps import AppConfig


class SyncingConfig(AppConfig):
    name = "syncing"
    verbose_name = "Syncing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here: services need the app registry, which is ready only now.
        from catalog.events import PRODUCT_ARCHIVING, PRODUCTS_ARCHIVING_CHECK
        from common import events
        from listings.events import LISTINGS_CHANGED

        from .services.autopush import autopush_schedule
        from .services.deactivate import product_archiving_listings_check, products_archiving_check

        events.subscribe(PRODUCT_ARCHIVING, product_archiving_listings_check)
        events.subscribe(PRODUCTS_ARCHIVING_CHECK, products_archiving_check)
        # Push on change (docs/sync.md): marked listings are pushed a debounce later.
        events.subscribe(LISTINGS_CHANGED, autopush_schedule)
