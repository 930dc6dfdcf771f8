"""Lay out the listing page's performance charts as server-rendered SVG (docs/analytics.md#performance-metrics).

One small chart per metric over the chosen days. A day without a row, or with the metric NULL, is a gap: the
line stops and starts again after it (never drawn as zero). A metric NULL on every row is "not available from
this marketplace". As pricing/history_chart.py does, this computes the coordinates; the template draws
<polyline> and <circle> (no script: the CSP forbids inline script).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from .models import PerformanceMetric

WIDTH = 360  # px of the SVG view box, as the other charts
HEIGHT = 90
PLOT_TOP = 12  # room for the "max" label
PLOT_BOTTOM = 76  # the axis; the date labels sit below it
NOT_AVAILABLE = "not available from this marketplace"


def _conversion(row: PerformanceMetric) -> Decimal | None:
    return None if row.unit_session_pct is None else row.unit_session_pct * 100


# (key, label, unit, value of a row)
METRICS: tuple[tuple[str, str, str, Callable[[PerformanceMetric], Any]], ...] = (
    ("sessions", "Sessions", "", lambda r: r.sessions),
    ("units", "Units ordered", "", lambda r: r.units_ordered),
    ("conversion", "Conversion", "%", _conversion),
    ("revenue", "Revenue", "currency", lambda r: r.ordered_product_sales),
    ("buy_box", "Buy box", "%", lambda r: r.buy_box_pct),
    ("bsr", "Best-seller rank", "", lambda r: r.bsr),  # Amazon only (docs/analytics.md#best-seller-rank)
)
LOWER_IS_BETTER = frozenset({"bsr"})  # drawn upside down: rank 1 at the top


@dataclass
class MetricChart:
    key: str
    label: str
    unit: str
    available: bool = False  # some row has a value
    segments: list[str] = field(default_factory=list)  # "x,y x,y" per run of consecutive days with a value
    dots: list[tuple[float, float]] = field(default_factory=list)  # a run of one day
    peak: Decimal = Decimal(0)
    latest: Any = None
    total: Any = None
    gap_days: int = 0
    lower_is_better: bool = False
    latest_note: str = ""  # the BSR's browse node of the latest day


@dataclass
class ListingPerformance:
    first: date
    last: date
    currency: str
    charts: list[MetricChart]
    row_days: int
    missing_days: int
    not_available: str = NOT_AVAILABLE

    @property
    def is_empty(self) -> bool:
        return self.row_days == 0


def _runs(values: list[Any]) -> list[list[tuple[int, Any]]]:
    """Runs of consecutive days that have a value."""
    runs: list[list[tuple[int, Any]]] = []
    current: list[tuple[int, Any]] = []
    for i, value in enumerate(values):
        if value is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append((i, value))
    if current:
        runs.append(current)
    return runs


def _chart(key: str, label: str, unit: str, values: list[Any]) -> MetricChart:
    chart = MetricChart(key, label, unit)
    present = [Decimal(str(v)) for v in values if v is not None]
    if not present:
        return chart
    chart.available = True
    chart.peak = max(present)
    chart.latest = next((v for v in reversed(values) if v is not None), None)
    if key in ("sessions", "units", "revenue"):
        chart.total = sum(present, Decimal(0))
    chart.gap_days = sum(1 for v in values if v is None)
    slot = WIDTH / len(values)
    span = PLOT_BOTTOM - PLOT_TOP

    chart.lower_is_better = key in LOWER_IS_BETTER

    def y(value: Any) -> float:
        share = float(Decimal(str(value)) / chart.peak) if chart.peak else 0.0
        if chart.lower_is_better:
            return round(PLOT_TOP + share * span, 1)  # the worst rank of the range at the bottom
        return round(PLOT_BOTTOM - share * span, 1)

    for run in _runs(values):
        points = [(round(i * slot + slot / 2, 1), y(v)) for i, v in run]
        if len(points) == 1:
            chart.dots.append(points[0])
        else:
            chart.segments.append(" ".join(f"{px},{py}" for px, py in points))
    return chart


def listing_performance(rows: list[PerformanceMetric], first: date, last: date, currency: str) -> ListingPerformance:
    """The charts of one listing's rows (oldest first) over the days first..last."""
    count = (last - first).days + 1
    by_day = {row.report_date: row for row in rows}
    days = [by_day.get(first + timedelta(days=i)) for i in range(count)]
    charts = [
        _chart(key, label, currency if unit == "currency" else unit, [None if r is None else value(r) for r in days])
        for key, label, unit, value in METRICS
    ]
    bsr_chart = next(c for c in charts if c.key == "bsr")
    bsr_chart.latest_note = next((r.bsr_category for r in reversed(days) if r is not None and r.bsr is not None), "")
    present = sum(1 for r in days if r is not None)
    return ListingPerformance(first, last, currency, charts, row_days=present, missing_days=count - present)
