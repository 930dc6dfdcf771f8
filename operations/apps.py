from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "operations"
    verbose_name = "Operations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from operations.dbstats import install_slow_query_wrapper

        connection_created.connect(install_slow_query_wrapper, dispatch_uid="operations.slow_query_wrapper")
        self._notifications_subscribe()

    @staticmethod
    def _notifications_subscribe() -> None:
        """Notifications from what lower apps publish (docs/operations.md#notifications)."""
        from accounts.events import NOTIFICATION_REQUESTED
        from common import events
        from competitors.events import COMPETITOR_OBSERVED
        from operations.services.notifications import (
            competitor_observed,
            notification_requested,
            order_ingested,
            sync_job_failed,
            version_marketplace,
        )
        from orders.events import ORDER_INGESTED
        from syncing.events import SYNC_JOB_FAILED, VERSION_MARKETPLACE

        events.subscribe(NOTIFICATION_REQUESTED, notification_requested)
        events.subscribe(COMPETITOR_OBSERVED, competitor_observed)
        events.subscribe(ORDER_INGESTED, order_ingested)
        events.subscribe(VERSION_MARKETPLACE, version_marketplace)
        events.subscribe(SYNC_JOB_FAILED, sync_job_failed)
