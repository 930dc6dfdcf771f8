"""Operations API serializers (read-only records)."""

from rest_framework import serializers

from operations.models import SystemLog


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
