from django.urls import path

from . import views

app_name = "competitors"
urlpatterns = [
    path("", views.CompetitorListView.as_view(), name="competitor_list"),
    path("new/", views.CompetitorCreateView.as_view(), name="competitor_create"),
    path("<int:pk>/", views.CompetitorDetailView.as_view(), name="competitor_detail"),
    path("<int:pk>/observe/", views.CompetitorObserveView.as_view(), name="competitor_observe"),
    path("alerts/", views.AlertListView.as_view(), name="alert_list"),
    path("alerts/<int:pk>/status/", views.AlertStatusView.as_view(), name="alert_status"),
]
