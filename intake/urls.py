"""Photo intake pages under /intake/ (namespace "intake")."""

from django.urls import path

from . import views

app_name = "intake"
urlpatterns = [
    path("", views.IntakeItemListView.as_view(), name="item_list"),
    path("status/", views.IntakeListStatusView.as_view(), name="list_status"),
    path("new/", views.IntakeUploadView.as_view(), name="item_upload"),
    path("<int:pk>/", views.IntakeItemDetailView.as_view(), name="item_detail"),
    path("<int:pk>/status/", views.IntakeItemStatusView.as_view(), name="item_status"),
    path("<int:pk>/start/", views.IntakeItemStartView.as_view(), name="item_start"),
    path("<int:pk>/stop/", views.IntakeItemStopView.as_view(), name="item_stop"),
    path("<int:pk>/retry/", views.IntakeItemRetryView.as_view(), name="item_retry"),
    path("<int:pk>/review/", views.IntakeItemReviewView.as_view(), name="item_review"),
    path("<int:pk>/photos/<int:photo_pk>/", views.IntakePhotoView.as_view(), name="photo"),
]
