from django.contrib import admin

from .models import Customer, Order, OrderLine


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    readonly_fields = (
        "external_line_id",
        "sku",
        "title",
        "variant",
        "stock",
        "quantity",
        "unit_price",
        "line_total",
        "cancelled_quantity",
        "shipped_quantity",
        "refunded_quantity",
        "restocked_quantity",
        "oversold",
    )

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    """Orders come from the marketplaces (orders.services.order_ingest); here they are read, not edited."""

    list_display = ("external_id", "channel", "status", "raw_status", "currency", "total", "placed_at", "customer")
    list_filter = ("status", "channel", "currency_mismatch")
    search_fields = ("external_id", "lines__sku")
    list_select_related = ("channel", "customer")
    inlines = [OrderLineInline]

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        return [field.name for field in Order._meta.fields]

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(OrderLine)
class OrderLineAdmin(admin.ModelAdmin):
    list_display = ("order", "external_line_id", "sku", "stock", "quantity", "oversold")
    list_filter = ("oversold",)
    search_fields = ("sku", "order__external_id")
    list_select_related = ("order", "stock")

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        return [field.name for field in OrderLine._meta.fields]

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("buyer_id", "name", "channel", "orders_count", "total_spent", "segment", "last_order_at")
    list_filter = ("segment", "channel")
    search_fields = ("buyer_id", "name", "email")
    readonly_fields = (
        "channel",
        "buyer_id",
        "orders_count",
        "units",
        "total_spent",
        "average_order_value",
        "first_order_at",
        "last_order_at",
        "segment",
        "purged_at",
    )

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False
