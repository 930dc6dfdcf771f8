from django.urls import path

from . import views

app_name = "listings"
urlpatterns = [
    path("", views.ListingListView.as_view(), name="listing_list"),
    path("matrix/", views.ListingMatrixView.as_view(), name="listing_matrix"),
    path("bulk/", views.ListingBulkView.as_view(), name="listing_bulk"),
    path("publish-changes/", views.ListingPublishChangesView.as_view(), name="listing_publish_changes"),
    path("cell/<int:product_pk>/<int:channel_pk>/", views.ListingCellView.as_view(), name="listing_cell"),
    path("<int:pk>/", views.ListingDetailView.as_view(), name="listing_detail"),
    path("<int:pk>/overrides/", views.ListingOverridesView.as_view(), name="listing_overrides"),
    path("<int:pk>/publish/", views.ListingActionView.as_view(action="publish"), name="listing_publish"),
    path(
        "<int:pk>/publish-changes/",
        views.ListingActionView.as_view(action="publish_changes"),
        name="listing_publish_changes_one",
    ),
    path("<int:pk>/accept-remote/", views.ListingActionView.as_view(action="accept_remote"), name="listing_accept"),
    path("<int:pk>/transition/", views.ListingActionView.as_view(action="transition"), name="listing_transition"),
    path("<int:pk>/deactivate/", views.ListingDeactivateView.as_view(), name="listing_deactivate"),
    path("product/<int:product_pk>/delist/", views.ProductDelistView.as_view(), name="product_delist"),
]
