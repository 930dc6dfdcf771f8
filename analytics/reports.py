"""The cached reads behind the page, the API and the dashboard chart (docs/analytics.md#caching)."""

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from analytics.cache import cached
from analytics.chart import DailyChart, daily_charts
from analytics.selectors import channels_visible, daily_stats
from channels.models import Channel

CHART_DAYS = 30


def daily_stats_cached(channels: list[Channel], first: date, last: date) -> list[dict[str, Any]]:
    """`daily_stats`, cached per version (bumped by every write that changes a figure) and parameters."""
    ids = [c.pk for c in channels]
    return cached("daily", lambda: daily_stats(channels, first, last), channels=ids, first=first, last=last)


def charts_cached(user: Any, days: int = CHART_DAYS) -> list[DailyChart]:
    """The last `days` days of orders and revenue, one chart per channel the user may use."""
    channels = list(channels_visible(user))
    last = timezone.localdate()
    first = last - timedelta(days=days - 1)
    return daily_charts(daily_stats_cached(channels, first, last), first, last)
