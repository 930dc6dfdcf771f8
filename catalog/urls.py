from django.urls import path

from . import views

app_name = "catalog"
urlpatterns = [
    path("products/", views.ProductListView.as_view(), name="product_list"),
    path("products/bulk/", views.ProductBulkView.as_view(), name="product_bulk"),
    path("products/new/", views.ProductCreateView.as_view(), name="product_create"),
    path("products/<int:pk>/", views.ProductDetailView.as_view(), name="product_detail"),
    path("products/<int:pk>/archive/", views.ProductArchiveView.as_view(), name="product_archive"),
    path("products/<int:pk>/edit/", views.ProductUpdateView.as_view(), name="product_update"),
    path("products/<int:pk>/images/<int:image_pk>/", views.ImageUpdateView.as_view(), name="image_update"),
    path("products/<int:pk>/images/<int:image_pk>/delete/", views.ImageDeleteView.as_view(), name="image_delete"),
]
