"""Lay out a change's chart as server-rendered SVG (docs/analytics.md#the-listing-page-changes-and-their-effect):
units per day of the listing and of its control group, the 7 days before and the 7 after the change, from the
event's `daily_units`.

Fifteen slots: seven before, the change day (a marker, no value: it holds both sides) and seven after. Both lines
share one scale. A day without data is a gap (the line stops; a lone day is a dot), never a zero. This module
computes the coordinates; the template draws <polyline>, <circle> and <line> (no script: the CSP forbids it).
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .attribution import WINDOW_DAYS

WIDTH = 360  # px of the SVG view box, as the performance charts
HEIGHT = 100
PLOT_TOP = 12  # room for the "max" label
PLOT_BOTTOM = 84  # the axis; the date labels sit below it
SLOTS = 2 * WINDOW_DAYS + 1  # the change day sits in the middle slot
SLOT = WIDTH / SLOTS


@dataclass
class Line:
    """One series: "x,y x,y" per run of consecutive days with a value, and the lone days as dots."""

    segments: list[str] = field(default_factory=list)
    dots: list[tuple[float, float]] = field(default_factory=list)
    days: int = 0  # days with a value


@dataclass
class AttributionChart:
    first: date | None
    last: date | None
    change_day: date | None
    listing: Line
    control: Line
    peak: float = 0.0
    change_x: float = round(WINDOW_DAYS * SLOT + SLOT / 2, 1)

    @property
    def is_empty(self) -> bool:
        return self.listing.days == 0 and self.control.days == 0


def _slot_x(index: int) -> float:
    return round(index * SLOT + SLOT / 2, 1)


def _line(values: list[float | None], y: Any) -> Line:
    line = Line(days=sum(1 for v in values if v is not None))
    run: list[tuple[float, float]] = []
    for index, value in enumerate([*values, None]):
        if value is not None:
            run.append((_slot_x(index), y(value)))
            continue
        if len(run) == 1:
            line.dots.append(run[0])
        elif run:
            line.segments.append(" ".join(f"{px},{py}" for px, py in run))
        run = []
    return line


def attribution_chart(daily: list[dict[str, Any]]) -> AttributionChart:
    """The chart of one event's `daily_units` (14 entries, oldest first; any other shape charts as empty)."""
    entries = [e for e in daily if isinstance(e, dict)] if isinstance(daily, list) else []
    if len(entries) != 2 * WINDOW_DAYS:
        return AttributionChart(None, None, None, Line(), Line())
    slots: list[dict[str, Any] | None] = [*entries[:WINDOW_DAYS], None, *entries[WINDOW_DAYS:]]

    def values(key: str) -> list[float | None]:
        return [None if e is None or e.get(key) is None else float(e[key]) for e in slots]

    units, control = values("units"), values("control_units")
    peak = max([v for v in units + control if v is not None], default=0.0)
    span = PLOT_BOTTOM - PLOT_TOP

    def y(value: float) -> float:
        return round(PLOT_BOTTOM - (value / peak if peak else 0.0) * span, 1)

    first, last = date.fromisoformat(entries[0]["date"]), date.fromisoformat(entries[-1]["date"])
    change_day = date.fromordinal(date.fromisoformat(entries[WINDOW_DAYS - 1]["date"]).toordinal() + 1)
    return AttributionChart(first, last, change_day, _line(units, y), _line(control, y), peak=peak)
