"""FilterSet of the report schedules, shared by the page and the API (docs/analytics.md#report-schedules)."""

from typing import Any

import django_filters

from common.filters import AnyYesNo, HumanFilterSet, id_select

from .models import ReportSchedule, ScheduledReportType
from .report_schedule_selectors import amazon_channels_visible


class ReportScheduleFilterSet(HumanFilterSet):
    # A channel id in the API (an unknown one finds nothing); the page offers the user's Amazon channels by name.
    channel = django_filters.NumberFilter(field_name="channel_id", min_value=1, label="Channel")
    report_type = django_filters.ChoiceFilter(
        choices=ScheduledReportType.choices, label="Report", empty_label="Any report"
    )
    is_active = django_filters.BooleanFilter(
        field_name="cancelled_at", lookup_expr="isnull", label="Live", widget=AnyYesNo
    )

    class Meta:
        model = ReportSchedule
        fields = ["channel", "report_type", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        id_select(self.form.fields["channel"], self.channel_choices, "Any channel")

    def channel_choices(self) -> list[tuple[int, str]]:
        return [(c.pk, c.name) for c in amazon_channels_visible(getattr(self.request, "user", None))]
