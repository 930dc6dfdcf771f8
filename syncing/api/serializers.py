"""Sync history serializers: jobs (with progress) and events (one row per attempt). Read-only."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from syncing.choices import SyncErrorKind
from syncing.models import SyncEvent, SyncJob
from syncing.selectors import sync_job_failure_groups


class SyncJobSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField(help_text="Processed share of the job, 0-100.")
    is_active = serializers.BooleanField(read_only=True, help_text="Queued or running.")

    class Meta:
        model = SyncJob
        fields = [
            "id",
            "kind",
            "channel",
            "status",
            "is_active",
            "total",
            "processed",
            "succeeded",
            "failed",
            "skipped",
            "progress",
            "message",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
            "heartbeat_at",
        ]
        read_only_fields = fields

    def get_progress(self, job: SyncJob) -> float:
        return round(100 * job.processed / job.total, 1) if job.total else 100.0


class FailureGroupSerializer(serializers.Serializer):
    """Listings of the job that failed for one cause (docs/sync.md#failures-grouped-by-cause)."""

    error_kind = serializers.ChoiceField(choices=SyncErrorKind.choices, allow_blank=True, read_only=True)
    error_code = serializers.CharField(read_only=True, help_text="The marketplace's own error code, if any.")
    message = serializers.CharField(read_only=True, help_text="The marketplace's message with its field errors.")
    count = serializers.IntegerField(read_only=True, help_text="Listings that failed for this cause.")
    listing_id = serializers.IntegerField(read_only=True, allow_null=True, help_text="One of those listings.")


class SyncJobDetailSerializer(SyncJobSerializer):
    """One job, with its final failures grouped by cause (biggest first, at most 20 groups)."""

    failure_groups = serializers.SerializerMethodField()

    class Meta(SyncJobSerializer.Meta):
        fields = [*SyncJobSerializer.Meta.fields, "failure_groups"]
        read_only_fields = fields

    @extend_schema_field(FailureGroupSerializer(many=True))
    def get_failure_groups(self, job: SyncJob) -> Any:
        groups = sync_job_failure_groups(job=job) if job.failed else []
        return FailureGroupSerializer(groups, many=True).data


class SyncEventSerializer(serializers.ModelSerializer):
    error_kind = serializers.ChoiceField(
        choices=SyncErrorKind.choices,
        allow_blank=True,
        read_only=True,
        help_text="How the engine classified a failure; empty when the attempt did not fail.",
    )

    class Meta:
        model = SyncEvent
        fields = [
            "id",
            "job",
            "channel",
            "listing",
            "operation",
            "outcome",
            "attempt",
            "http_status",
            "error_kind",
            "error_code",
            "message",
            "request_id",
            "external_id",
            "duration_ms",
            "next_retry_at",
            "is_final",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


def job_response_data(job: SyncJob, context: dict[str, Any]) -> Any:
    return SyncJobSerializer(job, context=context).data
