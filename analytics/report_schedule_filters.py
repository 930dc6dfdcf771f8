"""FilterSet of the report schedules, shared by the page and the API (docs/analytics.md#report-schedules)."""

import django_filters

from .models import ReportSchedule, ScheduledReportType


class ReportScheduleFilterSet(django_filters.FilterSet):
    channel = django_filters.NumberFilter(field_name="channel_id", min_value=1)
    report_type = django_filters.ChoiceFilter(choices=ScheduledReportType.choices)
    is_active = django_filters.BooleanFilter(field_name="cancelled_at", lookup_expr="isnull", label="Live")

    class Meta:
        model = ReportSchedule
        fields = ["channel", "report_type", "is_active"]
