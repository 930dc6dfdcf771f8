"""`/api/v1/report-schedules/`: Amazon report schedules; create one, cancel one
(docs/analytics.md#report-schedules)."""

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from analytics.models import ReportSchedule, ScheduledReportType
from analytics.report_schedule_filters import ReportScheduleFilterSet
from analytics.report_schedule_selectors import amazon_channels_visible, report_schedule_list
from analytics.report_schedule_views import SCHEDULE_AREA
from analytics.services.report_schedules import report_schedule_cancel, report_schedule_create
from channels.models import Channel
from common.api.errors import ErrorSerializer
from common.api.serializers import StrictPrimaryKeyRelatedField

UNKNOWN_CHANNEL = "Unknown Amazon channel, or not one you may use."


class ReportScheduleSerializer(serializers.ModelSerializer):
    is_active = serializers.BooleanField(read_only=True, help_text="False once cancelled.")

    class Meta:
        model = ReportSchedule
        fields = ["id", "channel", "report_type", "period", "report_options", "remote_id", "first_report_at",
                  "created_at", "created_by", "cancelled_at", "is_active", "is_gone_on_amazon",
                  "status_message"]  # fmt: skip
        read_only_fields = fields


class ReportScheduleCreateSerializer(serializers.Serializer):
    """An Amazon channel you may use and the report to schedule; period and options follow from the report."""

    channel = StrictPrimaryKeyRelatedField(
        queryset=Channel.objects.none(),  # the user's Amazon channels: set per request
        error_messages={"does_not_exist": UNKNOWN_CHANNEL, "incorrect_type": "Give the channel's id as a number."},
    )
    report_type = serializers.ChoiceField(
        choices=ScheduledReportType.choices,
        help_text="GET_SALES_AND_TRAFFIC_REPORT: every day (P1D), per SKU; "
        "GET_BRAND_ANALYTICS_SEARCH_TERMS_REPORT: every 7 days (P7D), the last whole week.",
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = amazon_channels_visible(user)  # type: ignore[attr-defined]


class ReportScheduleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Amazon report schedules of the channels you may use, live ones first. Filters: channel, report_type,
    is_active. With a live schedule, the performance and Search Terms pulls read the reports Amazon created by
    itself (getReports) instead of requesting each one."""

    required_role_area = "listings"
    serializer_class = ReportScheduleSerializer
    filterset_class = ReportScheduleFilterSet

    def get_queryset(self) -> Any:
        return report_schedule_list(user=self.request.user)

    def get_required_role_area(self, request: Request) -> str:
        return SCHEDULE_AREA if self.action in ("create", "cancel") else self.required_role_area

    @extend_schema(
        request=ReportScheduleCreateSerializer,
        responses={
            201: ReportScheduleSerializer,
            400: OpenApiResponse(
                ErrorSerializer,
                description="Unknown or non-Amazon channel, unknown report type, "
                "or Amazon refused the schedule (the field is named).",
            ),  # fmt: skip
            409: OpenApiResponse(ErrorSerializer, description="A paused channel, or Amazon failing; nothing saved."),
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Create the schedule on Amazon and record it; Amazon replaces the channel's schedule of that report."""
        body = ReportScheduleCreateSerializer(data=request.data, user=request.user)
        body.is_valid(raise_exception=True)
        schedule = report_schedule_create(
            channel=body.validated_data["channel"], report_type=body.validated_data["report_type"], user=request.user
        )
        return Response(ReportScheduleSerializer(schedule).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={
            200: ReportScheduleSerializer,
            409: OpenApiResponse(ErrorSerializer, description="Already cancelled, or Amazon failing."),
        },
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def cancel(self, request: Request, pk: Any = None) -> Response:
        """Cancel the schedule on Amazon (one Amazon no longer has counts as cancelled) and mark it cancelled."""
        schedule = report_schedule_cancel(schedule=self.get_object())
        return Response(ReportScheduleSerializer(schedule).data)
