from django.urls import path, register_converter

from operations import notification_views, settings_views, views


class PublicJobId:
    regex = r"[a-z]+-[0-9]{1,18}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(PublicJobId, "jobid")

app_name = "operations"
urlpatterns = [
    path("", views.JobListView.as_view(), name="job_list"),
    path("jobs/<jobid:public_id>/", views.JobDetailView.as_view(), name="job_detail"),
    path("jobs/<jobid:public_id>/progress/", views.JobProgressView.as_view(), name="job_progress"),
    path("jobs/<jobid:public_id>/stop/", views.JobStopView.as_view(), name="job_stop"),
    path("health/", views.HealthView.as_view(), name="health"),
    path("logs/", views.SystemLogListView.as_view(), name="systemlog_list"),
    path("tables/", views.TableStatsView.as_view(), name="tables"),
    path("tables/maintenance/", views.MaintenanceStartView.as_view(), name="maintenance"),
    path("backups/", views.BackupListView.as_view(), name="backup_list"),
    path("backups/new/", views.BackupStartView.as_view(), name="backup_start"),
    path("backups/<int:pk>/check/", views.BackupCheckView.as_view(), name="backup_check"),
    path("feeds/", views.FeedListView.as_view(), name="feed_list"),
    path("feeds/new/", views.FeedFormView.as_view(), name="feed_create"),
    path("feeds/<int:pk>/", views.FeedFormView.as_view(), name="feed_edit"),
    path("feeds/<int:pk>/run/", views.FeedRunView.as_view(), name="feed_run"),
    path("settings/", settings_views.RuntimeSettingsView.as_view(), name="settings"),
    path("notifications/", notification_views.NotificationListView.as_view(), name="notification_list"),
    path("notifications/unread/", notification_views.NotificationUnreadView.as_view(), name="notification_unread"),
    path("notifications/read/", notification_views.NotificationReadView.as_view(), name="notification_read"),
    path(
        "notifications/preferences/",
        notification_views.NotificationPreferencesView.as_view(),
        name="notification_preferences",
    ),
]
