"""Django Admin for competitors, their observations and alerts: saves go through competitors.services."""

from django.contrib import admin

from common.errors import ApplicationError
from inventory.cost_admin import ServiceAdmin

from . import services
from .models import Alert, Competitor, CompetitorObservation


@admin.register(Competitor)
class CompetitorAdmin(ServiceAdmin):
    create, delete = services.competitor_create, services.competitor_delete
    update = services.competitor_update
    instance_kwarg = "competitor"
    service_fields = services.COMPETITOR_FIELDS
    list_display = ("__str__", "channel", "item_id", "seller_id", "current_price", "threat_score", "last_synced_at")
    list_filter = ("marketplace", "is_active", "tracking_priority")
    search_fields = ("item_id", "seller_id", "name", "title")
    list_select_related = ("channel",)
    readonly_fields = ("marketplace", "current_price", "current_bsr", "buy_box_price", "buy_box_seller",
                       "threat_score", "threat_parts", "last_synced_at", "last_error")  # fmt: skip
    actions = ["observe_now"]

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        if obj is None:
            return self.readonly_fields
        return (*self.readonly_fields, "channel", "item_id", "seller_id")

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        if change:
            fields = {n: form.cleaned_data[n] for n in services.COMPETITOR_UPDATE_FIELDS if n in form.cleaned_data}
            services.competitor_update(competitor=obj, user=request.user, **fields)
        else:
            super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):  # type: ignore[no-untyped-def]
        if "listings" in form.cleaned_data:
            saved = Competitor.objects.get(pk=form.instance.pk)  # the row the service saved
            services.competitor_update(competitor=saved, user=request.user, listings=form.cleaned_data["listings"])

    @admin.action(description="Observe now")
    def observe_now(self, request, queryset):  # type: ignore[no-untyped-def]
        observed, errors = 0, []
        for competitor in queryset.select_related("channel"):
            try:
                services.competitor_observe(competitor=competitor)
                observed += 1
            except ApplicationError as exc:
                errors.append(exc.message)
        self.message_user(request, f"Observed {observed}, failed {len(errors)}. {' '.join(errors)}".strip())


@admin.register(CompetitorObservation)
class CompetitorObservationAdmin(admin.ModelAdmin):
    list_display = ("competitor", "time", "has_offer", "landed_price", "buy_box_price", "has_buy_box", "sales_rank")
    list_filter = ("has_offer", "has_buy_box", "stock_status")
    list_select_related = ("competitor", "competitor__channel")
    date_hierarchy = "time"

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ("competitor", "alert_type", "severity", "status", "occurrences", "change_pct", "last_seen_at")
    list_filter = ("status", "alert_type", "severity")
    list_select_related = ("competitor", "competitor__channel")
    fields = ("status", "action_taken")
    actions = ["mark_viewed", "mark_dismissed"]

    def formfield_for_choice_field(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.name == "status":  # an alert never becomes new again (alert_status_set)
            kwargs["choices"] = [(s.value, s.label) for s in services.ALERT_TARGET_STATUSES]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        services.alert_status_set(
            alert=obj,
            status=form.cleaned_data["status"],
            action_taken=form.cleaned_data["action_taken"],
            user=request.user,
        )

    def _mark(self, request, queryset, status: str) -> None:  # type: ignore[no-untyped-def]
        for alert in queryset:
            services.alert_status_set(alert=alert, status=status, user=request.user)
        self.message_user(request, f"Marked {queryset.count()} alert(s) {status}.")

    @admin.action(description="Mark viewed")
    def mark_viewed(self, request, queryset):  # type: ignore[no-untyped-def]
        self._mark(request, queryset, "viewed")

    @admin.action(description="Dismiss")
    def mark_dismissed(self, request, queryset):  # type: ignore[no-untyped-def]
        self._mark(request, queryset, "dismissed")
