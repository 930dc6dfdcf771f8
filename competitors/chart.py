"""Lay out a competitor's price history as server-rendered SVG (the approach of analytics/chart.py: coordinates
computed here, the template draws <polyline>/<circle>; no script under the CSP).

Lines: the competitor's landed price and the buy-box price; gaps where there was no offer (never drawn at 0).
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

WIDTH = 600  # px of the SVG view box
HEIGHT = 160
PLOT_TOP = 14  # room for the "max" label
PLOT_BOTTOM = 140  # the axis; the date labels sit below it


@dataclass
class PriceChart:
    segments: list[str] = field(default_factory=list)  # polyline points of the landed price, split at "no offer"
    buy_box_points: str = ""
    no_offer_x: list[float] = field(default_factory=list)  # where an observation saw no offer
    low: Decimal | None = None
    high: Decimal | None = None
    first: Any = None
    last: Any = None
    count: int = 0


def price_chart(observations: list[Any]) -> PriceChart:
    """`observations` oldest first (CompetitorObservation rows)."""
    chart = PriceChart(count=len(observations))
    if not observations:
        return chart
    chart.first, chart.last = observations[0].time, observations[-1].time
    values = [v for o in observations for v in (o.landed_price, o.buy_box_price) if v is not None]
    low, high = (min(values), max(values)) if values else (Decimal("0"), Decimal("0"))
    if values:
        chart.low, chart.high = low, high
    span = (high - low) if high != low else Decimal("1")
    step = WIDTH / max(1, len(observations) - 1)

    def y(value: Decimal) -> float:
        share = float((value - low) / span) if high != low else 0.5
        return round(PLOT_BOTTOM - share * (PLOT_BOTTOM - PLOT_TOP), 1)

    current: list[str] = []
    box: list[str] = []
    for i, o in enumerate(observations):
        x = round(i * step, 1)
        if o.has_offer and o.landed_price is not None:
            current.append(f"{x},{y(o.landed_price)}")
        else:
            chart.no_offer_x.append(x)
            if current:
                chart.segments.append(" ".join(current))
            current = []
        if o.buy_box_price is not None:
            box.append(f"{x},{y(o.buy_box_price)}")
    if current:
        chart.segments.append(" ".join(current))
    chart.buy_box_points = " ".join(box)
    return chart
