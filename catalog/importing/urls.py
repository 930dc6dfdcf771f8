"""The staff pages of the import flow and the exports, under /imports/ (namespace "imports")."""

from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("", views.ImportUploadView.as_view(), name="upload"),
    path("template.xlsx", views.ImportTemplateView.as_view(), name="template"),
    path("export/", views.ProductExportView.as_view(), name="product_export"),
    path("export/listings/", views.ListingExportView.as_view(), name="listing_export"),
    path("<int:pk>/", views.ImportBatchDetailView.as_view(), name="batch_detail"),
    path("<int:pk>/status/", views.ImportBatchStatusView.as_view(), name="batch_status"),
    path("<int:pk>/confirm/", views.ImportBatchConfirmView.as_view(), name="batch_confirm"),
    path("<int:pk>/undo/", views.ImportBatchUndoView.as_view(), name="batch_undo"),
    path("<int:pk>/errors.xlsx", views.ImportBatchErrorsView.as_view(), name="batch_errors"),
]
