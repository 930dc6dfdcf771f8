from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from common.health import healthz
from common.views import DashboardView

urlpatterns = [
    path("", DashboardView.as_view(), name="dashboard"),
    path("accounts/", include("accounts.urls")),
    path("catalog/", include("catalog.urls")),
    path("imports/", include("catalog.import_urls", namespace="imports")),
    path("channels/", include("channels.urls")),
    path("listings/", include("listings.urls")),
    path("sync/", include("syncing.urls")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("api/", include("config.api_urls")),  # also mounts accounts.api.urls under /api/v1/
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
