"""Operations API serializers: system log records, jobs in the one shape, maintenance requests, tables."""

from pathlib import Path
from typing import Any

from rest_framework import serializers

from common.api.serializers import StrictBooleanField
from operations.choices import JobStatus
from operations.models import Backup, SystemLog


class SystemLogSerializer(serializers.ModelSerializer):
    level_name = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = SystemLog
        fields = [
            "id",
            "created_at",
            "level",
            "level_name",
            "message",
            "logger",
            "module",
            "function",
            "line",
            "user",
            "username",
            "job",
            "session",
            "request_id",
            "extra",
            "stack_trace",
        ]
        read_only_fields = fields


class JobSerializer(serializers.Serializer):
    """A job of any table (operations job, sync job, import) in the one shape; `id` is e.g. `sync-12`."""

    id = serializers.CharField(help_text="Public id: job-<n>, sync-<n> or import-<n>.")
    source = serializers.CharField(  # type: ignore[assignment]  # a field named "source", not Field.source
        help_text="job, sync or import: the table the job is recorded in."
    )
    type = serializers.CharField()
    type_label = serializers.CharField()
    status = serializers.ChoiceField(choices=JobStatus.choices)
    stage = serializers.CharField()
    percent = serializers.IntegerField()
    processed = serializers.IntegerField()
    total = serializers.IntegerField()
    read_count = serializers.IntegerField()
    write_count = serializers.IntegerField()
    skip_count = serializers.IntegerField()
    warning_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    heartbeat_at = serializers.DateTimeField(allow_null=True)
    user = serializers.CharField()
    priority = serializers.IntegerField()
    retry_count = serializers.IntegerField()
    error = serializers.CharField()
    parameters = serializers.DictField()
    result = serializers.DictField()
    warnings = serializers.ListField(child=serializers.DictField())
    source_url = serializers.CharField(help_text="The job's own page in its app, if it has one.")
    can_stop = serializers.BooleanField()


class JobLogLineSerializer(serializers.Serializer):
    created_at = serializers.DateTimeField(allow_null=True)
    level = serializers.IntegerField()
    level_name = serializers.CharField()
    message = serializers.CharField()


class JobDetailSerializer(JobSerializer):
    log = JobLogLineSerializer(many=True)


class MaintenanceRequestSerializer(serializers.Serializer):
    vacuum = StrictBooleanField(default=True)
    analyze = StrictBooleanField(default=True)


class TableStatSerializer(serializers.Serializer):
    name = serializers.CharField()
    rows = serializers.IntegerField()
    size_bytes = serializers.IntegerField(allow_null=True)
    size_is_estimate = serializers.BooleanField()
    last_vacuum = serializers.DateTimeField(allow_null=True)
    last_analyze = serializers.DateTimeField(allow_null=True)


class SlowQuerySerializer(serializers.Serializer):
    sql = serializers.CharField()
    count = serializers.FloatField(help_text="Executions over the threshold (estimated from the sample rate).")
    mean_ms = serializers.FloatField()
    max_ms = serializers.FloatField(allow_null=True)
    last_seen = serializers.DateTimeField(allow_null=True)


class SlowQueriesSerializer(serializers.Serializer):
    source = serializers.CharField()  # type: ignore[assignment]  # a field named "source", not Field.source
    queries = SlowQuerySerializer(many=True)


class TablesSerializer(serializers.Serializer):
    vendor = serializers.CharField()
    size_source = serializers.CharField()
    total_bytes = serializers.IntegerField()
    tables = TableStatSerializer(many=True)
    slow_queries = SlowQueriesSerializer()


class BackupSerializer(serializers.ModelSerializer):
    file_name = serializers.CharField(read_only=True)
    is_present = serializers.SerializerMethodField(help_text="The file is still on disk.")

    class Meta:
        model = Backup
        fields = [
            "id",
            "file_name",
            "path",
            "vendor",
            "size_bytes",
            "sha256",
            "schema_version",
            "is_present",
            "job",
            "created_at",
        ]
        read_only_fields = fields

    def get_is_present(self, backup: Any) -> bool:
        return Path(backup.path).is_file()
