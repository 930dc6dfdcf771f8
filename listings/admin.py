from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from common.errors import ApplicationError
from syncing.selectors import listings_on_marketplace
from syncing.services import listings_deactivate_grouped, listings_publish_grouped

from . import services
from .admin_forms import ListingForm
from .choices import ListingStatus
from .models import Changeset, ChangesetListing, ChangesetValue, Listing, ListingVersion, ProductVersion

AUDIT_FIELDS = ("created_at", "created_by", "updated_at", "updated_by")
OVERRIDES: tuple[str, ...] = ("title", "description", "price", "compare_at_price", "quantity")
OVERRIDES += ("bullet_points", "search_terms", "short_description", "seo_title", "seo_description")
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


def _message(exc: ValidationError | ApplicationError | None) -> str:
    if exc is None:
        return ""
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
    actions = [
        "mark_ready",
        "queue_for_publishing",
        "pause",
        "back_to_draft",
        "delist",
        "deactivate_on_marketplace",
        "record_baseline",
    ]
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
                services.listing_status_move(
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

    @admin.action(description="Publish / push now (checks readiness)")
    def queue_for_publishing(self, request, queryset):
        for result in listings_publish_grouped(listings=list(queryset.select_related("channel")), user=request.user):
            if result.job is not None:
                self.message_user(request, f"{result.channel.name}: publishing as job #{result.job.pk}.")
            else:
                self.message_user(request, f"{result.channel.name}: {_message(result.error)}", messages.ERROR)

    @admin.action(description="Pause (not on a marketplace)")
    def pause(self, request, queryset):
        self._transition(request, queryset, ListingStatus.PAUSED)

    @admin.action(description="Back to draft")
    def back_to_draft(self, request, queryset):
        self._transition(request, queryset, ListingStatus.DRAFT)

    @admin.action(description="Delist (not on a marketplace)")
    def delist(self, request, queryset):
        self._transition(request, queryset, ListingStatus.DELISTED)

    @admin.action(description="Record a baseline version where there is none")
    def record_baseline(self, request, queryset):
        """The selected listings' products, and their listings, get a baseline version when they have none
        (docs/catalog.md#baseline-versions); those with versions are left alone."""
        product_ids = set(queryset.values_list("product_id", flat=True))
        result = services.content_versions_baseline(user=request.user, product_ids=product_ids)
        self.message_user(
            request,
            f"Baseline: {result.products} product version(s) and {result.listings} listing version(s) recorded.",
        )

    @admin.action(description="Deactivate on marketplace…")
    def deactivate_on_marketplace(self, request, queryset):
        """Take the selected listings off sale on their marketplaces, after a page naming the channels."""
        held = listings_on_marketplace(queryset).select_related("channel", "product")
        if request.POST.get("confirm") == "yes":
            for result in listings_deactivate_grouped(listings=list(held), user=request.user):
                if result.job is not None:
                    self.message_user(request, f"{result.channel.name}: deactivating as job #{result.job.pk}.")
                else:
                    self.message_user(request, f"{result.channel.name}: {_message(result.error)}", messages.ERROR)
            return None
        channels: dict[str, int] = {}
        for listing in held:
            channels[listing.channel.name] = channels.get(listing.channel.name, 0) + 1
        context = {
            **self.admin_site.each_context(request),
            "title": "Deactivate on marketplace",
            "opts": self.model._meta,
            "queryset": queryset,
            "channels": sorted(channels.items()),
            "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/listings/listing/deactivate_confirm.html", context)

    def has_delete_permission(self, request, obj=None):
        """A listing the marketplace still holds is deactivated there first ("Deactivate on marketplace")."""
        if obj is not None and listings_on_marketplace(Listing.objects.filter(pk=obj.pk)).exists():
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request, queryset):
        held = set(listings_on_marketplace(queryset).values_list("pk", flat=True))
        if held:
            self.message_user(
                request,
                f"{len(held)} listing(s) left alone: still on the marketplace; deactivate them there first.",
                messages.WARNING,
            )
        super().delete_queryset(request, queryset.exclude(pk__in=held))


# --- Content versions and changesets (read-only: history is never rewritten; docs/catalog.md#versions) ---


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        """Never from these pages; a product or listing deleted on its own admin page takes its history along."""
        match = getattr(request, "resolver_match", None)
        own_pages = f"{self.opts.app_label}_{self.opts.model_name}_"
        return match is not None and not (match.url_name or "").startswith(own_pages)


@admin.register(ProductVersion)
class ProductVersionAdmin(_ReadOnlyAdmin):
    list_display = ("product", "version_number", "change_type", "source", "created_by", "created_at")
    list_filter = ("change_type",)
    search_fields = ("product__sku", "source", "change_reason")
    list_select_related = ("product", "created_by")


@admin.register(ListingVersion)
class ListingVersionAdmin(_ReadOnlyAdmin):
    list_display = ("listing", "version_number", "change_type", "source", "created_by", "created_at")
    list_filter = ("change_type",)
    search_fields = ("listing__product__sku", "source", "change_reason")
    list_select_related = ("listing__product", "listing__channel", "created_by")
    raw_id_fields = ("listing", "product_version")


@admin.register(Changeset)
class ChangesetAdmin(_ReadOnlyAdmin):
    list_display = ("id", "kind", "description", "status", "created_by", "created_at", "undone_at", "undo_link")
    list_filter = ("kind", "status")

    @admin.display(description="Undo")
    def undo_link(self, obj: Changeset) -> str:
        """The staff page's undo: a bulk publish or assign shows what it will delist or delete and asks to confirm
        there (docs/catalog.md#undoing-publishes-and-assignments)."""
        if obj.status != "applied":
            return ""
        if obj.kind in services.LISTING_UNDO_KINDS:
            url = reverse("listings:changeset_undo", args=[obj.pk])
        else:
            url = reverse("listings:changeset_list") + f"#changeset-{obj.pk}"
        return format_html('<a href="{}">Undo…</a>', url)


@admin.register(ChangesetListing)
class ChangesetListingAdmin(_ReadOnlyAdmin):
    """The listings a bulk publish or bulk assign recorded, read-only."""

    list_display = ("changeset", "listing", "previous_status")
    list_filter = ("changeset__kind",)
    search_fields = ("listing__product__sku",)
    list_select_related = ("changeset", "listing__product", "listing__channel")
    raw_id_fields = ("changeset", "listing")


@admin.register(ChangesetValue)
class ChangesetValueAdmin(_ReadOnlyAdmin):
    """The values a price and stock grid save changed, read-only (docs/pages.md#bulk-price-and-stock-grid)."""

    list_display = ("changeset", "label", "field", "before", "after")
    list_filter = ("field",)
    search_fields = ("label",)
    list_select_related = ("changeset",)
    raw_id_fields = ("changeset", "product", "variant", "listing")
