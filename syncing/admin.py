from django.contrib import admin

from common.admin import admin_each

from .models import DailyEventSummary, RateBucket, SyncEvent, SyncJob
from .services import sync_job_cancel


@admin.register(SyncJob)
class SyncJobAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "kind",
        "channel",
        "status",
        "progress_percent",
        "succeeded",
        "failed",
        "skipped",
        "created_at",
    ]
    list_filter = ["kind", "status", "channel"]
    search_fields = ["=id", "message"]
    readonly_fields = [f.name for f in SyncJob._meta.fields if f.name != "listing_ids"]
    exclude = ["listing_ids"]
    actions = ["cancel_jobs"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    @admin.action(description="Cancel the selected jobs")
    def cancel_jobs(self, request, queryset):
        admin_each(self, request, queryset, lambda job: sync_job_cancel(job=job, user=request.user))


@admin.register(SyncEvent)
class SyncEventAdmin(admin.ModelAdmin):
    """Append-only history: viewable and searchable, never edited here."""

    list_display = ["id", "created_at", "channel", "listing", "operation", "outcome", "attempt", "http_status"]
    list_filter = ["outcome", "operation", "error_kind", "channel"]
    search_fields = ["=listing__product__sku", "=listing__variant__sku", "error_code", "message", "=request_id"]
    list_select_related = ["channel", "listing__product", "listing__variant"]
    readonly_fields = [f.name for f in SyncEvent._meta.fields]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DailyEventSummary)
class DailyEventSummaryAdmin(admin.ModelAdmin):
    list_display = ["day", "channel", "operation", "outcome", "count"]
    list_filter = ["operation", "outcome", "channel"]
    date_hierarchy = "day"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RateBucket)
class RateBucketAdmin(admin.ModelAdmin):
    list_display = ["key", "tat", "updated_at"]
    readonly_fields = ["key", "tat", "updated_at"]

    def has_add_permission(self, request):
        return False
