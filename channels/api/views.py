"""Channel API: marketplace accounts with write-only credentials."""

from typing import Any

from django.core.exceptions import PermissionDenied
from rest_framework import mixins, viewsets

from accounts.roles import allowed_channel_ids, channel_scoped
from channels.models import Channel

from .serializers import ChannelSerializer


class ChannelViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Channels. Credentials are accepted on create/update and never returned (only the names of stored ones).

    Channels are not deleted through the API (their listings and sync history refer to them); set
    `is_active: false` to pause one.
    """

    queryset = Channel.objects.order_by("name")
    serializer_class = ChannelSerializer
    required_role_area = "channels"
    filterset_fields = ["marketplace", "is_active", "country"]

    def get_queryset(self) -> Any:
        return channel_scoped(super().get_queryset(), self.request.user, "pk")

    def create(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        if allowed_channel_ids(request.user) is not None:
            raise PermissionDenied("You are limited to some channels; an admin adds new channels.")
        return super().create(request, *args, **kwargs)
