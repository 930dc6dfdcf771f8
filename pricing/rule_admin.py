"""Django Admin of price rules, listing price limits and applied rule prices (read-only)."""

from django.contrib import admin

from inventory.cost_admin import ServiceAdmin

from . import rule_services
from .rule_models import ListingPriceLimits, PriceChange, PriceRule


@admin.register(PriceRule)
class PriceRuleAdmin(ServiceAdmin):
    create, update, delete = (
        rule_services.price_rule_create,
        rule_services.price_rule_update,
        rule_services.price_rule_delete,
    )
    instance_kwarg = "rule"
    service_fields = rule_services.PRICE_RULE_FIELDS
    list_display = ("name", "applies_to", "scope_value", "rule_type", "priority", "is_active", "auto")
    list_filter = ("rule_type", "applies_to", "is_active", "auto")
    search_fields = ("name",)


@admin.register(ListingPriceLimits)
class ListingPriceLimitsAdmin(admin.ModelAdmin):
    list_display = ("listing", "min_price", "max_price", "margin_floor_pct", "frozen_until")
    raw_id_fields = ("listing",)
    readonly_fields = ("frozen_until", "freeze_reason")

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        fields = {name: form.cleaned_data[name] for name in rule_services.LIMIT_FIELDS}
        listing = form.cleaned_data["listing"]
        saved = rule_services.listing_price_limits_set(listing=listing, user=request.user, **fields)
        obj.pk = saved.pk


@admin.register(PriceChange)
class PriceChangeAdmin(admin.ModelAdmin):
    list_display = ("listing", "rule", "old_price", "new_price", "clipping_guard", "created_at")
    list_select_related = ("rule",)
    readonly_fields = ("listing", "rule", "old_price", "new_price", "clipping_guard", "record")

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
