"""Figures for the dashboard: listing counts per channel and status, running jobs, recent failures, a chart."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.roles import channel_scoped
from channels.models import Channel
from listings.choices import ListingStatus
from listings.models import Listing
from syncing.choices import ACTIVE_JOB_STATUSES, FINAL_FAILURE_OUTCOMES, SyncOutcome
from syncing.models import DailyEventSummary, SyncEvent, SyncJob

CHART_WIDTH = 336  # px of the SVG view box; 14 days x 24 px
CHART_HEIGHT = 96
CHART_BAR_GAP = 4


def channel_status_matrix(user: Any = None) -> dict[str, Any]:
    """Rows = statuses, columns = channels, cells = listing counts (one GROUP BY on the channel/status index).

    A user limited to some channels sees only those columns (and the other figures only count those)."""
    channels = list(channel_scoped(Channel.objects.only("pk", "name", "is_active"), user, "pk").order_by("name"))
    counts = {
        (row["channel_id"], row["status"]): row["n"]
        for row in Listing.objects.order_by().values("channel_id", "status").annotate(n=Count("id"))
    }
    rows = []
    for status, label in ListingStatus.choices:
        cells = [{"channel": c, "count": counts.get((c.pk, status), 0)} for c in channels]
        rows.append({"status": status, "label": label, "cells": cells, "total": sum(x["count"] for x in cells)})
    totals = [sum(counts.get((c.pk, s), 0) for s in ListingStatus.values) for c in channels]
    return {"channels": channels, "rows": rows, "totals": totals, "grand_total": sum(totals)}


def sync_counts(user: Any = None) -> dict[str, int]:
    since = timezone.now() - timedelta(hours=24)
    jobs = channel_scoped(SyncJob.objects.all(), user)
    events = channel_scoped(SyncEvent.objects.filter(created_at__gte=since), user)
    return {
        "jobs_running": jobs.filter(status__in=ACTIVE_JOB_STATUSES).count(),
        "failures_24h": events.filter(outcome__in=FINAL_FAILURE_OUTCOMES).count(),
        "successes_24h": events.filter(outcome=SyncOutcome.SUCCEEDED).count(),
    }


@dataclass
class ChartBar:
    day: date
    ok: int = 0
    failed: int = 0
    x: float = 0
    ok_y: float = 0
    ok_h: float = 0
    fail_y: float = 0
    fail_h: float = 0


@dataclass
class ChannelChart:
    channel: Channel
    bars: list[ChartBar] = field(default_factory=list)
    peak: int = 0
    total_ok: int = 0
    total_failed: int = 0


def _day_counts(since: date) -> dict[tuple[int, date], list[int]]:
    """(channel id, day) -> [succeeded, failed], from live events plus the daily summaries of pruned ones."""
    out: dict[tuple[int, date], list[int]] = {}
    failed = Q(outcome__in=FINAL_FAILURE_OUTCOMES)
    events = (
        SyncEvent.objects.filter(created_at__date__gte=since)
        .filter(Q(outcome=SyncOutcome.SUCCEEDED) | failed)
        .annotate(day=TruncDate("created_at"))
        .order_by()
        .values("channel_id", "day")
        .annotate(ok=Count("id", filter=Q(outcome=SyncOutcome.SUCCEEDED)), bad=Count("id", filter=failed))
    )
    for row in events:
        cell = out.setdefault((row["channel_id"], row["day"]), [0, 0])
        cell[0] += row["ok"]
        cell[1] += row["bad"]
    summaries = (
        DailyEventSummary.objects.filter(day__gte=since)
        .order_by()
        .values("channel_id", "day")
        .annotate(
            ok=Sum("count", filter=Q(outcome=SyncOutcome.SUCCEEDED)),
            bad=Sum("count", filter=Q(outcome__in=FINAL_FAILURE_OUTCOMES)),
        )
    )
    for row in summaries:
        cell = out.setdefault((row["channel_id"], row["day"]), [0, 0])
        cell[0] += row["ok"] or 0
        cell[1] += row["bad"] or 0
    return out


def sync_chart(*, days: int = 14, user: Any = None) -> list[ChannelChart]:
    """Per channel, one stacked bar per day (successes under failures), laid out for an inline SVG."""
    today = timezone.localdate()
    first = today - timedelta(days=days - 1)
    counts = _day_counts(first)
    slot = CHART_WIDTH / days
    charts = []
    for channel in channel_scoped(Channel.objects.only("pk", "name"), user, "pk").order_by("name"):
        chart = ChannelChart(channel=channel)
        for i in range(days):
            day = first + timedelta(days=i)
            ok, bad = counts.get((channel.pk, day), [0, 0])
            chart.bars.append(ChartBar(day=day, ok=ok, failed=bad, x=round(i * slot + CHART_BAR_GAP / 2, 1)))
            chart.total_ok += ok
            chart.total_failed += bad
        chart.peak = max((b.ok + b.failed for b in chart.bars), default=0)
        scale = (CHART_HEIGHT - 14) / chart.peak if chart.peak else 0
        for bar in chart.bars:
            bar.ok_h = round(bar.ok * scale, 1)
            bar.fail_h = round(bar.failed * scale, 1)
            bar.ok_y = round(CHART_HEIGHT - 12 - bar.ok_h, 1)
            bar.fail_y = round(bar.ok_y - bar.fail_h, 1)
        charts.append(chart)
    return charts
