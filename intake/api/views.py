"""Intake API: upload photos -> item (phases start in the background); list, detail, start/stop/retry, review,
logs. The same services as the intake pages (docs/intake.md#api)."""

from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from common.errors import ApplicationError

from ..models import IntakeItem
from ..permissions import IntakePermission
from ..selectors import intake_dashboard_counts, intake_item_list, intake_log_list
from ..services import intake_item_create, intake_phase_retry, intake_review, intake_start, intake_stop
from .serializers import (
    IntakeDashboardSerializer,
    IntakeItemSerializer,
    IntakeLogSerializer,
    IntakePhaseRequestSerializer,
    IntakeReviewSerializer,
    IntakeStartSerializer,
    IntakeUploadSerializer,
)


def _as_validation_error(exc: ApplicationError) -> exceptions.ValidationError:
    field = exc.extra.get("field", "non_field_errors")
    return exceptions.ValidationError({field: exc.extra.get("errors") or [exc.message]})


class IntakeItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Photo intake items. A user sees their own items; intake supervisors and admins see everyone's."""

    serializer_class = IntakeItemSerializer
    permission_classes = [IntakePermission]
    parser_classes = [MultiPartParser, JSONParser]
    filter_backends: list[Any] = []

    def get_queryset(self):
        return intake_item_list(user=self.request.user).prefetch_related("phases", "hint_channels")

    def get_object(self) -> IntakeItem:
        try:
            return self.get_queryset().get(pk=int(self.kwargs["pk"]))
        except (IntakeItem.DoesNotExist, ValueError) as exc:
            raise Http404("No such intake item.") from exc

    @extend_schema(request={"multipart/form-data": IntakeUploadSerializer}, responses={201: IntakeItemSerializer})
    def create(self, request: Request) -> Response:
        """Upload 1-20 photos with optional hints; the item is created and its phases start at once."""
        body = IntakeUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            item = intake_item_create(
                owner=request.user,
                photos=data["photos"],
                hint_name=data.get("hint_name", ""),
                hint_model=data.get("hint_model", ""),
                hint_condition=data.get("hint_condition", ""),
                hint_channels=data.get("hint_channels", []),
            )
        except ApplicationError as exc:
            if "field" in exc.extra:
                raise _as_validation_error(exc) from exc
            raise
        return Response(self.get_serializer(self.get_queryset().get(pk=item.pk)).data, status=status.HTTP_201_CREATED)

    def _reply(self, item: IntakeItem) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=item.pk)).data)

    @extend_schema(request=IntakeStartSerializer, responses={200: IntakeItemSerializer})
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: Any = None) -> Response:
        """Start the given phase (default: the first one not completed) and the ones after it."""
        body = IntakeStartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = intake_start(item=self.get_object(), user=request.user, phase=body.validated_data.get("phase"))
        return self._reply(item)

    @extend_schema(request=None, responses={200: IntakeItemSerializer})
    @action(detail=True, methods=["post"])
    def stop(self, request: Request, pk: Any = None) -> Response:
        """Stop the running phase (honoured between steps); 409 when nothing runs."""
        return self._reply(intake_stop(item=self.get_object(), user=request.user))

    @extend_schema(request=IntakePhaseRequestSerializer, responses={200: IntakeItemSerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk: Any = None) -> Response:
        """Run a failed or stopped phase again; 409 for a completed or running one."""
        body = IntakePhaseRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = intake_phase_retry(item=self.get_object(), phase=body.validated_data["phase"], user=request.user)
        return self._reply(item)

    @extend_schema(request=IntakeReviewSerializer, responses={200: IntakeItemSerializer})
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: Any = None) -> Response:
        """Confirm or correct the fields of an item waiting for review: confidence 100, the pipeline resumes."""
        body = IntakeReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            item = intake_review(item=self.get_object(), fields=body.validated_data["fields"], user=request.user)
        except ApplicationError as exc:
            if "field" in exc.extra:
                raise _as_validation_error(exc) from exc
            raise
        return self._reply(item)

    @extend_schema(
        parameters=[
            OpenApiParameter("phase", str, description="Only this phase's lines."),
            OpenApiParameter("level", str, description="This level and above: debug, info, warning, error."),
        ],
        responses={200: IntakeLogSerializer(many=True)},
    )
    @action(detail=True, methods=["get"])
    def logs(self, request: Request, pk: Any = None) -> Response:
        """The item's pipeline log, oldest first."""
        lines = intake_log_list(
            item=self.get_object(),
            phase=request.query_params.get("phase", ""),
            level=request.query_params.get("level", ""),
        )
        page = self.paginate_queryset(lines)
        if page is not None:
            return self.get_paginated_response(IntakeLogSerializer(page, many=True).data)
        return Response(IntakeLogSerializer(lines, many=True).data)

    @extend_schema(responses={200: IntakeDashboardSerializer})
    @action(detail=False, methods=["get"])
    def dashboard(self, request: Request) -> Response:
        """Counts of the items the user sees: total, running, needs review, completed, errors."""
        return Response(intake_dashboard_counts(user=request.user))
