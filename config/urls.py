from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("operations.urls")),  # the dashboard at "/" and /healthz
    path("accounts/", include("accounts.urls")),
    path("catalog/", include("catalog.urls")),
    path("imports/", include("catalog.importing.urls", namespace="imports")),
    path("channels/", include("channels.urls")),
    path("listings/", include("listings.urls")),
    path("sync/", include("syncing.urls")),
    path("intake/", include("intake.urls")),
    path("orders/", include("orders.urls")),
    path("stock/", include("inventory.urls")),
    path("analytics/", include("analytics.urls")),
    path("operations/", include("operations.page_urls")),
    path("costs/", include("inventory.cost_urls")),
    path("pricing/", include("pricing.urls")),
    path("competitors/", include("competitors.urls")),
    path("tasks/", include("workflow.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("config.api_urls")),  # also mounts accounts.api.urls under /api/v1/
    path("webhooks/", include("orders.webhook_urls")),  # marketplace order pushes (docs/orders.md#webhooks)
]

handler500 = "operations.views.server_error"  # shows the request id, linked to the system log

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
