"""Reads of the Amazon report schedules for the page and the API (docs/analytics.md#report-schedules)."""

from typing import Any

from django.db.models import QuerySet

from accounts.roles import channel_scoped

from .models import KeywordReportPull, QueryPerformanceCursor, ReportSchedule
from .selectors import channels_visible


def report_schedule_list(*, user: Any) -> QuerySet[ReportSchedule]:
    """The schedules of the channels `user` may use, live ones first, with their channel."""
    qs = ReportSchedule.objects.select_related("channel", "created_by").order_by(
        "cancelled_at", "channel__name", "report_type", "-created_at"
    )
    return channel_scoped(qs, user, "channel_id")


def amazon_channels_visible(user: Any) -> QuerySet[Any]:
    """The Amazon channels `user` may use: the ones a schedule can be created on."""
    return channels_visible(user).filter(marketplace="amazon")


def keyword_report_pull_list(*, user: Any, limit: int = 10) -> list[KeywordReportPull]:
    """The latest keyword report pulls of the channels `user` may use, newest first, with their channel."""
    qs = KeywordReportPull.objects.select_related("channel").order_by("-queued_at", "-pk")
    return list(channel_scoped(qs, user, "channel_id")[:limit])


def query_performance_cursor_list(*, user: Any) -> QuerySet[QueryPerformanceCursor]:
    """Where each of the user's channels' Search Query Performance pull goes on, with the channel."""
    qs = QueryPerformanceCursor.objects.select_related("channel").order_by("channel__name")
    return channel_scoped(qs, user, "channel_id")
