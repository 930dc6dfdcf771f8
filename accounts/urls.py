from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.AccountLoginView.as_view(), name="login"),
    path("logout/", views.AccountLogoutView.as_view(), name="logout"),
    path("password/change/", views.AccountPasswordChangeView.as_view(), name="password_change"),
    path("password/change/done/", views.AccountPasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password/reset/", views.AccountPasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", views.AccountPasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.AccountPasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password/reset/done/", views.AccountPasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("security/", views.SecurityView.as_view(), name="security"),
    path("tokens/new/", views.ApiTokenCreateView.as_view(), name="apitoken_create"),
    path("tokens/<int:pk>/revoke/", views.ApiTokenRevokeView.as_view(), name="apitoken_revoke"),
    path("sessions/<int:pk>/end/", views.UserSessionEndView.as_view(), name="usersession_end"),
    path("users/", views.UserListView.as_view(), name="user_list"),
    path("users/<int:pk>/end-sessions/", views.UserSessionsEndAllView.as_view(), name="user_sessions_end_all"),
    path("audit/", views.AuditEntryListView.as_view(), name="auditentry_list"),
]
