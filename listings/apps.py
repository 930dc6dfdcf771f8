from django.apps import AppConfig


class ListingsConfig(AppConfig):
    name = "listings"
    verbose_name = "Listings"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here: services need the app registry, which is ready only now.
        from catalog.events import LISTING_INPUTS_CHANGED, PRODUCT_DELETING
        from channels.events import PAYLOAD_INPUTS_CHANGED, READINESS_INPUTS_CHANGED
        from common import events

        from .services import (
            listings_changes_mark_for_channel,
            listings_changes_mark_for_products,
            listings_readiness_refresh_enqueue,
            product_deleting_listings_release,
        )

        events.subscribe(READINESS_INPUTS_CHANGED, listings_readiness_refresh_enqueue)
        # Push on change (docs/sync.md): writes below listings mark the listings whose payload they change.
        events.subscribe(LISTING_INPUTS_CHANGED, listings_changes_mark_for_products)
        events.subscribe(PAYLOAD_INPUTS_CHANGED, listings_changes_mark_for_channel)
        events.subscribe(PRODUCT_DELETING, product_deleting_listings_release)
