from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "workflow"
    verbose_name = "Work board"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Automation rules wait for the lower apps' events (docs/automation.md#events); the handlers only enqueue."""
        from common import events
        from competitors.events import ALERT_RECORDED
        from inventory.events import STOCK_LOW, STOCK_OVERSOLD
        from orders.events import ORDER_INGESTED
        from syncing.events import LISTING_PUSHED, LISTING_SUPPRESSED, VERSION_MARKETPLACE

        from . import rule_services as rules
        from .events import RULE_ALERT_SENT, TASK_CREATED

        events.subscribe(LISTING_PUSHED, rules.on_listing_pushed)
        events.subscribe(LISTING_SUPPRESSED, rules.on_listing_suppressed)
        events.subscribe(ORDER_INGESTED, rules.on_order_ingested)
        events.subscribe(STOCK_LOW, rules.on_stock_low)
        events.subscribe(STOCK_OVERSOLD, rules.on_stock_oversold)
        events.subscribe(VERSION_MARKETPLACE, rules.on_version_marketplace)
        events.subscribe(ALERT_RECORDED, rules.on_competitor_alert)
        events.subscribe(TASK_CREATED, rules.on_task_created)
        events.subscribe(RULE_ALERT_SENT, rules.on_rule_alert)
