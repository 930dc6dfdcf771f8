from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import ChannelDailyStats, Keyword, ListingScore, ListingScoreLatest, PerformanceMetric
from .services.keywords import (
    KEYWORD_FIELDS,
    keyword_add,
    keyword_delete,
    keyword_primary_set,
    keyword_tracked_set,
    keyword_update,
)


@admin.register(ChannelDailyStats)
class ChannelDailyStatsAdmin(admin.ModelAdmin):
    """Read-only: the rows are computed (analytics.services), never typed in."""

    list_display = (
        "day",
        "channel",
        "orders",
        "units",
        "revenue",
        "refunds",
        "currency",
        "oversells",
        "active_listings",
        "out_of_stock_variants",
        "computed_at",
    )
    list_filter = ("channel",)
    date_hierarchy = "day"
    list_select_related = ("channel",)
    ordering = ("-day", "channel__name")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ChannelDailyStats | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ChannelDailyStats | None = None) -> bool:
        return False


@admin.register(PerformanceMetric)
class PerformanceMetricAdmin(admin.ModelAdmin):
    """Read-only: rows come from the performance pull (analytics.services.performance), never typed in."""

    list_display = (
        "report_date",
        "listing",
        "sessions",
        "page_views",
        "units_ordered",
        "unit_session_pct",
        "ordered_product_sales",
        "currency",
        "buy_box_pct",
        "source",
        "fetched_at",
    )
    list_filter = ("source", "listing__channel")
    date_hierarchy = "report_date"
    search_fields = ("listing__product__sku", "listing__external_id")
    raw_id_fields = ("listing",)
    list_select_related = ("listing__product", "listing__channel")
    ordering = ("-report_date", "listing_id")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: PerformanceMetric | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: PerformanceMetric | None = None) -> bool:
        return False


@admin.register(ListingScore)
class ListingScoreAdmin(admin.ModelAdmin):
    """Read-only: scores are computed (analytics.services.scores), never typed in."""

    list_display = (
        "time",
        "listing",
        "total_score",
        "seo_score",
        "content_score",
        "image_score",
        "competitive_score",
        "compliance_score",
        "scoring_version",
    )
    list_filter = ("scoring_version",)
    search_fields = ("listing__product__sku",)
    date_hierarchy = "time"
    raw_id_fields = ("listing", "listing_version")
    ordering = ("-time",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ListingScore | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ListingScore | None = None) -> bool:
        return False


@admin.register(ListingScoreLatest)
class ListingScoreLatestAdmin(admin.ModelAdmin):
    """Read-only: the newest score per listing and its stale mark."""

    list_display = ("listing", "total_score", "computed_at", "stale_since")
    search_fields = ("listing__product__sku",)
    raw_id_fields = ("listing", "score")
    ordering = ("total_score",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ListingScoreLatest | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ListingScoreLatest | None = None) -> bool:
        return False


# --- Attribution (docs/analytics.md#attribution) ---

from django.contrib import messages  # noqa: E402
from django.db.models import QuerySet  # noqa: E402
from django.utils import timezone  # noqa: E402

from .models import AttributionEvent  # noqa: E402
from .services.attribution import attribution_analyse  # noqa: E402


@admin.register(AttributionEvent)
class AttributionEventAdmin(admin.ModelAdmin):
    """Read-only: events are measured by the attribution service; "Measure again" reruns it for their listings."""

    list_display = (
        "change_timestamp",
        "listing",
        "change_type",
        "change_kind",
        "change_id",
        "impact_score",
        "confidence",
        "verdict",
        "analysis_date",
    )
    list_filter = ("verdict", "change_type", "change_kind")
    search_fields = ("listing__product__sku",)
    date_hierarchy = "change_timestamp"
    list_select_related = ("listing__product", "listing__channel")
    ordering = ("-change_timestamp",)
    actions = ["measure_again"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AttributionEvent | None = None) -> bool:
        return False

    @admin.action(description="Measure again (their listings' changes since the earliest selected)")
    def measure_again(self, request: HttpRequest, queryset: QuerySet[AttributionEvent]) -> None:
        earliest = min(queryset.values_list("change_timestamp", flat=True))
        result = attribution_analyse(
            listing_ids=set(queryset.values_list("listing_id", flat=True)), since=timezone.localdate(earliest)
        )
        self.message_user(request, f"{result.written} changes measured.", messages.SUCCESS)


# --- Keywords (docs/analytics.md#keywords) ---


@admin.register(Keyword)
class KeywordAdmin(admin.ModelAdmin):
    """Keywords per listing; saves go through analytics.services.keywords (normalised, case duplicates merged)."""

    list_display = (
        "keyword",
        "listing",
        "source",
        "search_volume",
        "search_frequency_rank",
        "organic_rank",
        "is_primary",
        "is_tracked",
        "last_updated",
    )
    list_filter = ("source", "is_primary", "is_tracked")
    search_fields = ("keyword", "keyword_normalized")
    list_select_related = ("listing", "listing__product", "listing__channel")
    raw_id_fields = ("listing",)
    readonly_fields = (
        "keyword_normalized",
        "search_frequency_rank",
        "impression_share",
        "click_share",
        "conversion_share",
        "report_date",
        "last_updated",
        "created_at",
    )
    actions = ("mark_primary", "stop_tracking", "pull_query_performance")

    def save_model(self, request: HttpRequest, obj: Keyword, form: Any, change: bool) -> None:
        fields = {name: form.cleaned_data[name] for name in KEYWORD_FIELDS if name in form.cleaned_data}
        if change:
            saved = keyword_update(row=obj, user=request.user, **fields)
        else:
            saved = keyword_add(listing=form.cleaned_data["listing"], user=request.user, **fields)
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: Keyword) -> None:
        keyword_delete(row=obj, user=request.user)

    @admin.action(description="Mark primary")
    def mark_primary(self, request: HttpRequest, queryset: Any) -> None:
        for keyword in queryset:
            keyword_primary_set(row=keyword, is_primary=True, user=request.user)

    @admin.action(description="Stop tracking")
    def stop_tracking(self, request: HttpRequest, queryset: Any) -> None:
        for keyword in queryset:
            keyword_tracked_set(row=keyword, is_tracked=False, user=request.user)

    @admin.action(description="Pull last week's Search Query Performance (their Amazon channels)")
    def pull_query_performance(self, request: HttpRequest, queryset: Any) -> None:
        from django.core.exceptions import ValidationError

        from common.errors import ApplicationError
        from common.views import error_text

        from .services.keyword_reports import keyword_report_pull_queue

        channels = {k.listing.channel_id: k.listing.channel for k in queryset.select_related("listing__channel")}
        for channel in channels.values():
            try:
                message = keyword_report_pull_queue(
                    channel=channel, report="search_query_performance", user=request.user
                )
            except (ApplicationError, ValidationError) as exc:
                self.message_user(request, f"{channel}: {error_text(exc)}", messages.ERROR)
            else:
                self.message_user(request, message)


from common.errors import ApplicationError  # noqa: E402

from .models import ReportSchedule  # noqa: E402
from .services.report_schedules import report_schedule_cancel  # noqa: E402


@admin.register(ReportSchedule)
class ReportScheduleAdmin(admin.ModelAdmin):
    """Amazon report schedules: created on the report schedules page or the API (they call Amazon first); here
    read-only with one action, "Cancel on Amazon", which calls the same service."""

    list_display = (
        "channel", "report_type", "period", "remote_id", "first_report_at", "created_at", "cancelled_at",
        "is_gone_on_amazon", "status_message",
    )  # fmt: skip
    list_filter = ("report_type", "channel")
    search_fields = ("remote_id", "channel__name")
    list_select_related = ("channel",)
    actions = ["cancel_on_amazon"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ReportSchedule | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ReportSchedule | None = None) -> bool:
        return False

    @admin.action(description="Cancel on Amazon")
    def cancel_on_amazon(self, request: HttpRequest, queryset: Any) -> None:
        cancelled = 0
        for schedule in queryset.select_related("channel").filter(cancelled_at__isnull=True):
            try:
                report_schedule_cancel(schedule=schedule)
            except ApplicationError as exc:
                self.message_user(request, str(exc), level=messages.ERROR)
            else:
                cancelled += 1
        self.message_user(request, f"{cancelled} schedule(s) cancelled.")


from .models import KeywordReportPull, QueryPerformanceCursor  # noqa: E402


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(KeywordReportPull)
class KeywordReportPullAdmin(_ReadOnlyAdmin):
    """Each keyword report "Pull now" (docs/analytics.md#keyword-reports-pull-now), read-only: queued by the
    report schedules page, the API or the Keyword admin action through the same service."""

    list_display = ("channel", "report", "status", "queued_at", "started_at", "finished_at", "message", "created_by")
    list_filter = ("status", "report", "channel")
    list_select_related = ("channel", "created_by")


@admin.register(QueryPerformanceCursor)
class QueryPerformanceCursorAdmin(_ReadOnlyAdmin):
    """Where each channel's rotating Search Query Performance pull goes on (docs/analytics.md#keywords)."""

    list_display = ("channel", "next_asin", "asins_total", "last_run_at")
    list_select_related = ("channel",)
