"""POST /api/v1/auth/token/: username + password -> a new API token, shown once.

Guarded by django-axes (5 failures per username+IP, then a cool-off; answered 429 with Retry-After by
accounts.views.lockout_response) and by a DRF throttle (429 + Retry-After) as a courtesy limit.
"""

from typing import Any

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts.api.serializers import ApiTokenSerializer, TokenObtainSerializer
from accounts.models import ApiToken
from accounts.roles import user_roles
from accounts.services import token_create, token_revoke
from common.api.errors import error_response
from common.errors import ApplicationError


class TokenObtainView(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth_token"

    @extend_schema(
        request=TokenObtainSerializer,
        responses={
            201: inline_serializer("TokenCreated", {"key": serializers.CharField(), "token": ApiTokenSerializer()})
        },
    )
    def post(self, request: Request) -> Response:
        form = TokenObtainSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        user = authenticate(
            request._request, username=form.validated_data["username"], password=form.validated_data["password"]
        )
        if getattr(request._request, "axes_locked_out", False):
            # AxesMiddleware replaces this with the 429 lockout answer on the way out.
            return error_response(status.HTTP_429_TOO_MANY_REQUESTS, "locked_out", "Too many failed logins.")
        if user is None:
            return error_response(status.HTTP_401_UNAUTHORIZED, "authentication_failed", "Wrong username or password.")
        try:
            token, key = token_create(user=user, name=form.validated_data.get("name") or "API login")
        except ApplicationError as exc:
            return error_response(status.HTTP_400_BAD_REQUEST, "refused", exc.message)
        return Response({"key": key, "token": ApiTokenSerializer(token).data}, status=status.HTTP_201_CREATED)


class MeView(APIView):
    """GET /api/v1/auth/me/: who the credentials belong to, their roles, and how they authenticated."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses=inline_serializer(
            "Me",
            {
                "username": serializers.CharField(),
                "roles": serializers.ListField(child=serializers.CharField()),
                "auth": serializers.CharField(),
            },
        )
    )
    def get(self, request: Request) -> Response:
        roles = sorted(user_roles(request.user))
        auth = "token" if isinstance(request.auth, ApiToken) else "session"
        return Response({"username": request.user.get_username(), "roles": roles, "auth": auth})


class ApiTokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """GET /api/v1/auth/tokens/: the caller's own API tokens (never the keys); POST .../{id}/revoke/ ends one."""

    serializer_class = ApiTokenSerializer
    permission_classes = [IsAuthenticated]
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return ApiToken.objects.filter(user_id=self.request.user.pk or 0).order_by("-created_at", "-id")

    @extend_schema(request=None, responses={200: ApiTokenSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        token = token_revoke(token=self.get_object(), user=request.user)
        return Response(ApiTokenSerializer(token).data)
