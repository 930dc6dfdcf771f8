"""Analytics writes: compute and store the daily figures, and react to order and stock changes
(docs/analytics.md). Layer rule (README): analytics may read orders, inventory, listings and channels."""

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from analytics.cache import cache_version_bump_on_commit
from analytics.models import ChannelDailyStats
from analytics.selectors import daily_figures, order_day
from analytics.tasks import channel_daily_stats_compute_task
from channels.models import Channel
from common.enqueue import enqueue
from orders.models import Order

ORDER_FIELDS = (
    "currency",
    "orders",
    "units",
    "revenue",
    "refunds",
    "average_order_value",
    "other_currency_orders",
    "oversells",
    "computed_at",
)
SNAPSHOT_FIELDS = ("active_listings", "out_of_stock_variants")
PENDING_KEY = "analytics:pending:{channel}:{day}"
PENDING_SECONDS = 60  # a recompute of the same day queued within this is not queued again


@transaction.atomic
def channel_daily_stats_compute(*, first: date, last: date, channels: list[Channel] | None = None) -> int:
    """Recompute and upsert the rows of channels (all: None) x days first..last; returns the rows written.

    Idempotent: one INSERT .. ON CONFLICT per call whatever the range (rows are built from aggregates, so
    there is no per-row full_clean). Today's row also takes the snapshot of live listings and out-of-stock
    units; a past day keeps the snapshot it has (it cannot be rebuilt later)."""
    if last < first:
        raise ValueError("last is before first")
    chosen = list(channels) if channels is not None else list(Channel.objects.order_by("pk"))
    rows = daily_figures(chosen, first, last, snapshot=True)
    today = timezone.localdate()
    current = [r for r in rows if r.day == today]
    past = [r for r in rows if r.day != today]
    unique = ["channel", "day"]
    if past:
        ChannelDailyStats.objects.bulk_create(
            past, update_conflicts=True, unique_fields=unique, update_fields=list(ORDER_FIELDS)
        )
    if current:
        ChannelDailyStats.objects.bulk_create(
            current, update_conflicts=True, unique_fields=unique, update_fields=[*ORDER_FIELDS, *SNAPSHOT_FIELDS]
        )
    cache_version_bump_on_commit()
    return len(rows)


def channel_daily_stats_refresh(*, now: Any = None) -> int:
    """The frequent schedule: today for every channel, plus each past day that has an order we saw change
    lately (twice the schedule's interval, so one missed run loses nothing)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    written = channel_daily_stats_compute(first=today, last=today)
    since = now - timedelta(minutes=2 * int(settings.ANALYTICS_REFRESH_MINUTES))
    touched = (
        Order.objects.filter(last_seen_at__gte=since)
        .annotate(day=order_day(""))
        .filter(day__lt=today)
        .order_by()
        .values_list("channel_id", "day")
        .distinct()
    )
    by_day: dict[date, set[int]] = {}
    for channel_id, day in touched:
        by_day.setdefault(day, set()).add(channel_id)
    for day, ids in sorted(by_day.items()):
        written += channel_daily_stats_compute(first=day, last=day, channels=list(Channel.objects.filter(pk__in=ids)))
    return written


def channel_daily_stats_nightly(*, now: Any = None) -> int:
    """The nightly schedule: yesterday (final figures, late changes included) and today."""
    today = timezone.localdate(now or timezone.now())
    return channel_daily_stats_compute(first=today - timedelta(days=1), last=today)


def order_ingested(*, order: Order, **_: Any) -> None:
    """Event handler (orders.events.ORDER_INGESTED), inside the ingest's transaction: cached figures become
    unreachable once it commits; a past day's stored row is recomputed by a task (today's by the schedule)."""
    cache_version_bump_on_commit()
    moment = order.placed_at or order.first_seen_at or timezone.now()
    day = timezone.localdate(moment)
    if day >= timezone.localdate():
        return
    # Many updates of one day's orders (a historic pull) queue one recompute, not one each.
    if cache.add(PENDING_KEY.format(channel=order.channel_id, day=day), 1, timeout=PENDING_SECONDS):
        enqueue(channel_daily_stats_compute_task, order.channel_id, day.isoformat(), group="analytics")


def pending_clear(*, channel_id: int, day: date) -> None:
    cache.delete(PENDING_KEY.format(channel=channel_id, day=day))
