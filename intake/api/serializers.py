from django.urls import reverse
from rest_framework import serializers

from channels.models import Channel

from ..choices import ItemCondition, PhaseName
from ..models import IntakeItem, IntakeLog, IntakePhase, IntakePhoto
from ..services import MAX_PHOTOS
from ..services.control import REVIEW_FIELDS


class IntakePhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = IntakePhoto
        fields = [
            "id",
            "position",
            "original_filename",
            "width",
            "height",
            "verdict",
            "retake_reasons",
            "metrics",
            "url",
        ]
        read_only_fields = fields

    def get_url(self, photo: IntakePhoto) -> str:
        return reverse("intake:photo", args=[photo.item_id, photo.pk])


class IntakePhaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = IntakePhase
        fields = [
            "phase",
            "status",
            "retry_count",
            "error_message",
            "input_hash",
            "output_version",
            "output",
            "engine",
            "engine_version",
            "started_at",
            "finished_at",
            "duration_ms",
        ]
        read_only_fields = fields


class IntakeItemSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.username", read_only=True)
    photos = IntakePhotoSerializer(many=True, read_only=True)
    phases = IntakePhaseSerializer(many=True, read_only=True)
    hint_channels: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = IntakeItem
        fields = [
            "id",
            "owner",
            "status",
            "current_phase",
            "confidence",
            "requires_review",
            "is_running",
            "error_message",
            "product",
            "hint_name",
            "hint_model",
            "hint_condition",
            "hint_channels",
            "fields",
            "photos",
            "phases",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class IntakeUploadSerializer(serializers.Serializer):
    photos = serializers.ListField(
        child=serializers.FileField(), help_text=f"1-{MAX_PHOTOS} photos (JPEG, PNG, WebP or GIF); repeat the field."
    )
    hint_name = serializers.CharField(required=False, allow_blank=True, max_length=255)
    hint_model = serializers.CharField(required=False, allow_blank=True, max_length=120)
    hint_condition = serializers.ChoiceField(choices=ItemCondition.choices, required=False, allow_blank=True)
    hint_channels: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(
        queryset=Channel.objects.all(), many=True, required=False, help_text="Channels to draft listings on."
    )


class IntakePhaseRequestSerializer(serializers.Serializer):
    phase = serializers.ChoiceField(choices=PhaseName.choices)


class IntakeStartSerializer(serializers.Serializer):
    phase = serializers.ChoiceField(choices=PhaseName.choices, required=False, help_text="Default: the next phase.")


class IntakeReviewSerializer(serializers.Serializer):
    """{"fields": {name: value}}; declared in get_fields because `fields` is also a Serializer attribute."""

    def get_fields(self) -> dict[str, serializers.Field]:
        return {
            "fields": serializers.DictField(
                child=serializers.CharField(allow_blank=True),
                help_text=f"Confirmed or corrected values of: {', '.join(REVIEW_FIELDS)} (category: its id). "
                "Fields left out are confirmed as they are.",
            )
        }


class IntakeLogSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username", read_only=True, default=None, allow_null=True)

    class Meta:
        model = IntakeLog
        fields = ["id", "phase", "level", "message", "details", "action", "user", "created_at"]
        read_only_fields = fields


class IntakeDashboardSerializer(serializers.Serializer):
    """Counts of the visible items; declared in get_fields because `errors` is also a Serializer attribute."""

    def get_fields(self) -> dict[str, serializers.Field]:
        return {
            name: serializers.IntegerField() for name in ("total", "running", "needs_review", "completed", "errors")
        }
