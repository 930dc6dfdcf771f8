from django.urls import path

from operations import views

app_name = "operations"
urlpatterns = [
    path("logs/", views.SystemLogListView.as_view(), name="systemlog_list"),
]
