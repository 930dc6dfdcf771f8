"""Operations API: the system log (and jobs, tables, maintenance, backups in the sections below)."""

from rest_framework import viewsets

from operations.filters import SystemLogFilterSet
from operations.models import SystemLog

from .permissions import AdminRolePermission
from .serializers import SystemLogSerializer


class SystemLogViewSet(viewsets.ReadOnlyModelViewSet):
    """Stored log records, newest first: filter by `level` (and above), `logger`, `q`, `request_id`, `job`, time."""

    queryset = SystemLog.objects.order_by("-created_at", "-id")
    serializer_class = SystemLogSerializer
    filterset_class = SystemLogFilterSet
    permission_classes = [AdminRolePermission]
