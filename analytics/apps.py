from django.apps import AppConfig
from django.db.models.signals import post_save


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = "Shop analytics"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from common import events
        from inventory.models import StockMovement
        from listings.models import Listing
        from orders.events import ORDER_INGESTED

        from .services import order_ingested
        from .signals import figures_changed

        events.subscribe(ORDER_INGESTED, order_ingested)
        self._scores_subscribe()
        post_save.connect(figures_changed, sender=StockMovement, dispatch_uid="analytics.stock_movement")
        post_save.connect(figures_changed, sender=Listing, dispatch_uid="analytics.listing")

    def _scores_subscribe(self) -> None:
        """Content, price and competitor changes mark listing scores stale (docs/analytics.md#listing-score)."""
        from common import events
        from competitors.events import COMPETITOR_OBSERVED
        from listings.events import LISTING_CONTENT_VERSIONED, LISTING_PRICES_CHANGED

        from .services.scores import scores_mark_stale

        events.subscribe(LISTING_CONTENT_VERSIONED, scores_mark_stale)
        events.subscribe(LISTING_PRICES_CHANGED, scores_mark_stale)
        events.subscribe(COMPETITOR_OBSERVED, scores_mark_stale)
