"""Operations API: the system log, jobs of every table in one shape, table statistics and maintenance."""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from common.errors import ApplicationError
from operations.dbstats import slow_queries, table_stats
from operations.filters import SystemLogFilterSet
from operations.forms import JobFilterForm
from operations.job_sources import JobList, job_get
from operations.models import Backup, Feed, SystemLog
from operations.services.backups import backup_check_start, backup_start
from operations.services.feeds import feed_delete, feed_preview, feed_run_start, feed_save
from operations.services.jobs import job_stop_any
from operations.services.maintenance import maintenance_start

from .permissions import AdminRolePermission
from .serializers import (
    BackupSerializer,
    FeedPreviewSerializer,
    FeedSerializer,
    JobDetailSerializer,
    JobSerializer,
    JobStartSerializer,
    MaintenanceRequestSerializer,
    SystemLogSerializer,
    TablesSerializer,
)

PUBLIC_ID_REGEX = r"[a-z]+-[0-9]{1,18}"


class SystemLogViewSet(viewsets.ReadOnlyModelViewSet):
    """Stored log records, newest first: filter by `level` (and above), `logger`, `q`, `request_id`, `job`, time."""

    queryset = SystemLog.objects.order_by("-created_at", "-id")
    serializer_class = SystemLogSerializer
    filterset_class = SystemLogFilterSet
    permission_classes = [AdminRolePermission]


JOB_FILTERS = [
    OpenApiParameter("source", str, enum=["job", "sync", "import"], description="The table the job is in."),
    OpenApiParameter("type", str, description="e.g. maintenance, backup, import, sync, sync.push."),
    OpenApiParameter("status", str, many=True, description="One or more statuses."),
    OpenApiParameter("active", bool, description="true: queued or running only."),
    OpenApiParameter("created_after", OpenApiTypes.DATETIME),
    OpenApiParameter("created_before", OpenApiTypes.DATETIME),
]


def strict_query_errors(request: Request, form: JobFilterForm) -> dict[str, list[str]]:
    """What the form would let pass but the API refuses, like common.api.filters does for FilterSets: an empty
    value, a repeated single-value filter, a boolean other than true/false."""
    errors = {}
    for name, values in request.query_params.lists():
        if name not in form.fields:
            continue
        if "" in values:
            errors[name] = ["Must not be empty; leave the parameter out to not filter."]
        elif len(values) > 1 and name != "status":
            errors[name] = ["Give this filter once."]
        elif name == "active" and values[0] not in ("true", "false"):
            errors[name] = ["Must be true or false."]
    return errors


def job_detail_data(public_id: str, user: Any) -> dict[str, Any]:
    found = job_get(public_id, user=user)
    if found is None:
        raise exceptions.NotFound(f"There is no job {public_id}.")
    record, log = found
    data = dict(JobSerializer(record).data)
    data["log"] = [
        {"created_at": x.created_at, "level": x.level, "level_name": x.level_name, "message": x.message} for x in log
    ]
    return data


class JobViewSet(viewsets.GenericViewSet):
    """Every long task in one shape: operations jobs (`job-5`), sync jobs (`sync-12`) and imports (`import-3`),
    newest first. Poll one for progress; `stop` asks it to stop between chunks."""

    lookup_value_regex = PUBLIC_ID_REGEX
    serializer_class = JobSerializer
    filter_backends: list[Any] = []  # JobFilterForm validates the filters: the jobs come from three tables

    def get_required_role_area(self, request: Request) -> str:
        return "sync"  # stopping: the edit right of sync at least; operations jobs also need admin (service)

    @extend_schema(parameters=JOB_FILTERS, responses={200: JobSerializer(many=True)})
    def list(self, request: Request) -> Response:
        form = JobFilterForm(request.query_params)
        errors = strict_query_errors(request, form)
        if errors or not form.is_valid():
            raise exceptions.ValidationError(errors or form.errors.get_json_data())
        page = self.paginate_queryset(JobList(user=request.user, filters=form.cleaned_data))  # type: ignore[arg-type]
        return self.get_paginated_response(JobSerializer(page, many=True).data)

    @extend_schema(responses={200: JobDetailSerializer})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(job_detail_data(pk, request.user))

    @extend_schema(request=None, responses={200: JobDetailSerializer})
    @action(detail=True, methods=["post"])
    def stop(self, request: Request, pk: str) -> Response:
        """Stop a queued or running job at its next chunk boundary (one that has ended: 409 with the reason)."""
        if job_get(pk, user=request.user) is None:
            raise exceptions.NotFound(f"There is no job {pk}.")
        job_stop_any(public_id=pk, user=request.user)
        return Response(job_detail_data(pk, request.user))


class OperationsViewSet(viewsets.ViewSet):
    """Database figures and maintenance (admin role)."""

    permission_classes = [AdminRolePermission]

    @extend_schema(responses={200: TablesSerializer})
    @action(detail=False, methods=["get"])
    def tables(self, request: Request) -> Response:
        """Rows, size and last vacuum/analyze per table, and the slow queries with their source."""
        stats = table_stats()
        stats["slow_queries"] = slow_queries()
        return Response(TablesSerializer(stats).data)

    @extend_schema(request=MaintenanceRequestSerializer, responses={202: JobSerializer})
    @action(detail=False, methods=["post"])
    def maintenance(self, request: Request) -> Response:
        """Queue VACUUM and/or ANALYZE as a background job; follow it at /api/v1/jobs/{id}/."""
        body = MaintenanceRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        job = maintenance_start(user=request.user, **body.validated_data)
        return Response(job_detail_data(job.public_id, request.user), status=status.HTTP_202_ACCEPTED)


def _job_start(request: Request) -> dict[str, Any]:
    """The checked options of an action that queues a job (an empty body keeps the defaults)."""
    body = JobStartSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    return dict(body.validated_data)


class BackupViewSet(viewsets.ReadOnlyModelViewSet):
    """Backups with size, SHA-256 and schema version (admin role). `POST` starts a backup job; `check` starts a
    restore dry run (checksum, readable file, schema version) as a job. Restoring itself is `manage.py restore`."""

    queryset = Backup.objects.order_by("-created_at", "-id")
    serializer_class = BackupSerializer
    permission_classes = [AdminRolePermission]
    filter_backends: list[Any] = []

    @extend_schema(request=JobStartSerializer, responses={202: JobDetailSerializer})
    def create(self, request: Request) -> Response:
        job = backup_start(user=request.user, **_job_start(request))
        return Response(job_detail_data(job.public_id, request.user), status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=JobStartSerializer, responses={202: JobDetailSerializer})
    @action(detail=True, methods=["post"])
    def check(self, request: Request, pk: Any = None) -> Response:
        job = backup_check_start(backup=self.get_object(), user=request.user, **_job_start(request))
        return Response(job_detail_data(job.public_id, request.user), status=status.HTTP_202_ACCEPTED)


class FeedViewSet(viewsets.ModelViewSet):
    """Supplier feeds (admin role). `run` queues a run (409 while one is running: never two at once);
    `preview` downloads the first file and returns its first 20 rows before and after the mapping."""

    queryset = Feed.objects.order_by("name")
    serializer_class = FeedSerializer
    permission_classes = [AdminRolePermission]
    filter_backends: list[Any] = []

    def _save(self, serializer: FeedSerializer, feed: Feed | None) -> None:
        data = dict(serializer.validated_data)
        password, private_key = data.pop("password", None), data.pop("private_key", None)
        try:
            serializer.instance = feed_save(
                feed=feed, data=data, password=password, private_key=private_key, user=self.request.user
            )
        except ApplicationError as exc:
            raise exceptions.ValidationError({"non_field_errors": [exc.message]}) from None

    def perform_create(self, serializer: FeedSerializer) -> None:  # type: ignore[override]
        self._save(serializer, None)

    def perform_update(self, serializer: FeedSerializer) -> None:  # type: ignore[override]
        self._save(serializer, serializer.instance)

    def perform_destroy(self, instance: Feed) -> None:
        feed_delete(feed=instance, user=self.request.user)

    @extend_schema(request=JobStartSerializer, responses={202: JobDetailSerializer})
    @action(detail=True, methods=["post"])
    def run(self, request: Request, pk: Any = None) -> Response:
        job = feed_run_start(feed=self.get_object(), user=request.user, **_job_start(request))
        return Response(job_detail_data(job.public_id, request.user), status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={200: FeedPreviewSerializer})
    @action(detail=True, methods=["post"])
    def preview(self, request: Request, pk: Any = None) -> Response:
        try:
            data = feed_preview(feed=self.get_object())
        except ApplicationError as exc:
            raise exceptions.ValidationError({"non_field_errors": [exc.message]}) from None
        return Response(FeedPreviewSerializer(data).data)
