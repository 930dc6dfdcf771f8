from django.apps import AppConfig


class ListingsConfig(AppConfig):
    name = "listings"
    verbose_name = "Listings"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here: services need the app registry, which is ready only now.
        from channels.events import READINESS_INPUTS_CHANGED
        from common import events

        from .services import listings_readiness_refresh_enqueue

        events.subscribe(READINESS_INPUTS_CHANGED, listings_readiness_refresh_enqueue)
