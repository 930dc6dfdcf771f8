"""Operations API serializers: system log records, jobs in the one shape, maintenance requests, tables."""

from pathlib import Path
from typing import Any

from rest_framework import serializers

from common.api.serializers import StrictBooleanField
from common.brokers import PRIORITY_MAX, PRIORITY_MIN
from operations.choices import JobStatus
from operations.models import Backup, Feed, SystemLog


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


class JobStartSerializer(serializers.Serializer):
    """The optional body of an action that queues a job."""

    priority = serializers.IntegerField(
        min_value=PRIORITY_MIN,
        max_value=PRIORITY_MAX,
        required=False,
        help_text=(
            "Workers take waiting tasks highest first (docs/operations.md#job-priority). Default: 1 when a person "
            "starts it, else 0 (-1 for backups and maintenance)."
        ),
    )


class MaintenanceRequestSerializer(JobStartSerializer):
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


class FeedSerializer(serializers.ModelSerializer):
    """A supplier feed. `password` is write-only (stored encrypted; `has_password` says whether one is stored;
    leave it out to keep it, "" to remove it). `mapping`: {"<our column>": {"from": "<their column>", "transform":
    ...}}, checked with the cron `schedule` and the URL when saved (docs/operations.md#supplier-feeds)."""

    password = serializers.CharField(
        write_only=True, required=False, allow_blank=True, trim_whitespace=False, style={"input_type": "password"}
    )
    has_password = serializers.BooleanField(read_only=True)
    private_key = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text="SFTP key login: an OpenSSH/PEM private key (the password is its passphrase, if any); "
        'write-only, leave out to keep it, "" to remove it.',
    )
    has_private_key = serializers.BooleanField(read_only=True)
    upload_name = serializers.SerializerMethodField(help_text="File name of an upload feed's file, if any.")

    class Meta:
        model = Feed
        fields = [
            "id",
            "name",
            "source_type",
            "url",
            "username",
            "password",
            "has_password",
            "private_key",
            "has_private_key",
            "path_pattern",
            "format",
            "record_path",
            "mapping",
            "on_error",
            "schedule",
            "is_active",
            "upload_name",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def get_upload_name(self, obj: Feed) -> str:
        return (obj.upload.name or "").rsplit("/", 1)[-1]


class FeedPreviewSerializer(serializers.Serializer):
    file = serializers.CharField(help_text="The file previewed (the first one matching the pattern).")
    their_columns = serializers.ListField(child=serializers.CharField())
    source_rows = serializers.ListField(child=serializers.DictField(), help_text="Up to 20 rows as in the file.")
    columns = serializers.ListField(child=serializers.CharField(), help_text="Our columns, from the mapping.")
    rows = serializers.ListField(child=serializers.DictField(), help_text="The same rows after the mapping.")
    problems = serializers.ListField(child=serializers.DictField(), help_text="[{row, problems}] cells left empty.")
