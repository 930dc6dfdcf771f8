"""`GET /api/v1/attribution/?listing=&change_type=&verdict=`: changes and their measured effect
(docs/analytics.md#attribution)."""

from typing import Any

from rest_framework import serializers, viewsets

from analytics.attribution_filters import AttributionEventFilterSet
from analytics.attribution_selectors import attribution_event_list
from analytics.models import AttributionEvent


class DailyUnitsSerializer(serializers.Serializer):
    date = serializers.DateField()
    side = serializers.ChoiceField(choices=["before", "after"])
    units = serializers.FloatField(allow_null=True, help_text="The listing's units; null: no data that day.")
    control_units = serializers.FloatField(
        allow_null=True, help_text="The control group's mean units; null: no control data that day."
    )


class AttributionEventSerializer(serializers.ModelSerializer):
    """Read-only: events are written by the attribution service (nightly)."""

    impact_score = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        allow_null=True,
        help_text="Percentage points of units per day: the listing's relative change less the control's.",
    )
    confidence = serializers.DecimalField(
        max_digits=5, decimal_places=2, allow_null=True, help_text="0–100: one minus Welch's p-value, in %."
    )
    daily_units = DailyUnitsSerializer(
        many=True,
        read_only=True,
        help_text="The charts' data: units per day of the listing and of the control group (the mean of its "
        "listings that report that day), the 7 days before and the 7 after; the change day is left out. Empty "
        "for an event measured before daily values were kept (it gets them when measured again).",
    )

    class Meta:
        model = AttributionEvent
        fields = [
            "id",
            "listing",
            "change_type",
            "change_kind",
            "change_id",
            "change_timestamp",
            "metrics_before",
            "metrics_after",
            "control_before",
            "control_after",
            "impact_score",
            "confidence",
            "verdict",
            "confounders",
            "daily_units",
            "analysis_date",
            "analysis_notes",
            "created_at",
        ]
        read_only_fields = fields


class AttributionEventViewSet(viewsets.ReadOnlyModelViewSet):
    """Each content version and price change with 7 days before and after, the control group's same days, the
    impact (percentage points), the confidence, the verdict and the confounders. Filters: listing,
    change_type, verdict; a bad value is a 400 naming the field."""

    required_role_area = "listings"
    serializer_class = AttributionEventSerializer
    filterset_class = AttributionEventFilterSet

    def get_queryset(self) -> Any:
        return attribution_event_list(user=self.request.user)
