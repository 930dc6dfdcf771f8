from django.urls import path

from . import views

app_name = "syncing"
urlpatterns = [
    path("", views.SyncJobListView.as_view(), name="job_list"),
    path("jobs/<int:pk>/", views.SyncJobDetailView.as_view(), name="job_detail"),
    path("jobs/<int:pk>/progress/", views.SyncJobProgressView.as_view(), name="job_progress"),
    path("jobs/<int:pk>/cancel/", views.SyncJobCancelView.as_view(), name="job_cancel"),
    path("jobs/<int:pk>/retry-failed/", views.SyncJobRetryFailedView.as_view(), name="job_retry_failed"),
    path("events/", views.SyncEventListView.as_view(), name="event_list"),
    path("events/<int:pk>/retry/", views.SyncEventRetryView.as_view(), name="event_retry"),
    path("channels/<int:pk>/pull/", views.ChannelPullView.as_view(), name="channel_pull"),
    path("channels/<int:pk>/retry-errors/", views.ChannelRetryErrorsView.as_view(), name="channel_retry_errors"),
    path("listings/<int:pk>/refresh/", views.ListingRefreshView.as_view(), name="listing_refresh"),
    path("listings/<int:pk>/push-again/", views.ListingPushAgainView.as_view(), name="listing_push_again"),
]
