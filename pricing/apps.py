from django.apps import AppConfig


class PricingConfig(AppConfig):
    name = "pricing"
    verbose_name = "Pricing and margins"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.checks import register

        from .checks import margin_floor_check

        register(margin_floor_check)
        self._price_history_subscribe()
        self._competitors_subscribe()
        self._landed_costs_subscribe()

    def _landed_costs_subscribe(self) -> None:
        """A landed-cost recompute, an exchange rate or the default floor refreshes the stored margins they move
        (docs/pricing.md#stored-margins)."""
        from accounts.events import RUNTIME_SETTING_CHANGED
        from common import events
        from inventory.events import CURRENCY_RATE_CHANGED, LANDED_COSTS_CHANGED

        from .services import currency_rate_changed, landed_costs_changed, runtime_setting_changed

        events.subscribe(LANDED_COSTS_CHANGED, landed_costs_changed)
        events.subscribe(CURRENCY_RATE_CHANGED, currency_rate_changed)
        events.subscribe(RUNTIME_SETTING_CHANGED, runtime_setting_changed)

    def _competitors_subscribe(self) -> None:
        """Competitor observations reach the price history and the auto rules (docs/competitors.md#for-price-rules)."""
        from common import events
        from competitors.events import COMPETITOR_OBSERVED

        from .competition import competitor_observed

        events.subscribe(COMPETITOR_OBSERVED, competitor_observed)

    def _price_history_subscribe(self) -> None:
        """The price history hears of price changes from the apps below pricing (docs/pricing.md#price-history)."""
        from catalog.events import PRICES_CHANGED
        from channels.events import PAYLOAD_INPUTS_CHANGED
        from common import events
        from listings.events import LISTING_PRICES_CHANGED, LISTINGS_CREATED
        from syncing.events import REMOTE_PRICES_OBSERVED

        from .history import (
            channel_prices_changed,
            listing_prices_changed,
            product_prices_changed,
            remote_prices_observed,
        )

        events.subscribe(LISTING_PRICES_CHANGED, listing_prices_changed)
        events.subscribe(LISTINGS_CREATED, listing_prices_changed)  # bulk assignment: first price points
        events.subscribe(PRICES_CHANGED, product_prices_changed)
        events.subscribe(PAYLOAD_INPUTS_CHANGED, channel_prices_changed)
        events.subscribe(REMOTE_PRICES_OBSERVED, remote_prices_observed)
