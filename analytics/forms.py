"""The query of the analytics page and API (one validation for both): channel, from, to; and the "Pull now"
form of the performance pages."""

from datetime import date, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone

from analytics.models import ScheduledReportType
from analytics.report_schedule_selectors import amazon_channels_visible
from analytics.selectors import channels_visible
from analytics.services.keyword_reports import KEYWORD_REPORTS
from analytics.services.performance import PULL_NOW_MAX_DAYS

DEFAULT_DAYS = 30
PULL_NOW_DEFAULT_DAYS = 7


class DailyStatsQueryForm(forms.Form):
    """`channel` (empty: every channel the user may use), `from` and `to` (local days, inclusive; default the
    last 30 days). Bad dates, from after to, a range over ANALYTICS_MAX_RANGE_DAYS, an unknown channel or one
    the user is limited away from are refused on the field."""

    channel: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label="All channels",
        error_messages={"invalid_choice": "Unknown channel, or not one you may use."},
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = channels_visible(user)  # type: ignore[attr-defined]
        date_errors = {"invalid": "Enter a date as YYYY-MM-DD."}
        widget = forms.DateInput(attrs={"type": "date"})
        self.fields["from"] = forms.DateField(required=False, error_messages=date_errors, widget=widget)
        self.fields["to"] = forms.DateField(required=False, error_messages=date_errors, widget=widget)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        last: date = data.get("to") or timezone.localdate()
        first: date = data.get("from") or last - timedelta(days=DEFAULT_DAYS - 1)
        if "from" in self.errors or "to" in self.errors:
            return data
        if first > last:
            self.add_error("from", f"'from' ({first}) is after 'to' ({last}).")
            return data
        cap = int(settings.ANALYTICS_MAX_RANGE_DAYS)
        if (last - first).days + 1 > cap:
            self.add_error("from", f"At most {cap} days at a time; this range has {(last - first).days + 1}.")
            return data
        data["from"], data["to"] = first, last
        return data

    def channels(self) -> list[Any]:
        """The chosen channel, or every channel the user may use."""
        chosen = self.cleaned_data.get("channel")
        if chosen is not None:
            return [chosen]
        return list(self.fields["channel"].queryset)  # type: ignore[attr-defined]


class PerformancePullForm(forms.Form):
    """ "Pull now" on the movers page and the listing's performance section: a channel the user may use and the
    number of days up to yesterday (docs/analytics.md#pull-now)."""

    channel: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None,
        label="Channel",
        empty_label="Choose a channel",
        error_messages={"invalid_choice": "Unknown channel, or not one you may use."},
    )
    days = forms.IntegerField(
        label="Days",
        min_value=1,
        max_value=PULL_NOW_MAX_DAYS,
        initial=PULL_NOW_DEFAULT_DAYS,
        widget=forms.NumberInput(attrs={"min": 1, "max": PULL_NOW_MAX_DAYS}),
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = channels_visible(user)  # type: ignore[attr-defined]


class ReportScheduleForm(forms.Form):
    """A new Amazon report schedule: an Amazon channel the user may use and one of the scheduled report types
    (docs/analytics.md#report-schedules)."""

    channel: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None,
        label="Amazon channel",
        empty_label="Choose a channel",
        error_messages={"invalid_choice": "Unknown Amazon channel, or not one you may use."},
    )
    report_type = forms.ChoiceField(label="Report", choices=ScheduledReportType.choices)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = amazon_channels_visible(user)  # type: ignore[attr-defined]


class KeywordReportPullForm(forms.Form):
    """ "Pull now" of last week's keyword report for an Amazon channel (docs/analytics.md#keyword-reports-pull-now)."""

    channel: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None,
        label="Amazon channel",
        empty_label="Choose a channel",
        error_messages={"invalid_choice": "Unknown Amazon channel, or not one you may use."},
    )
    report = forms.ChoiceField(label="Keyword report", choices=list(KEYWORD_REPORTS.items()))

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "keywords")  # beside the schedule form on one page
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = amazon_channels_visible(user)  # type: ignore[attr-defined]
