"""Channel API: marketplace accounts with write-only credentials."""

from rest_framework import mixins, viewsets

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
