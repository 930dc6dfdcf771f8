from django.urls import path

from operations.views import DashboardView, healthz

# Mounted at the site root without a namespace: the names "dashboard" and "healthz" are used across templates.
urlpatterns = [
    path("", DashboardView.as_view(), name="dashboard"),
    path("healthz", healthz, name="healthz"),
]
