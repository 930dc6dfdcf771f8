"""Channel API: marketplace accounts with write-only credentials."""

from typing import Any

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.roles import allowed_channel_ids, channel_scoped
from channels.models import Channel
from channels.selectors import remote_category_list
from syncing import services as sync_services
from syncing.api.serializers import SyncJobSerializer

from .serializers import (
    ChannelPullSerializer,
    ChannelSerializer,
    RemoteCategoryQuerySerializer,
    RemoteCategorySerializer,
)


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

    def get_required_role_area(self, request: Any) -> str:
        return "sync" if self.action == "pull" else self.required_role_area

    @extend_schema(request=ChannelPullSerializer, responses={202: SyncJobSerializer})
    @action(detail=True, methods=["post"])
    def pull(self, request: Request, pk: Any = None) -> Response:
        """Pull now: read the channel's listings back from the marketplace in a background job (202 + the job).

        `{"full": false}` (default) reads only what changed since the last pull; `true` reads everything. 409 when
        the channel is paused or a pull of it is already running.
        """
        body = ChannelPullSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        job = sync_services.channel_listings_pull(
            channel=self.get_object(), user=request.user, full=body.validated_data["full"]
        )
        data = SyncJobSerializer(job, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(parameters=[RemoteCategoryQuerySerializer], responses={200: RemoteCategorySerializer(many=True)})
    @action(detail=True, methods=["get"], url_path="remote-categories")
    def remote_categories(self, request: Request, pk: Any = None) -> Response:
        """The marketplace's own categories cached for this channel ("Load marketplace categories" on the channel
        page fills them; docs/channels.md#marketplace-categories), in path order and paginated. `search` words each
        match the path or the id; `leaf` true/false; `parent` the children of one remote id (empty: the roots).
        """
        query = RemoteCategoryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        rows = remote_category_list(
            channel=self.get_object(),
            search=data.get("search", ""),
            leaf=data.get("leaf"),
            parent=data.get("parent") if "parent" in request.query_params else None,
        )
        page = self.paginate_queryset(rows)
        if page is not None:
            return self.get_paginated_response(RemoteCategorySerializer(page, many=True).data)
        return Response(RemoteCategorySerializer(rows, many=True).data)

    def create(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        if allowed_channel_ids(request.user) is not None:
            raise PermissionDenied("You are limited to some channels; an admin adds new channels.")
        return super().create(request, *args, **kwargs)
