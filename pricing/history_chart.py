"""Lay out the listing page's price chart as server-rendered SVG: our price, the remote price, the buy box and the
lowest competitor as step lines, over the channel's min/max band and the margin-floor line.

No script: the CSP forbids inline script and a page must work without JavaScript (house style), so, as
analytics/chart.py does for the dashboard, this computes the coordinates and the template draws <polyline>,
<rect> and <line> (templates/pricing/_price_history_chart.html).
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from .history_models import PriceKind
from .history_selectors import SeriesPoint

WIDTH = 360  # px of the SVG view box, as the dashboard's charts
HEIGHT = 130
PLOT_TOP = 14  # room for the top label
PLOT_BOTTOM = 112  # the axis; the date labels sit below it
HUNDRED = Decimal("100")
CENT = Decimal("0.01")
COLOURS: dict[str, str] = {  # the stroke of each line (an SVG attribute, not a style: the CSP allows it)
    PriceKind.OURS: "#1a73e8",
    PriceKind.REMOTE: "#9334e6",
    PriceKind.BUY_BOX: "#188038",
    PriceKind.LOWEST_COMPETITOR: "#e37400",
}


@dataclass
class ChartLine:
    kind: str
    label: str
    colour: str
    points: str  # "x,y x,y ..." for <polyline>
    last: Decimal | None


@dataclass
class PriceChart:
    start: datetime
    end: datetime
    low: Decimal
    high: Decimal
    lines: list[ChartLine] = field(default_factory=list)
    band_y: float | None = None  # the min/max band, when the channel sets either
    band_h: float = 0
    floor_y: float | None = None
    floor_price: Decimal | None = None
    price_min: Decimal | None = None
    price_max: Decimal | None = None

    @property
    def is_empty(self) -> bool:
        return not self.lines


def _scale(value: Decimal, low: Decimal, high: Decimal) -> float:
    span = high - low or Decimal(1)
    return round(PLOT_BOTTOM - float((value - low) / span) * (PLOT_BOTTOM - PLOT_TOP), 1)


def _x(at: datetime, start: datetime, end: datetime) -> float:
    total = (end - start).total_seconds() or 1.0
    return round(max(0.0, min(1.0, (at - start).total_seconds() / total)) * WIDTH, 1)


def _step_points(points: list[SeriesPoint], chart: PriceChart) -> str:
    """A step line: each price holds until the next point; a "no offer" gap breaks nothing but is skipped."""
    coords: list[str] = []
    previous_y: float | None = None
    for point in points:
        x = _x(point.time, chart.start, chart.end)
        if point.price is None:
            previous_y = None
            continue
        y = _scale(point.price, chart.low, chart.high)
        if previous_y is not None:
            coords.append(f"{x},{previous_y}")
        coords.append(f"{x},{y}")
        previous_y = y
    if previous_y is not None:
        coords.append(f"{WIDTH},{previous_y}")
    return " ".join(coords)


def price_chart(
    *,
    series: dict[str, list[SeriesPoint]],
    start: datetime,
    end: datetime,
    price_min: Decimal | None = None,
    price_max: Decimal | None = None,
    floor: Decimal | None = None,
) -> PriceChart:
    """The chart of `series` (price_history_series) between `start` and `end` with the band and floor."""
    values = [p.price for points in series.values() for p in points if p.price is not None]
    values += [v for v in (price_min, price_max, floor) if v is not None]
    low, high = (min(values), max(values)) if values else (Decimal(0), Decimal(1))
    pad = (high - low) * Decimal("0.05") or Decimal(1)
    chart = PriceChart(start=start, end=end, low=max(Decimal(0), low - pad), high=high + pad)
    chart.price_min, chart.price_max, chart.floor_price = price_min, price_max, floor
    labels = dict(PriceKind.choices)
    for kind, points in series.items():
        if any(p.price is not None for p in points):
            chart.lines.append(
                ChartLine(kind, str(labels[kind]), COLOURS[kind], _step_points(points, chart), points[-1].price)
            )
    if price_min is not None or price_max is not None:
        top = _scale(price_max, chart.low, chart.high) if price_max is not None else float(PLOT_TOP)
        bottom = _scale(price_min, chart.low, chart.high) if price_min is not None else float(PLOT_BOTTOM)
        chart.band_y, chart.band_h = top, round(bottom - top, 1)
    if floor is not None:
        chart.floor_y = _scale(floor, chart.low, chart.high)
    return chart
