from django.urls import path
from rest_framework.routers import SimpleRouter

from accounts.api.views import ApiTokenViewSet, MeView, TokenObtainView

router = SimpleRouter()
router.register("auth/tokens", ApiTokenViewSet, basename="api-token")

urlpatterns = [
    path("auth/token/", TokenObtainView.as_view(), name="api_token_obtain"),
    path("auth/me/", MeView.as_view(), name="api_me"),
    *router.urls,
]
