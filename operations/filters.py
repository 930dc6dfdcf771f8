"""FilterSets of the operations records, shared by the staff pages and the API."""

import django_filters
from django.db.models import Q

from common.filters import DateTimePicker, HumanFilterSet

from .choices import LogLevel
from .models import SystemLog


class SystemLogFilterSet(HumanFilterSet):
    """Search the system log: minimum level, logger prefix, text, request id, job and time."""

    level = django_filters.ChoiceFilter(
        choices=LogLevel.choices, field_name="level", lookup_expr="gte", label="Level (and above)", empty_label="Any"
    )
    logger = django_filters.CharFilter(field_name="logger", lookup_expr="startswith", label="Logger starts with")
    q = django_filters.CharFilter(method="filter_text", label="Text contains")
    request_id = django_filters.CharFilter(field_name="request_id", label="Request id")
    job = django_filters.CharFilter(field_name="job", label="Job")
    created_after = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", label="From", widget=DateTimePicker
    )
    created_before = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", label="Until", widget=DateTimePicker
    )

    class Meta:
        model = SystemLog
        fields = ["level", "logger", "request_id", "job"]

    def filter_text(self, queryset, name, value):
        return queryset.filter(Q(message__icontains=value) | Q(stack_trace__icontains=value))
