"""Serializers of automation rules (writes through workflow.rule_services; model validation names the field) and of
the dry run and the evaluation log (docs/automation.md#api)."""

from rest_framework import serializers

from common.api.serializers import ServiceSerializerMixin
from workflow import rule_services
from workflow.models import AutomationRule, RuleEvaluation

READ_ONLY = (
    "consecutive_errors", "disabled_reason", "last_triggered_at", "last_evaluated_at", "trigger_count", "created_at",
    "updated_at",
)  # fmt: skip


class AutomationRuleSerializer(ServiceSerializerMixin, serializers.ModelSerializer):
    """`trigger_config`, `conditions` and `action_config` are checked by the rule's validation: an error names the
    field and says what it expects (docs/automation.md)."""

    create_service = rule_services.automation_rule_create
    update_service = rule_services.automation_rule_update
    instance_kwarg = "rule"
    trigger_config = serializers.JSONField(help_text='e.g. {"metric": "score", "operator": "lt", "value": 70}')
    conditions = serializers.JSONField(required=False, help_text="AND list of {field, operator, value}.")
    action_config = serializers.JSONField(help_text='e.g. {"change_type": "percentage", "value": -5}')

    class Meta:
        model = AutomationRule
        fields = ["id", *rule_services.RULE_FIELDS, *READ_ONLY]
        read_only_fields = list(READ_ONLY)


class DryRunRequestSerializer(serializers.Serializer):
    listings = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, help_text="Only these listings; default: all."
    )


class DecisionSerializer(serializers.Serializer):
    listing = serializers.IntegerField(allow_null=True)
    outcome = serializers.CharField()
    detail = serializers.CharField()
    inputs = serializers.JSONField()
    action = serializers.JSONField(help_text="What the action would do (empty unless matched).")


class DryRunResponseSerializer(serializers.Serializer):
    rule = serializers.IntegerField()
    would_fire = serializers.IntegerField(help_text="Listings on which the action would run now.")
    listings_evaluated = serializers.IntegerField(help_text="Listings decided on (at most 5,000, the first by id).")
    listings_total = serializers.IntegerField(help_text="Listings the dry run was asked about (not delisted).")
    decisions = DecisionSerializer(many=True)


class RuleEvaluationSerializer(serializers.ModelSerializer):
    class Meta:
        model = RuleEvaluation
        fields = [
            "id", "rule", "listing", "outcome", "dry_run", "trigger", "inputs", "detail", "action_result",
            "cascade_id", "cascade_depth", "created_at",
        ]  # fmt: skip
        read_only_fields = fields
