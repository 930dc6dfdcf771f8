from django.urls import path

from accounts.api.views import MeView, TokenObtainView

urlpatterns = [
    path("auth/token/", TokenObtainView.as_view(), name="api_token_obtain"),
    path("auth/me/", MeView.as_view(), name="api_me"),
]
