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

        connect_audit_signals()
        post_migrate.connect(role_permissions_sync, dispatch_uid="accounts-role-permissions")
        checks.register(staff_write_views_name_an_area, checks.Tags.urls)
