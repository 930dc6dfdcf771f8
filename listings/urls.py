from django.urls import path

from . import version_views, views

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
    path(
        "<int:pk>/split-variants/",
        views.ListingActionView.as_view(action="split_variants"),
        name="listing_split_variants",
    ),
    path("<int:pk>/deactivate/", views.ListingDeactivateView.as_view(), name="listing_deactivate"),
    path("product/<int:product_pk>/delist/", views.ProductDelistView.as_view(), name="product_delist"),
    # Content versions and changesets (docs/catalog.md#versions)
    path("<int:pk>/history/", version_views.HistoryView.as_view(kind="listing"), name="listing_history"),
    path("<int:pk>/history/compare/", version_views.CompareView.as_view(kind="listing"), name="listing_compare"),
    path("<int:pk>/history/rollback/", version_views.ListingRollbackView.as_view(), name="listing_rollback"),
    path("product/<int:pk>/history/", version_views.HistoryView.as_view(), name="product_history"),
    path("product/<int:pk>/history/compare/", version_views.CompareView.as_view(), name="product_compare"),
    path("product/<int:pk>/history/rollback/", version_views.RollbackView.as_view(), name="product_rollback"),
    path("changesets/", version_views.ChangesetListView.as_view(), name="changeset_list"),
    path("changesets/<int:pk>/undo/", version_views.ChangesetUndoView.as_view(), name="changeset_undo"),
]
