from django.urls import path

from accounts.api.views import TokenObtainView

urlpatterns = [
    path("auth/token/", TokenObtainView.as_view(), name="api_token_obtain"),
]
