"""Reads: the daily figures computed from our own data, set-based (docs/analytics.md#figures).

`daily_figures` computes (unsaved) rows for channels x days with a fixed number of aggregate queries whatever
the number of orders: one GROUP BY over orders, one over order lines, and for today's snapshots one over
listings plus one count per channel of the listed stock that is out.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from accounts.roles import channel_scoped
from channels.models import Channel
from inventory.selectors import AVAILABLE, stocks
from listings.choices import ListingStatus
from listings.models import Listing
from orders.choices import PAID_STATUSES
from orders.models import Order, OrderLine

from .models import ChannelDailyStats

MONEY = DecimalField(max_digits=14, decimal_places=2)
ZERO = Decimal("0")
CENT = Decimal("0.01")


@dataclass
class DayOrders:
    orders: int = 0
    units: int = 0
    revenue: Decimal = ZERO
    refunds: Decimal = ZERO
    revenue_orders: int = 0
    other_currency_orders: int = 0
    oversells: int = 0


def day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """The aware [start, end) of the local days first..last (TIME_ZONE)."""
    zone = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(first, time.min), zone)
    end = timezone.make_aware(datetime.combine(last + timedelta(days=1), time.min), zone)
    return start, end


def _placed_between(prefix: str, start: datetime, end: datetime) -> Q:
    """An order's day is its marketplace placement time, or when we first saw it if the marketplace gave none."""
    placed = Q(**{f"{prefix}placed_at__gte": start, f"{prefix}placed_at__lt": end})
    unplaced = Q(
        **{f"{prefix}placed_at__isnull": True, f"{prefix}first_seen_at__gte": start, f"{prefix}first_seen_at__lt": end}
    )
    return placed | unplaced


def order_day(prefix: str) -> TruncDate:
    return TruncDate(Coalesce(f"{prefix}placed_at", f"{prefix}first_seen_at"), tzinfo=timezone.get_current_timezone())


def order_figures(channel_ids: Sequence[int], first: date, last: date) -> dict[tuple[int, date], DayOrders]:
    """(channel id, day) -> the order figures, from two GROUP BY queries (orders, then their lines).

    Counted orders are the paid ones (paid, shipped, delivered, refunded in part or whole); unpaid and cancelled
    orders are not sales. Money counts only orders in the channel's currency."""
    start, end = day_bounds(first, last)
    counted = Q(status__in=PAID_STATUSES)
    in_currency = Q(currency=F("channel__currency"))
    rows = (
        Order.objects.filter(_placed_between("", start, end), channel_id__in=channel_ids)
        .annotate(day=order_day(""))
        .order_by()
        .values("channel_id", "day")
        .annotate(
            n=Count("id", filter=counted),
            revenue=Sum("total", filter=counted & in_currency),
            revenue_orders=Count("id", filter=counted & in_currency),
            other=Count("id", filter=counted & ~in_currency),
        )
    )
    out: dict[tuple[int, date], DayOrders] = {}
    for row in rows:
        out[(row["channel_id"], row["day"])] = DayOrders(
            orders=row["n"],
            revenue=(row["revenue"] or ZERO).quantize(CENT),
            revenue_orders=row["revenue_orders"],
            other_currency_orders=row["other"],
        )
    line_counted = Q(order__status__in=PAID_STATUSES)
    line_in_currency = Q(order__currency=F("order__channel__currency"))
    refunded = ExpressionWrapper(F("refunded_quantity") * F("unit_price"), output_field=MONEY)
    lines = (
        OrderLine.objects.filter(_placed_between("order__", start, end), order__channel_id__in=channel_ids)
        .annotate(day=order_day("order__"))
        .order_by()
        .values("order__channel_id", "day")
        .annotate(
            units=Sum(F("quantity") - F("cancelled_quantity"), filter=line_counted),
            refunds=Sum(refunded, filter=line_counted & line_in_currency),
            oversells=Count("id", filter=Q(oversold=True)),
        )
    )
    for line in lines:
        figures = out.setdefault((line["order__channel_id"], line["day"]), DayOrders())
        figures.units = line["units"] or 0
        figures.refunds = (line["refunds"] or ZERO).quantize(CENT)
        figures.oversells = line["oversells"]
    return out


def active_listing_counts(channel_ids: Sequence[int]) -> dict[int, int]:
    """Live listings per channel, now."""
    rows = (
        Listing.objects.filter(channel_id__in=channel_ids, status=ListingStatus.LIVE)
        .order_by()
        .values("channel_id")
        .annotate(n=Count("id"))
    )
    return {row["channel_id"]: row["n"] for row in rows}


def out_of_stock_count(channel_id: int) -> int:
    """Sellable units (variants, products without variants) listed live on the channel with nothing available
    now; a product listed as a whole counts each of its variants."""
    live = Listing.objects.filter(channel_id=channel_id, status=ListingStatus.LIVE)
    as_variant = Exists(live.filter(variant_id=OuterRef("variant_id")))
    as_product = Exists(live.filter(variant__isnull=True, product_id=OuterRef("product_id")))
    return int(stocks().filter(**{f"{AVAILABLE}__lte": 0}).filter(as_variant | as_product).count())


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def daily_figures(
    channels: Iterable[Channel], first: date, last: date, *, snapshot: bool = False
) -> list[ChannelDailyStats]:
    """Unsaved rows for every channel and day first..last (zeros on a day without orders).

    `snapshot` adds today's live listing and out-of-stock counts to the row of today (a past day's snapshot
    cannot be rebuilt, so it is left empty here)."""
    channels = list(channels)
    ids = [c.pk for c in channels]
    figures = order_figures(ids, first, last)
    today = timezone.localdate()
    with_snapshot = snapshot and first <= today <= last
    listings = active_listing_counts(ids) if with_snapshot else {}
    now = timezone.now()
    rows = []
    for channel in channels:
        out_of_stock = out_of_stock_count(channel.pk) if with_snapshot else None
        for day in _days(first, last):
            f = figures.get((channel.pk, day), DayOrders())
            aov = (f.revenue / f.revenue_orders).quantize(CENT) if f.revenue_orders else None
            is_today = with_snapshot and day == today
            rows.append(
                ChannelDailyStats(
                    channel=channel,
                    day=day,
                    currency=channel.currency,
                    orders=f.orders,
                    units=f.units,
                    revenue=f.revenue,
                    refunds=f.refunds,
                    average_order_value=aov,
                    other_currency_orders=f.other_currency_orders,
                    oversells=f.oversells,
                    active_listings=listings.get(channel.pk, 0) if is_today else None,
                    out_of_stock_variants=out_of_stock if is_today else None,
                    computed_at=now,
                )
            )
    return rows


def channels_visible(user: Any) -> QuerySet[Channel]:
    return channel_scoped(Channel.objects.order_by("name"), user, "pk")


def stored_stats(channel_ids: Sequence[int], first: date, last: date) -> QuerySet[ChannelDailyStats]:
    return ChannelDailyStats.objects.filter(channel_id__in=channel_ids, day__gte=first, day__lte=last).order_by(
        "channel__name", "channel_id", "day"
    )


SNAPSHOT_FIELDS = ("active_listings", "out_of_stock_variants", "sessions", "page_views")


def stats_row(row: ChannelDailyStats) -> dict[str, Any]:
    """One row as the API and the pages show it (plain values, so it can be cached)."""
    return {
        "channel": row.channel_id,
        "channel_name": row.channel.name,
        "marketplace": row.channel.marketplace,
        "day": row.day,
        "currency": row.currency,
        "orders": row.orders,
        "units": row.units,
        "revenue": row.revenue,
        "refunds": row.refunds,
        "net_revenue": row.net_revenue,
        "average_order_value": row.average_order_value,
        "other_currency_orders": row.other_currency_orders,
        "oversells": row.oversells,
        "active_listings": row.active_listings,
        "out_of_stock_variants": row.out_of_stock_variants,
        "sessions": row.sessions,
        "page_views": row.page_views,
    }


def daily_stats(channels: Iterable[Channel], first: date, last: date) -> list[dict[str, Any]]:
    """The figures of channels x days first..last as they stand now (uncached; see analytics.cache).

    Order figures are computed live from the orders, so they are exact after any write; the snapshots (active
    listings, out of stock) are live for today and the stored ones for past days; traffic is stored (empty when
    the marketplace gives none)."""
    rows = daily_figures(channels, first, last, snapshot=True)
    today = timezone.localdate()
    stored = {
        (s["channel_id"], s["day"]): s
        for s in stored_stats([r.channel_id for r in rows], first, last).values("channel_id", "day", *SNAPSHOT_FIELDS)
    }
    for row in rows:
        kept = stored.get((row.channel_id, row.day))
        if kept is None:
            continue
        for name in SNAPSHOT_FIELDS:
            if row.day != today or getattr(row, name) is None:
                setattr(row, name, kept[name])
    return [stats_row(row) for row in rows]
