from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, not at module top: these modules load models, which Django allows only once apps are ready.
        from accounts import signals  # noqa: F401  (login/logout bookkeeping)
        from accounts.api import schema  # noqa: F401  (OpenAPI security scheme for API tokens)
        from accounts.audit import connect_audit_signals
        from accounts.checks import staff_write_views_name_an_area
        from accounts.roles_sync import role_permissions_sync
        from accounts.setting_services import runtime_settings_seed

        connect_audit_signals()
        self._runtime_settings_freshness()
        post_migrate.connect(role_permissions_sync, dispatch_uid="accounts-role-permissions")
        post_migrate.connect(runtime_settings_seed, sender=self, dispatch_uid="accounts-runtime-settings")
        checks.register(staff_write_views_name_an_area, checks.Tags.urls)

    @staticmethod
    def _runtime_settings_freshness() -> None:
        """Compare the runtime settings version at the first read of every request and queued task."""
        from django.core.signals import request_started
        from django_q.signals import pre_execute

        from accounts.runtime_settings import runtime_settings_cache_mark_stale

        request_started.connect(runtime_settings_cache_mark_stale, dispatch_uid="accounts.runtime_settings.request")
        pre_execute.connect(runtime_settings_cache_mark_stale, dispatch_uid="accounts.runtime_settings.task")
