"""`GET /api/v1/performance/?listing=&from=&to=`: daily performance metrics per listing, and
`POST /api/v1/performance/pull/`: queue a pull of a channel's metrics ("Pull now")
(docs/analytics.md#performance-metrics)."""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from analytics.models import PerformanceMetric
from analytics.performance_filters import PerformanceMetricFilterSet
from analytics.performance_selectors import performance_visible
from analytics.performance_views import PULL_AREA
from analytics.selectors import channels_visible
from analytics.services.performance import METRIC_FIELDS, PULL_NOW_MAX_DAYS, performance_pull_queue
from channels.models import Channel
from common.api.errors import ErrorSerializer
from common.api.serializers import StrictIntegerField, StrictPrimaryKeyRelatedField

NOT_AVAILABLE = "Null: not available from this marketplace (or not reported that day); never 0."
RANGE = [
    OpenApiParameter("from", OpenApiTypes.DATE, description="First day (YYYY-MM-DD), inclusive."),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Last day (YYYY-MM-DD), inclusive."),
]
UNKNOWN_CHANNEL = "Unknown channel, or not one you may use."


def renamed(fields: dict[str, Any]) -> dict[str, Any]:
    """The fields with `from_` named `from` and `source_` named `source`: names a class body cannot declare (a
    keyword; an attribute of every DRF field)."""
    return {name.removesuffix("_"): field for name, field in fields.items()}


class PerformanceMetricSerializer(serializers.ModelSerializer):
    sessions = serializers.IntegerField(allow_null=True, help_text=NOT_AVAILABLE)
    page_views = serializers.IntegerField(allow_null=True, help_text=NOT_AVAILABLE)
    page_views_pct = serializers.DecimalField(
        max_digits=5, decimal_places=4, allow_null=True, help_text="Share of all page views, 0-1. " + NOT_AVAILABLE
    )
    unit_session_pct = serializers.DecimalField(
        max_digits=5, decimal_places=4, allow_null=True, help_text="Conversion: units / sessions, 0-1. " + NOT_AVAILABLE
    )
    buy_box_pct = serializers.DecimalField(
        max_digits=5, decimal_places=2, allow_null=True, help_text="Buy box %, 0-100. " + NOT_AVAILABLE
    )

    class Meta:
        model = PerformanceMetric
        fields = ["id", "listing", "report_date", *METRIC_FIELDS]
        read_only_fields = fields


class PerformancePullRequestSerializer(serializers.Serializer):
    """What to pull: a channel you may use and the number of days up to yesterday."""

    channel = StrictPrimaryKeyRelatedField(
        queryset=Channel.objects.none(),  # the channels the user may use: set per request
        help_text="Channel id.",
        error_messages={"does_not_exist": UNKNOWN_CHANNEL, "incorrect_type": "Give the channel's id as a number."},
    )
    days = StrictIntegerField(
        min_value=1, max_value=PULL_NOW_MAX_DAYS, help_text="The last N days up to yesterday (today is not over)."
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = channels_visible(user)  # type: ignore[attr-defined]


class PerformancePullPartSerializer(serializers.Serializer):
    from_ = serializers.DateField(source="first", help_text="First day of this task.")
    to = serializers.DateField(source="last", help_text="Last day of this task.")
    delay_seconds = serializers.IntegerField(help_text="The task starts no sooner than this after queueing.")

    def get_fields(self):  # type: ignore[no-untyped-def]
        return renamed(super().get_fields())


class PerformancePullQueuedSerializer(serializers.Serializer):
    """What was queued: one background task per part (Amazon: at most 15 days of reports per task, spaced by
    the 15 minutes Amazon's report quota takes to come back; other marketplaces: at most 31 days per task)."""

    channel = serializers.IntegerField(source="channel_id")
    channel_name = serializers.CharField()
    days = serializers.IntegerField()
    from_ = serializers.DateField(source="first")
    to = serializers.DateField(source="last")
    source_ = serializers.CharField(help_text="amazon_report (Sales and Traffic report) or orders (our orders).")
    message = serializers.CharField()
    tasks = PerformancePullPartSerializer(source="parts", many=True)

    def get_fields(self):  # type: ignore[no-untyped-def]
        return renamed(super().get_fields())


@extend_schema_view(list=extend_schema(parameters=RANGE))
class PerformanceMetricViewSet(viewsets.ReadOnlyModelViewSet):
    """One row per listing and day that has data, oldest first: a day without data is absent (a gap), not a row
    of zeros. Filters: listing, source, from, to. A bad date or `from` after `to`: 400 naming the field."""

    required_role_area = "listings"
    serializer_class = PerformanceMetricSerializer
    filterset_class = PerformanceMetricFilterSet

    def get_queryset(self) -> Any:
        return performance_visible(self.request.user)

    def get_required_role_area(self, request: Request) -> str:
        return PULL_AREA if self.action == "pull" else self.required_role_area

    @extend_schema(
        request=PerformancePullRequestSerializer,
        responses={
            202: PerformancePullQueuedSerializer,
            400: OpenApiResponse(
                ErrorSerializer, description="`channel` unknown (or not yours), `days` not a whole number 1-60."
            ),
            409: OpenApiResponse(ErrorSerializer, description="The channel is paused; nothing was queued."),
        },
        filters=False,
    )
    @action(detail=False, methods=["post"], url_path="pull", filterset_class=None, pagination_class=None)
    def pull(self, request: Request) -> Response:
        """Pull now: queue a pull of the channel's metrics for the last `days` days up to yesterday, in the
        background (Amazon: Sales and Traffic reports; other marketplaces: our orders). 202 with what was
        queued; the rows appear in `GET /api/v1/performance/` once the tasks ran. Nothing is pulled in the
        request. A paused channel: 409, nothing queued."""
        body = PerformancePullRequestSerializer(data=request.data, user=request.user)
        body.is_valid(raise_exception=True)
        queued = performance_pull_queue(channel=body.validated_data["channel"], days=body.validated_data["days"])
        return Response(PerformancePullQueuedSerializer(queued).data, status=status.HTTP_202_ACCEPTED)
