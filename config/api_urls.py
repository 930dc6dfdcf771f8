"""REST API routes: /api/v1/ (resources), /api/schema/ (OpenAPI 3) and /api/docs/ (Swagger UI)."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from catalog.api.views import CategoryViewSet, ProductImageViewSet, ProductViewSet, VariantViewSet
from catalog.importing.api import ImportBatchViewSet
from channels.api.views import ChannelViewSet
from common.api.errors import api_not_found
from intake.api.views import IntakeItemViewSet
from inventory.api.views import StockMovementViewSet, StockViewSet
from listings.api.views import ListingViewSet
from operations.api.views import BackupViewSet, FeedViewSet, JobViewSet, OperationsViewSet, SystemLogViewSet
from orders.api.views import CustomerViewSet, OrderViewSet
from syncing.api.views import SyncEventViewSet, SyncJobViewSet

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

app_name = "api"
urlpatterns = [
    path("v1/", include("accounts.api.urls")),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    re_path(r"^.*$", api_not_found),  # JSON 404 for unknown /api/ paths, whatever DEBUG says
]
