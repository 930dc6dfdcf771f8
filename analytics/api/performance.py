"""`GET /api/v1/performance/?listing=&from=&to=`: daily performance metrics per listing
(docs/analytics.md#performance-metrics)."""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from analytics.models import PerformanceMetric
from analytics.performance_filters import PerformanceMetricFilterSet
from analytics.performance_selectors import performance_visible
from analytics.services.performance import METRIC_FIELDS

NOT_AVAILABLE = "Null: not available from this marketplace (or not reported that day); never 0."
RANGE = [
    OpenApiParameter("from", OpenApiTypes.DATE, description="First day (YYYY-MM-DD), inclusive."),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Last day (YYYY-MM-DD), inclusive."),
]


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


@extend_schema_view(list=extend_schema(parameters=RANGE))
class PerformanceMetricViewSet(viewsets.ReadOnlyModelViewSet):
    """One row per listing and day that has data, oldest first: a day without data is absent (a gap), not a row
    of zeros. Filters: listing, source, from, to. A bad date or `from` after `to`: 400 naming the field."""

    required_role_area = "listings"
    serializer_class = PerformanceMetricSerializer
    filterset_class = PerformanceMetricFilterSet

    def get_queryset(self) -> Any:
        return performance_visible(self.request.user)
