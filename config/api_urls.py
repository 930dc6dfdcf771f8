"""REST API routes: /api/v1/ (resources), /api/schema/ (OpenAPI 3) and /api/docs/ (Swagger UI)."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from analytics.api.attribution import AttributionEventViewSet
from analytics.api.keywords import KeywordViewSet
from analytics.api.performance import PerformanceMetricViewSet
from analytics.api.report_schedules import ReportScheduleViewSet
from analytics.api.views import DailyStatsView as AnalyticsDailyStatsView
from analytics.api.views import ListingScoreView
from catalog.api import views as catalog_views
from catalog.api.views import CategoryViewSet, ProductImageViewSet, ProductViewSet, VariantViewSet
from catalog.importing.api import ImportBatchViewSet
from channels.api.views import ChannelViewSet
from common.api.errors import api_not_found
from competitors.api.views import AlertViewSet, CompetitorObservationViewSet, CompetitorViewSet
from intake.api.views import IntakeItemViewSet
from inventory.api.cost_views import BomLineViewSet, ComponentPriceViewSet, ComponentViewSet, SupplierViewSet
from inventory.api.views import StockMovementViewSet, StockViewSet
from listings.api import versions as listing_versions
from listings.api.views import ListingViewSet
from operations.api.notifications import NotificationViewSet
from operations.api.settings import RuntimeSettingViewSet
from operations.api.views import BackupViewSet, FeedViewSet, JobViewSet, OperationsViewSet, SystemLogViewSet
from orders.api.views import ChannelOrdersPullView, CustomerViewSet, OrderViewSet
from pricing.api.history_views import PriceHistoryViewSet
from pricing.api.rule_views import PriceRuleViewSet
from pricing.api.views import ChannelFeeViewSet, ListingCostsView, ListingMarginViewSet
from syncing.api.views import SyncEventViewSet, SyncJobViewSet
from workflow.api.rule_views import AutomationRuleViewSet
from workflow.api.views import StageViewSet, TaskViewSet

router = DefaultRouter()
router.register("products", ProductViewSet, basename="product")
router.register("categories", CategoryViewSet, basename="category")
router.register("variants", VariantViewSet, basename="variant")
router.register("images", ProductImageViewSet, basename="image")
router.register("imports", ImportBatchViewSet, basename="import")
router.register("channels", ChannelViewSet, basename="channel")
router.register("listings", ListingViewSet, basename="listing")
router.register("sync-jobs", SyncJobViewSet, basename="sync-job")
router.register("sync-events", SyncEventViewSet, basename="sync-event")
router.register("intake", IntakeItemViewSet, basename="intake")
router.register("system-logs", SystemLogViewSet, basename="system-log")
router.register("jobs", JobViewSet, basename="job")
router.register("operations", OperationsViewSet, basename="operations")
router.register("backups", BackupViewSet, basename="backup")
router.register("feeds", FeedViewSet, basename="feed")
router.register("orders", OrderViewSet, basename="order")
router.register("customers", CustomerViewSet, basename="customer")
router.register("stock", StockViewSet, basename="stock")
router.register("stock-movements", StockMovementViewSet, basename="stock-movement")
router.register("suppliers", SupplierViewSet, basename="supplier")
router.register("components", ComponentViewSet, basename="component")
router.register("component-prices", ComponentPriceViewSet, basename="component-price")
router.register("bom-lines", BomLineViewSet, basename="bom-line")
router.register("channel-fees", ChannelFeeViewSet, basename="channel-fee")
router.register("listing-margins", ListingMarginViewSet, basename="listing-margin")
router.register("price-rules", PriceRuleViewSet, basename="price-rule")
router.register("price-history", PriceHistoryViewSet, basename="price-history")
router.register("changesets", listing_versions.ChangesetViewSet, basename="changeset")
router.register("metafield-definitions", catalog_views.MetafieldDefinitionViewSet, basename="metafield-definition")
router.register("category-icons", catalog_views.CategoryIconViewSet, basename="category-icon")
router.register("competitors", CompetitorViewSet, basename="competitor")
router.register("competitor-observations", CompetitorObservationViewSet, basename="competitor-observation")
router.register("alerts", AlertViewSet, basename="alert")
router.register("performance", PerformanceMetricViewSet, basename="performance")
router.register("attribution", AttributionEventViewSet, basename="attribution")
router.register("keywords", KeywordViewSet, basename="keyword")
router.register("report-schedules", ReportScheduleViewSet, basename="report-schedule")
router.register("stages", StageViewSet, basename="stage")
router.register("tasks", TaskViewSet, basename="task")
router.register("automation-rules", AutomationRuleViewSet, basename="automation-rule")
router.register("settings", RuntimeSettingViewSet, basename="runtime-setting")
router.register("notifications", NotificationViewSet, basename="notification")

app_name = "api"
urlpatterns = [
    path("v1/", include("accounts.api.urls")),
    path("v1/listings/<int:pk>/costs/", ListingCostsView.as_view(), name="listing-costs"),
    path("v1/listings/<int:pk>/score/", ListingScoreView.as_view(), name="listing-score"),
    path("v1/listings/<int:pk>/versions/", listing_versions.ListingVersionListView.as_view(), name="listing-versions"),
    path("v1/listings/<int:pk>/versions/<int:n>/", listing_versions.ListingVersionDetailView.as_view()),
    path("v1/listings/<int:pk>/versions/<int:n>/rollback/", listing_versions.ListingVersionRollbackView.as_view()),
    path("v1/versions/baseline/", listing_versions.BaselineView.as_view(), name="versions-baseline"),
    path("v1/products/<int:pk>/versions/", listing_versions.ProductVersionListView.as_view(), name="product-versions"),
    path("v1/products/<int:pk>/versions/<int:n>/", listing_versions.ProductVersionDetailView.as_view()),
    path("v1/products/<int:pk>/versions/<int:n>/rollback/", listing_versions.ProductVersionRollbackView.as_view()),
    path("v1/", include(router.urls)),
    path("v1/analytics/daily/", AnalyticsDailyStatsView.as_view(), name="analytics-daily"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("v1/channels/<int:pk>/pull-orders/", ChannelOrdersPullView.as_view(), name="channel-pull-orders"),
    re_path(r"^.*$", api_not_found),  # JSON 404 for unknown /api/ paths, whatever DEBUG says
]
