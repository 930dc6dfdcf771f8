"""Serializers of competitors (writes through competitors.services), observations (read-only) and alerts
(status changes through alert_status_set)."""

from typing import Any

from rest_framework import serializers

from common.api.serializers import ServiceSerializerMixin, StrictPrimaryKeyRelatedField
from competitors import services
from competitors.choices import AlertStatus
from competitors.models import Alert, Competitor, CompetitorObservation
from listings.models import Listing

COMPETITOR_READ_ONLY = [
    "marketplace", "title", "brand", "seller_name", "currency", "current_price", "current_bsr", "review_count",
    "rating", "buy_box_price", "buy_box_seller", "threat_score", "threat_parts", "last_synced_at", "last_error",
    "created_at", "updated_at",
]  # fmt: skip


class CompetitorSerializer(ServiceSerializerMixin, serializers.ModelSerializer):
    create_service = services.competitor_create
    update_service = services.competitor_update
    instance_kwarg = "competitor"
    listings = StrictPrimaryKeyRelatedField(many=True, required=False, queryset=Listing.objects.all())
    threat_parts = serializers.DictField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Competitor
        fields = ["id", *services.COMPETITOR_FIELDS, "listings", *COMPETITOR_READ_ONLY]
        read_only_fields = COMPETITOR_READ_ONLY
        validators: list = []

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | tuple):  # channel and item stay
            for name in ("channel", "item_id", "seller_id"):
                fields[name].read_only = True
        return fields


class CompetitorObservationSerializer(serializers.ModelSerializer):
    class Meta:
        model = CompetitorObservation
        fields = [
            "id", "competitor", "time", "has_offer", "price", "shipping", "landed_price", "buy_box_price",
            "lowest_price", "currency", "has_buy_box", "is_featured_offer", "offer_count", "stock_status",
            "sales_rank", "rating", "sellers", "source",
        ]  # fmt: skip
        read_only_fields = fields


class AlertSerializer(serializers.ModelSerializer):
    """Everything is read-only but `status` (viewed, actioned, dismissed) and `action_taken`."""

    status = serializers.ChoiceField(
        choices=[(s.value, s.label) for s in AlertStatus], help_text="PATCH: viewed, actioned or dismissed."
    )

    class Meta:
        model = Alert
        fields = [
            "id", "competitor", "alert_type", "previous_value", "new_value", "change_pct", "severity",
            "affected_listings", "status", "actioned_at", "action_taken", "first_seen_at", "last_seen_at",
            "occurrences", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = [f for f in fields if f not in ("status", "action_taken")]

    def update(self, instance: Alert, validated_data: dict[str, Any]) -> Alert:
        request = self.context.get("request")
        return services.alert_status_set(
            alert=instance,
            status=validated_data.get("status", instance.status),
            action_taken=validated_data.get("action_taken"),
            user=getattr(request, "user", None),
        )


class ObserveResultSerializer(serializers.Serializer):
    competitor = CompetitorSerializer()
    observation = CompetitorObservationSerializer()
