"""Lay out the 30-day chart of orders (bars) and revenue (a line) per channel as server-rendered SVG.

No script: the CSP forbids inline script and a page must work without JavaScript (house style), so the
template draws <rect> and <polyline> from the coordinates computed here (as the dashboard's sync chart does).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

WIDTH = 360  # px of the SVG view box: 30 days x 12 px
HEIGHT = 110
PLOT_TOP = 14  # room for the "max" label
PLOT_BOTTOM = 96  # the axis; the day labels sit below it
BAR_GAP = 2


@dataclass
class ChartDay:
    day: date
    orders: int
    revenue: Decimal
    x: float = 0
    y: float = 0
    h: float = 0


@dataclass
class DailyChart:
    channel_id: int
    channel_name: str
    currency: str
    days: list[ChartDay] = field(default_factory=list)
    revenue_points: str = ""
    peak_orders: int = 0
    peak_revenue: Decimal = Decimal("0")
    total_orders: int = 0
    total_revenue: Decimal = Decimal("0")
    bar_width: float = 0


def _chart(rows: list[dict[str, Any]], first: date, count: int) -> DailyChart:
    by_day = {row["day"]: row for row in rows}
    head = rows[0]
    chart = DailyChart(channel_id=head["channel"], channel_name=head["channel_name"], currency=head["currency"])
    slot = WIDTH / count
    chart.bar_width = round(slot - BAR_GAP, 1)
    for i in range(count):
        day = first + timedelta(days=i)
        row = by_day.get(day, {})
        chart.days.append(ChartDay(day=day, orders=row.get("orders", 0), revenue=row.get("revenue", Decimal("0"))))
    chart.peak_orders = max(d.orders for d in chart.days)
    chart.peak_revenue = max(d.revenue for d in chart.days)
    chart.total_orders = sum(d.orders for d in chart.days)
    chart.total_revenue = sum((d.revenue for d in chart.days), Decimal("0"))
    span = PLOT_BOTTOM - PLOT_TOP
    points = []
    for i, d in enumerate(chart.days):
        d.x = round(i * slot + BAR_GAP / 2, 1)
        d.h = round(d.orders * span / chart.peak_orders, 1) if chart.peak_orders else 0
        d.y = round(PLOT_BOTTOM - d.h, 1)
        share = float(d.revenue / chart.peak_revenue) if chart.peak_revenue else 0.0
        points.append(f"{round(i * slot + slot / 2, 1)},{round(PLOT_BOTTOM - share * span, 1)}")
    chart.revenue_points = " ".join(points)
    return chart


def daily_charts(rows: list[dict[str, Any]], first: date, last: date) -> list[DailyChart]:
    """One chart per channel in `rows` (the figures of `daily_stats`), in the rows' channel order."""
    per_channel: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        per_channel.setdefault(row["channel"], []).append(row)
    count = (last - first).days + 1
    return [_chart(channel_rows, first, count) for channel_rows in per_channel.values()]
