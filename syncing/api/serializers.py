"""Sync history serializers: jobs (with progress) and events (one row per attempt). Read-only."""

from typing import Any

from rest_framework import serializers

from syncing.choices import SyncErrorKind
from syncing.models import SyncEvent, SyncJob


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
