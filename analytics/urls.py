from django.urls import path

from . import attribution_views, keyword_views, performance_views, report_schedule_views, views

app_name = "analytics"
urlpatterns = [
    path("", views.DailyStatsView.as_view(), name="daily_stats"),
    path("performance/movers/", performance_views.PerformanceMoversView.as_view(), name="performance_movers"),
    path("performance/pull/", performance_views.PerformancePullView.as_view(), name="performance_pull"),
    path("report-schedules/", report_schedule_views.ReportScheduleListView.as_view(), name="report_schedule_list"),
    path(
        "report-schedules/<int:pk>/cancel/",
        report_schedule_views.ReportScheduleCancelView.as_view(),
        name="report_schedule_cancel",
    ),
    path("keyword-reports/pull/", report_schedule_views.KeywordReportPullView.as_view(), name="keyword_report_pull"),
    path("attribution/", attribution_views.AttributionListView.as_view(), name="attribution_list"),
    # The keywords tab of a listing (docs/analytics.md#keywords)
    path("listings/<int:pk>/keywords/", keyword_views.ListingKeywordsView.as_view(), name="listing_keywords"),
    path("listings/<int:pk>/keywords/add/", keyword_views.ListingKeywordAddView.as_view(), name="keyword_add"),
    path(
        "listings/<int:pk>/keywords/extract/",
        keyword_views.ListingKeywordsExtractView.as_view(),
        name="keywords_extract",
    ),
    path(
        "listings/<int:pk>/keywords/ranks/",
        keyword_views.ListingKeywordRanksImportView.as_view(),
        name="keyword_ranks_import",
    ),
    path("keywords/<int:pk>/action/", keyword_views.KeywordActionView.as_view(), name="keyword_action"),
]
