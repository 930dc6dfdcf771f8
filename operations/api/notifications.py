"""GET /api/v1/notifications/ (the caller's own) and marking them read (docs/operations.md#notifications)."""

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from operations.models import Notification
from operations.services.notifications import notifications_mark_read, notifications_of

from .permissions import AnyRolePermission


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "link", "read_at", "created_at"]


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        help_text="Leave out to mark all read.",
    )


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField()
    unread = serializers.IntegerField()


class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's notifications, newest first; `?unread=true` for unread ones only."""

    serializer_class = NotificationSerializer
    permission_classes = [AnyRolePermission]
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        rows = notifications_of(self.request.user)
        if self.action == "list" and self.request.query_params.get("unread") == "true":
            rows = rows.filter(read_at__isnull=True)
        return rows

    @extend_schema(parameters=[OpenApiParameter("unread", bool, description="true: unread ones only.")])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        unread = request.query_params.get("unread")
        if unread not in (None, "true", "false"):
            raise serializers.ValidationError({"unread": ["Must be true or false."]})
        return super().list(request, *args, **kwargs)

    def _marked(self, count: int) -> Response:
        unread = notifications_of(self.request.user).filter(read_at__isnull=True).count()
        return Response(MarkedSerializer({"marked": count, "unread": unread}).data)

    @extend_schema(request=None, responses={200: MarkedSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: Any = None) -> Response:
        """Mark this notification read."""
        note = self.get_object()
        return self._marked(notifications_mark_read(user=request.user, ids=[note.pk]))

    @extend_schema(request=MarkReadSerializer, responses={200: MarkedSerializer})
    @action(detail=False, methods=["post"], url_path="mark-read")
    def mark_read(self, request: Request) -> Response:
        """Mark the given ids (or all) read."""
        body = MarkReadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ids = body.validated_data.get("ids")
        return self._marked(notifications_mark_read(user=request.user, ids=ids))
