from django.contrib import admin

from common.admin import ReadOnlyAdmin

from .models import Stock, StockMovement


@admin.register(Stock)
class StockAdmin(admin.ModelAdmin):
    """Buckets change only through movements (the stock pages and API), so they are read-only here."""

    list_display = ("sku", "on_hand", "committed", "safety", "available", "low_stock_threshold", "oversold")
    list_filter = ("oversold",)
    search_fields = ("sku",)
    readonly_fields = ("product", "variant", "sku", "on_hand", "committed", "safety", "oversold", "updated_at")
    fields = (*readonly_fields, "low_stock_threshold")

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    """The ledger is append-only: viewable, never changed or deleted."""

    list_display = ("created_at", "stock", "bucket", "delta", "reason", "source_type", "source_id", "actor")
    list_filter = ("bucket", "reason")
    search_fields = ("stock__sku", "idempotency_key", "source_id")
    list_select_related = ("stock", "actor")


from . import cost_admin  # noqa: E402, F401  (suppliers, components, BOM: registered there)
