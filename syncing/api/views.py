"""Sync API: follow jobs (progress, cancel) and search the event history (retry one failed attempt)."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.roles import channel_scoped
from syncing import services
from syncing.filters import SyncEventFilterSet, SyncJobFilterSet
from syncing.models import SyncEvent, SyncJob

from .serializers import SyncEventSerializer, SyncJobDetailSerializer, SyncJobSerializer


class SyncJobViewSet(viewsets.ReadOnlyModelViewSet):
    """Background sync jobs, newest first. Poll a job for `progress`; `cancel` stops its remaining work."""

    queryset = SyncJob.objects.defer("listing_ids").order_by("-created_at", "-id")
    serializer_class = SyncJobSerializer
    filterset_class = SyncJobFilterSet
    required_role_area = "sync"

    def get_queryset(self) -> Any:
        return channel_scoped(super().get_queryset(), self.request.user)

    def get_serializer_class(self) -> Any:
        return SyncJobDetailSerializer if self.action == "retrieve" else SyncJobSerializer

    @extend_schema(request=None, responses={200: SyncJobSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: Any = None) -> Response:
        job = services.sync_job_cancel(job=self.get_object(), user=request.user)
        return Response(SyncJobSerializer(job, context=self.get_serializer_context()).data)


class SyncEventViewSet(viewsets.ReadOnlyModelViewSet):
    """Every sync attempt: filter by channel, listing, outcome, error kind/code and time (`created_after/before`)."""

    queryset = SyncEvent.objects.order_by("-created_at", "-id")
    serializer_class = SyncEventSerializer
    filterset_class = SyncEventFilterSet
    required_role_area = "sync"

    def get_queryset(self) -> Any:
        return channel_scoped(super().get_queryset(), self.request.user)

    @extend_schema(request=None, responses={202: SyncJobSerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk: Any = None) -> Response:
        """Retry the listing of this failed attempt as a new one-listing job."""
        job = services.sync_event_retry(event=self.get_object(), user=request.user)
        data = SyncJobSerializer(job, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_202_ACCEPTED)
