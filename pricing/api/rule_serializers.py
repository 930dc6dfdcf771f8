"""Serializers of price rules (writes through pricing.rule_services) and of preview / apply requests and rows."""

from typing import Any

from rest_framework import serializers

from common.api.serializers import ServiceSerializerMixin
from pricing import rule_services
from pricing.rule_config import rule_errors
from pricing.rule_models import PriceRule


class PriceRuleSerializer(ServiceSerializerMixin, serializers.ModelSerializer):
    create_service = rule_services.price_rule_create
    update_service = rule_services.price_rule_update
    instance_kwarg = "rule"

    class Meta:
        model = PriceRule
        fields = ["id", *rule_services.PRICE_RULE_FIELDS, "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        merged = (
            {name: getattr(self.instance, name) for name in rule_services.PRICE_RULE_FIELDS} if self.instance else {}
        )
        merged |= attrs
        errors = rule_errors(
            merged.get("applies_to", "all"), merged.get("scope_value", ""), merged.get("rule_type", ""),
            merged.get("config", {}),
        )  # fmt: skip
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class WhatIfSerializer(serializers.Serializer):
    competitor_price = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True,
        help_text="What if the lowest competitor landed price (price + shipping) were this.",
    )  # fmt: skip


class PreviewRequestSerializer(serializers.Serializer):
    rule = serializers.DictField(required=False, help_text="An unsaved rule: the fields of a price rule.")
    rule_ids = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False)
    listings = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False)
    filters = serializers.DictField(required=False, help_text="Listing filters, as on GET /api/v1/listings/.")
    what_if = WhatIfSerializer(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("rule" in attrs) == ("rule_ids" in attrs):
            raise serializers.ValidationError({"rule": "Give exactly one of rule or rule_ids."})
        if ("listings" in attrs) == ("filters" in attrs):
            raise serializers.ValidationError({"listings": "Give exactly one of listings or filters."})
        return attrs


class GuardSerializer(serializers.Serializer):
    guard = serializers.CharField(
        help_text="clamp, margin_floor, step_cap, daily_limit, buy_box, oscillation, rounding"
    )
    before = serializers.CharField()
    after = serializers.CharField()
    note = serializers.CharField()


class ReplaySerializer(serializers.Serializer):
    available = serializers.BooleanField()
    points = serializers.IntegerField()
    changes = serializers.IntegerField()
    lowest_margin_pct = serializers.CharField(allow_null=True)
    buy_box_share = serializers.CharField(allow_null=True)
    note = serializers.CharField(allow_blank=True)


class PreviewRowSerializer(serializers.Serializer):
    listing = serializers.IntegerField()
    current_price = serializers.CharField()
    proposed_price = serializers.CharField()
    rule = serializers.IntegerField(allow_null=True, help_text="The rule that proposed; null: none applies.")
    rule_name = serializers.CharField(allow_blank=True)
    formula = serializers.CharField()
    guards = GuardSerializer(many=True, help_text="The guards that applied, in order.")
    flags = serializers.ListField(child=serializers.CharField())
    base_price = serializers.CharField()
    floor_pct = serializers.CharField()
    floor_price = serializers.CharField(allow_null=True)
    margin_pct_before = serializers.CharField(allow_null=True)
    margin_pct_after = serializers.CharField(allow_null=True)
    suggested_price = serializers.CharField()
    confidence = serializers.CharField()
    suggestion = serializers.CharField()
    replay = ReplaySerializer()


class PreviewResponseSerializer(serializers.Serializer):
    results = PreviewRowSerializer(many=True)
