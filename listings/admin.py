from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.html import format_html, format_html_join

from common.errors import ApplicationError

from . import services
from .admin_forms import ListingForm
from .choices import ListingStatus
from .models import Listing

AUDIT_FIELDS = ("created_at", "created_by", "updated_at", "updated_by")
OVERRIDES = ("title", "description", "price", "compare_at_price", "quantity")
SYNC_READONLY = (
    "status",
    "status_changed_at",
    "status_reason",
    "external_id",
    "external_url",
    "last_pushed_at",
    "last_pushed_hash",
    "last_pulled_at",
    "last_error_code",
    "last_error_message",
    "channel_payload",
    "remote_snapshot",
    "drift",
)


def _message(exc: ValidationError | ApplicationError) -> str:
    if isinstance(exc, ApplicationError):
        return exc.message
    return "; ".join(exc.messages)


class ReadinessListFilter(admin.SimpleListFilter):
    """Filter on the stored readiness verdict (one indexed column, no Python per row)."""

    title = "readiness"
    parameter_name = "readiness"

    def lookups(self, request, model_admin):
        return [("ready", "Ready"), ("blocked", "Blocked"), ("unchecked", "Not checked yet")]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "ready":
            return queryset.filter(readiness_blocking=0)
        if value == "blocked":
            return queryset.filter(readiness_blocking__gt=0)
        if value == "unchecked":
            return queryset.filter(readiness_checked_at__isnull=True)
        return queryset


@admin.register(Listing)
class ListingAdmin(admin.ModelAdmin):
    form = ListingForm
    list_display = ("id", "product", "variant", "channel", "status", "readiness", "external_id", "last_pushed_at")
    list_filter = ("status", ReadinessListFilter, "channel", "channel__marketplace")
    search_fields = ("product__sku", "product__title", "variant__sku", "external_id")
    list_select_related = ("product", "product__category", "variant", "channel")
    list_per_page = 50
    autocomplete_fields = ("product", "variant")
    readonly_fields = ("readiness_report", "effective_values", *SYNC_READONLY, *AUDIT_FIELDS)
    actions = ["mark_ready", "queue_for_publishing", "pause", "back_to_draft", "delist"]
    fieldsets = (
        (None, {"fields": ("product", "variant", "channel", "status", "status_reason")}),
        ("Readiness", {"fields": ("readiness_report",)}),
        ("Overrides (empty: use the product's value)", {"fields": OVERRIDES}),
        ("Effective values", {"fields": ("effective_values",)}),
        ("Marketplace", {"fields": SYNC_READONLY[3:]}),
        ("History", {"classes": ("collapse",), "fields": ("status_changed_at", *AUDIT_FIELDS)}),
    )

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += ["product", "variant", "channel"]  # a listing is for one product on one channel for life
        return fields

    # --- Display ---

    @admin.display(description="readiness", ordering="readiness_blocking")
    def readiness(self, obj: Listing) -> str:
        """The stored verdict (kept fresh by listings_readiness_refresh), so the list costs no query per row."""
        if obj.readiness_checked_at is None:
            return "… not checked yet"
        issues = obj.readiness_issues or []
        blocking = [i for i in issues if i.get("severity") == "blocking"]
        if blocking:
            return format_html(
                '<span title="{}">✗ {} blocking</span>',
                "\n".join(i.get("message", "") for i in blocking),
                len(blocking),
            )
        if issues:
            return format_html("⚠ {} warning(s)", len(issues))
        return "✓ ready"

    @admin.display(description="readiness")
    def readiness_report(self, obj: Listing) -> str:
        if not obj.pk:
            return "-"
        issues = services.listing_readiness(obj)
        if not issues:
            return "Ready: no issue."
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "", "<li><strong>{}</strong> ({}) {}</li>", ((i.severity, i.code, i.message) for i in issues)
            ),
        )

    @admin.display(description="effective values")
    def effective_values(self, obj: Listing) -> str:
        if not obj.pk:
            return "-"
        values = services.listing_effective_values(obj)
        rows = [
            (name, "-" if value.value is None else value.value, value.rule)
            for name, value in (
                ("title", values.title),
                ("price", values.price),
                ("compare-at price", values.compare_at_price),
                ("quantity", values.quantity),
            )
        ]
        return format_html(
            "<table>{}</table>", format_html_join("", "<tr><th>{}</th><td>{}</td><td>{}</td></tr>", rows)
        )

    # --- Writes through services ---

    def save_model(self, request, obj, form, change):
        overrides = {name: form.cleaned_data.get(name) for name in OVERRIDES if name in form.cleaned_data}
        if change:
            services.listing_update(listing=obj, user=request.user, **overrides)
            return
        created = services.listing_create(
            product=form.cleaned_data["product"],
            channel=form.cleaned_data["channel"],
            variant=form.cleaned_data.get("variant"),
            user=request.user,
            **{k: v for k, v in overrides.items() if v not in (None, "")},
        )
        obj.pk = created.pk

    def _transition(self, request, queryset, to_status: str) -> None:
        moved = 0
        for listing in queryset:
            try:
                services.listing_transition(
                    listing=listing, to_status=to_status, user=request.user, reason="admin action"
                )
                moved += 1
            except (ValidationError, ApplicationError) as exc:
                self.message_user(
                    request, f"Listing #{listing.pk} ({listing.product.sku}): {_message(exc)}", messages.ERROR
                )
        label = ListingStatus(to_status).label
        self.message_user(
            request, f"{moved} listing(s) moved to {label}.", messages.SUCCESS if moved else messages.WARNING
        )

    @admin.action(description="Mark ready (checks readiness)")
    def mark_ready(self, request, queryset):
        self._transition(request, queryset, ListingStatus.READY)

    @admin.action(description="Queue for publishing (checks readiness)")
    def queue_for_publishing(self, request, queryset):
        self._transition(request, queryset, ListingStatus.QUEUED)

    @admin.action(description="Pause")
    def pause(self, request, queryset):
        self._transition(request, queryset, ListingStatus.PAUSED)

    @admin.action(description="Back to draft")
    def back_to_draft(self, request, queryset):
        self._transition(request, queryset, ListingStatus.DRAFT)

    @admin.action(description="Delist")
    def delist(self, request, queryset):
        self._transition(request, queryset, ListingStatus.DELISTED)
