"""Pages of suppliers, components, prices, bills of materials and cost alerts, mounted at /costs/."""

from django.urls import path
from django.views.generic import RedirectView

from . import cost_views as views

app_name = "costs"
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="costs:component_list"), name="index"),
    path("suppliers/", views.SupplierListView.as_view(), name="supplier_list"),
    path("suppliers/new/", views.SupplierFormView.as_view(), name="supplier_create"),
    path("suppliers/<int:pk>/", views.SupplierDetailView.as_view(), name="supplier_detail"),
    path("suppliers/<int:pk>/edit/", views.SupplierFormView.as_view(), name="supplier_update"),
    path("components/", views.ComponentListView.as_view(), name="component_list"),
    path("components/new/", views.ComponentFormView.as_view(), name="component_create"),
    path("components/<int:pk>/", views.ComponentDetailView.as_view(), name="component_detail"),
    path("components/<int:pk>/edit/", views.ComponentFormView.as_view(), name="component_update"),
    path("components/<int:component_pk>/prices/new/", views.ComponentPriceCreateView.as_view(), name="price_create"),
    path("prices/<int:pk>/edit/", views.ComponentPriceUpdateView.as_view(), name="price_update"),
    path("prices/<int:pk>/delete/", views.ComponentPriceDeleteView.as_view(), name="price_delete"),
    path("products/<int:pk>/bom/", views.ProductBomView.as_view(), name="product_bom"),
    path("alerts/", views.CostAlertListView.as_view(), name="alert_list"),
]
