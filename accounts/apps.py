from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from accounts import signals  # noqa: F401  (login/logout bookkeeping)
        from accounts.api import schema  # noqa: F401  (OpenAPI security scheme for API tokens)
        from accounts.roles_sync import role_permissions_sync
        from common.audit import connect_audit_signals

        connect_audit_signals()
        post_migrate.connect(role_permissions_sync, dispatch_uid="accounts-role-permissions")
