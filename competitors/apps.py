from django.apps import AppConfig


class CompetitorsConfig(AppConfig):
    name = "competitors"
    verbose_name = "Competitors"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.checks import register

        from .checks import thresholds_check

        register(thresholds_check)
