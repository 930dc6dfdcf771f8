from django.urls import path

from . import views
from .views import actions, categories, grid, metafields

app_name = "catalog"
urlpatterns = [
    path("categories/", categories.CategoryTreeView.as_view(), name="category_list"),
    path("categories/<int:pk>/", categories.CategoryDetailView.as_view(), name="category_detail"),
    path("categories/<int:pk>/icons/", categories.CategoryIconUploadView.as_view(), name="category_icon_upload"),
    path("categories/<int:pk>/title-limit/", categories.CategoryTitleLimitView.as_view(), name="category_title_limit"),
    path(
        "categories/<int:pk>/icons/<int:icon_pk>/",
        categories.CategoryIconStatusView.as_view(),
        name="category_icon_status",
    ),
    path("products/", views.ProductListView.as_view(), name="product_list"),
    path("products/bulk/", views.ProductBulkView.as_view(), name="product_bulk"),
    path("bulk-edit/", grid.ProductBulkEditView.as_view(), name="product_bulk_edit"),
    path("products/new/", views.ProductCreateView.as_view(), name="product_create"),
    path("products/<int:pk>/", views.ProductDetailView.as_view(), name="product_detail"),
    path("products/<int:pk>/archive/", views.ProductArchiveView.as_view(), name="product_archive"),
    path("products/<int:pk>/duplicate/", actions.ProductDuplicateView.as_view(), name="product_duplicate"),
    path("products/<int:pk>/list-on/", actions.ProductListOnChannelsView.as_view(), name="product_list_on"),
    path("products/<int:pk>/publish/", actions.ProductPublishEverywhereView.as_view(), name="product_publish"),
    path("products/<int:pk>/delete/", actions.ProductDeleteView.as_view(), name="product_delete"),
    path("products/<int:pk>/edit/", views.ProductUpdateView.as_view(), name="product_update"),
    path("products/<int:pk>/metafields/", metafields.ProductMetafieldsView.as_view(), name="product_metafields"),
    path("products/<int:pk>/images/<int:image_pk>/", views.ImageUpdateView.as_view(), name="image_update"),
    path("products/<int:pk>/images/<int:image_pk>/delete/", views.ImageDeleteView.as_view(), name="image_delete"),
]
