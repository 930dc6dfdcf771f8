"""Django Admin for suppliers, components, prices, BOM lines, batches and rates: every save and delete goes
through inventory.cost_services (so the stored landed costs follow). Imported by inventory.admin."""

from typing import Any

from django.contrib import admin

from . import cost_services as services
from .cost_models import BomLine, Component, ComponentPrice, CurrencyRate, LandedCost, PlannedBatch, Supplier


class ServiceAdmin(admin.ModelAdmin):
    """Saves through `create`/`update(<instance_kwarg>=...)` and deletes through `delete` services."""

    create: Any = None
    update: Any = None
    delete: Any = None
    instance_kwarg = ""

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        fields = {name: form.cleaned_data[name] for name in form.cleaned_data if name in self.service_fields}
        if change:
            type(self).update(**{self.instance_kwarg: obj}, user=request.user, **fields)
        else:
            saved = type(self).create(user=request.user, **fields)
            obj.pk = saved.pk

    def delete_model(self, request, obj):  # type: ignore[no-untyped-def]
        type(self).delete(**{self.instance_kwarg: obj}, user=request.user)

    service_fields: tuple[str, ...] = ()


class ComponentPriceInline(admin.TabularInline):
    model = ComponentPrice
    extra = 0
    fields = ("supplier", "unit_cost", "currency", "min_quantity", "valid_from", "valid_to", "is_current")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(Supplier)
class SupplierAdmin(ServiceAdmin):
    create, update, delete = services.supplier_create, services.supplier_update, services.supplier_delete
    instance_kwarg = "supplier"
    service_fields = services.SUPPLIER_FIELDS
    list_display = ("name", "code", "country", "is_domestic", "lead_time_days", "is_active")
    list_filter = ("is_active", "is_domestic", "country")
    search_fields = ("name", "code", "contact_name", "email")


@admin.register(Component)
class ComponentAdmin(ServiceAdmin):
    create, update, delete = services.component_create, services.component_update, services.component_delete
    instance_kwarg = "component"
    service_fields = services.COMPONENT_FIELDS
    list_display = ("name", "sku", "component_type", "preferred_supplier", "product", "unit_of_measure")
    list_filter = ("component_type",)
    search_fields = ("name", "sku")
    list_select_related = ("preferred_supplier", "product")
    raw_id_fields = ("product",)
    inlines = [ComponentPriceInline]


@admin.register(ComponentPrice)
class ComponentPriceAdmin(ServiceAdmin):
    create, update = services.component_price_create, services.component_price_update
    delete = services.component_price_delete
    instance_kwarg = "price"
    service_fields = services.COMPONENT_PRICE_FIELDS
    list_display = (
        "component",
        "supplier",
        "unit_cost",
        "currency",
        "min_quantity",
        "valid_from",
        "valid_to",
        "is_current",
    )
    list_filter = ("is_current", "currency", "supplier")
    search_fields = ("component__name", "component__sku", "supplier__name")
    list_select_related = ("component", "supplier")


@admin.register(BomLine)
class BomLineAdmin(ServiceAdmin):
    create, update, delete = services.bom_line_create, services.bom_line_update, services.bom_line_delete
    instance_kwarg = "line"
    service_fields = services.BOM_LINE_FIELDS
    list_display = ("id", "product", "variant", "component", "quantity", "cost_override")
    search_fields = ("product__sku", "variant__sku", "component__name", "component__sku")
    list_select_related = ("product", "variant", "component")
    raw_id_fields = ("product", "variant")


@admin.register(CurrencyRate)
class CurrencyRateAdmin(admin.ModelAdmin):
    list_display = ("currency", "rate", "updated_at")
    search_fields = ("currency",)

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        services.currency_rate_set(currency=obj.currency, rate=obj.rate, user=request.user)


@admin.register(PlannedBatch)
class PlannedBatchAdmin(admin.ModelAdmin):
    list_display = ("product", "variant", "quantity")
    raw_id_fields = ("product", "variant")

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        saved = services.planned_batch_set(
            product_id=obj.product_id, variant_id=obj.variant_id, quantity=obj.quantity, user=request.user
        )
        obj.pk = saved.pk


@admin.register(LandedCost)
class LandedCostAdmin(admin.ModelAdmin):
    """Derived by the recompute: read-only here."""

    list_display = ("product", "variant", "landed_cost", "currency", "has_alerts", "problem", "computed_at")
    list_filter = ("has_alerts",)
    search_fields = ("product__sku", "variant__sku")
    list_select_related = ("product", "variant")

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
