"""Serializers of stages and tasks; writes go through workflow.services (docs/workflow.md#api)."""

from typing import Any

from django.contrib.auth import get_user_model
from rest_framework import serializers

from common.api.serializers import (
    ServiceSerializerMixin,
    StrictCharField,
    StrictIntegerField,
    StrictPrimaryKeyRelatedField,
)
from listings.models import Listing
from workflow import services
from workflow.models import Stage, Task


class StageSerializer(ServiceSerializerMixin, serializers.ModelSerializer):
    create_service = services.stage_create
    update_service = services.stage_update
    instance_kwarg = "stage"
    task_count = serializers.SerializerMethodField()

    class Meta:
        model = Stage
        fields = ["id", *services.STAGE_FIELDS, "task_count", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]

    def get_task_count(self, stage: Stage) -> int:
        count = getattr(stage, "task_count", None)
        return int(count) if count is not None else stage.tasks.count()


class PriorityBreakdownSerializer(serializers.Serializer):
    impact_score = serializers.DecimalField(max_digits=4, decimal_places=2)
    ease_score = serializers.DecimalField(max_digits=4, decimal_places=2)
    urgency_score = serializers.DecimalField(max_digits=4, decimal_places=2)


class TaskSerializer(ServiceSerializerMixin, serializers.ModelSerializer):
    """`stage` on create places the task at the bottom of that stage; on update it moves it there (use
    POST …/move/ to choose the position)."""

    create_service = services.task_create
    update_service = services.task_update
    instance_kwarg = "task"
    stage = StrictPrimaryKeyRelatedField(queryset=Stage.objects.all(), required=False)
    listings = StrictPrimaryKeyRelatedField(queryset=Listing.objects.all(), many=True, required=False)
    listing = StrictPrimaryKeyRelatedField(queryset=Listing.objects.all(), required=False, allow_null=True)
    assignee = StrictPrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), required=False, allow_null=True
    )
    tags = serializers.ListField(child=StrictCharField(max_length=50), required=False)
    priority_breakdown = PriorityBreakdownSerializer(read_only=True)

    class Meta:
        model = Task
        fields = [
            "id", "title", "description", "task_type", "listing", "listings", "stage", "position", "assignee",
            "priority_score", "priority_breakdown", "impact_score", "ease_score", "urgency_score",
            "created_by_kind", "created_by", "source_rule", "alert", "due_date", "scheduled_for",
            "completed_at", "outcome", "tags", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "position", "priority_score", "created_by_kind", "created_by", "source_rule", "alert", "completed_at",
            "created_at", "updated_at",
        ]  # fmt: skip

    def service_kwargs(self, validated_data: dict[str, Any]) -> dict[str, Any]:
        return validated_data


class TaskMoveSerializer(serializers.Serializer):
    stage = StrictPrimaryKeyRelatedField(queryset=Stage.objects.all())
    position = StrictIntegerField(
        min_value=0, required=False, allow_null=True, help_text="0 is the top; omitted or null: the bottom."
    )


class TaskCompleteSerializer(serializers.Serializer):
    outcome = StrictCharField(required=False, allow_blank=True)


class StageCountSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    wip_limit = serializers.IntegerField(allow_null=True)
    over_wip = serializers.BooleanField()


class TaskMoveResultSerializer(serializers.Serializer):
    task = TaskSerializer()
    wip_exceeded = serializers.BooleanField(help_text="The target stage now holds more tasks than its WIP limit.")
