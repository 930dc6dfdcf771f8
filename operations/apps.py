from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "operations"
    verbose_name = "Operations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from operations.dbstats import install_slow_query_wrapper

        connection_created.connect(install_slow_query_wrapper, dispatch_uid="operations.slow_query_wrapper")
