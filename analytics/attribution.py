"""Attribution, the method: did a change move a listing's sales? Pure functions over daily figures, no queries
(docs/analytics.md#attribution).

Seven days before the change day against seven days after it (the change day itself is left out: it holds both),
compared with unchanged listings of the same category and channel over the same days (difference in
differences). The measured metric is units ordered per day: every marketplace gives units, and revenue moves by
itself when the price does. The confidence is one minus the p-value of Welch's t-test on the daily values.
"""

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

WINDOW_DAYS = 7
MIN_DAYS = 5  # days with data on each side, below which the verdict is inconclusive
MIN_UNITS = 10  # units of the listing over both windows
MIN_SESSIONS = 100  # sessions of the listing over both windows, when the marketplace reports sessions
SETTLE_DAYS = 3  # reports may still add or revise days this long after the after-window ended
CONFIDENT = Decimal("90")  # confidence (%) from which a change is called positive or negative
IMPACT_LIMIT = Decimal("999.99")  # the column holds 5 digits, 2 of them decimals

POSITIVE, NEGATIVE, NO_EFFECT, INCONCLUSIVE = "positive", "negative", "no_effect", "inconclusive"

CONFOUNDER_LABELS = {
    "price_change": "Price change inside the window",
    "stock_out": "Stock-out days",
    "other_change": "Another content change inside the window",
    "data_arriving": "Data still arriving",
}


@dataclass(frozen=True)
class Day:
    """One listing's figures for one day; None is "not reported", never zero."""

    sessions: int | None = None
    units: int | None = None
    revenue: Decimal | None = None
    bsr: int | None = None


@dataclass
class Analysis:
    """What `analyse` measured; the fields match AttributionEvent's."""

    metrics_before: dict[str, Any]
    metrics_after: dict[str, Any]
    control_before: dict[str, Any]
    control_after: dict[str, Any]
    impact_score: Decimal | None
    confidence: Decimal | None
    verdict: str
    confounders: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    daily: list[dict[str, Any]] = field(default_factory=list)  # daily_series: the charts' points


def windows(change_day: date) -> tuple[list[date], list[date]]:
    """The before days (change_day-7 .. -1) and the after days (+1 .. +7)."""
    before = [change_day - timedelta(days=n) for n in range(WINDOW_DAYS, 0, -1)]
    after = [change_day + timedelta(days=n) for n in range(1, WINDOW_DAYS + 1)]
    return before, after


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def summarise(rows: Sequence[Day]) -> dict[str, Any]:
    """The JSON of one side: days with data, sessions_avg, conversion_rate (units / sessions over the days that
    report both), units_total, units_avg (per day with units), revenue_total and bsr_avg."""
    sessions = [r.sessions for r in rows if r.sessions is not None]
    units = [r.units for r in rows if r.units is not None]
    both = [(r.units, r.sessions) for r in rows if r.units is not None and r.sessions]
    revenue = [r.revenue for r in rows if r.revenue is not None]
    bsr = [r.bsr for r in rows if r.bsr is not None]
    conversion = sum(u for u, _ in both) / sum(s for _, s in both) if both else None  # type: ignore[misc]
    return {
        "days": len(rows),
        "sessions_avg": _round(_mean(sessions)),
        "conversion_rate": _round(conversion, 4),
        "units_total": sum(units) if units else None,
        "units_avg": _round(_mean(units), 4),
        "revenue_total": float(sum(revenue, Decimal("0"))) if revenue else None,
        "bsr_avg": _round(_mean(bsr)),
    }


def daily_series(
    before_days: Sequence[date],
    after_days: Sequence[date],
    treated: Mapping[date, float],
    control: Mapping[date, float],
) -> list[dict[str, Any]]:
    """Units per day of the listing and of the control group over both windows (None: no data that day, a gap,
    never 0): {date, side, units, control_units}, oldest first; the change day is not in it."""
    return [
        {
            "date": day.isoformat(),
            "side": side,
            "units": _round(treated.get(day), 4),
            "control_units": _round(control.get(day), 4),
        }
        for side, days in (("before", before_days), ("after", after_days))
        for day in days
    ]


def control_series(controls: Iterable[Mapping[date, Day]], days: Sequence[date]) -> dict[date, float]:
    """The control group's units per day: the mean over the control listings that report units that day."""
    per_day: dict[date, list[int]] = {}
    for rows in controls:
        for day in days:
            row = rows.get(day)
            if row is not None and row.units is not None:
                per_day.setdefault(day, []).append(row.units)
    return {day: sum(v) / len(v) for day, v in per_day.items()}


def _units(rows: Mapping[date, Day], days: Sequence[date]) -> dict[date, float]:
    return {d: float(rows[d].units) for d in days if d in rows and rows[d].units is not None}  # type: ignore[arg-type]


def _incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b), by its continued fraction (Lentz)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    if x > (a + 1) / (a + b + 2):
        return 1.0 - _incomplete_beta(b, a, 1.0 - x)
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log(1 - x)) / a
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 300):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= c * d
        if abs(c * d - 1.0) < 1e-12:
            break
    return front * result


def t_two_sided_p(t: float, df: float) -> float:
    """P(|T| >= |t|) for Student's t with `df` degrees of freedom."""
    return _incomplete_beta(df / 2, 0.5, df / (df + t * t))


def welch(before: Sequence[float], after: Sequence[float]) -> tuple[float, float, float]:
    """Welch's t-test of two samples (two or more values each): (t, degrees of freedom, two-sided p)."""
    vb, va = statistics.variance(before), statistics.variance(after)
    nb, na = len(before), len(after)
    diff = statistics.fmean(after) - statistics.fmean(before)
    se2 = vb / nb + va / na
    if se2 == 0:  # no day-to-day noise at all: any difference is certain, none is none
        return (math.inf if diff else 0.0), float(nb + na - 2), (0.0 if diff else 1.0)
    t = diff / math.sqrt(se2)
    df = se2**2 / ((vb / nb) ** 2 / (nb - 1) + (va / na) ** 2 / (na - 1)) if vb and va else float(min(nb, na) - 1)
    return t, df, t_two_sided_p(t, df)


def _in_window(days: Iterable[date], change_day: date) -> list[str]:
    first, last = change_day - timedelta(days=WINDOW_DAYS), change_day + timedelta(days=WINDOW_DAYS)
    return sorted({d.isoformat() for d in days if first <= d <= last})


def confounders_find(
    *,
    change_day: date,
    analysis_date: date,
    after_days_with_data: int,
    price_changes: Iterable[date] = (),
    other_changes: Iterable[date] = (),
    stock_out_days: Iterable[date] = (),
) -> list[dict[str, Any]]:
    """Each confounder inside change_day ± 7 as {code, label, days}; `data_arriving` when the after window has
    not ended, or ended less than SETTLE_DAYS ago with days still missing."""
    found = []
    for code, days in (
        ("price_change", price_changes),
        ("stock_out", stock_out_days),
        ("other_change", other_changes),
    ):
        inside = _in_window(days, change_day)
        if inside:
            found.append({"code": code, "label": CONFOUNDER_LABELS[code], "days": inside})
    window_end = change_day + timedelta(days=WINDOW_DAYS)
    settled = window_end + timedelta(days=SETTLE_DAYS)
    if analysis_date <= window_end or (analysis_date <= settled and after_days_with_data < WINDOW_DAYS):
        missing = [d.isoformat() for d in windows(change_day)[1] if d >= analysis_date]
        found.append({"code": "data_arriving", "label": CONFOUNDER_LABELS["data_arriving"], "days": missing})
    return found


def analyse(
    *,
    change_day: date,
    treated: Mapping[date, Day],
    controls: Sequence[Mapping[date, Day]],
    analysis_date: date,
    price_changes: Iterable[date] = (),
    other_changes: Iterable[date] = (),
    stock_out_days: Iterable[date] = (),
) -> Analysis:
    """Measure one change (docs/analytics.md#attribution).

    `treated`: the changed listing's days; `controls`: each unchanged listing's days (listings with fewer than
    MIN_DAYS days of units on either side are left out of the group). Impact = 100 × (relative change of the
    listing's units per day − relative change of the control group's), in percentage points."""
    before_days, after_days = windows(change_day)
    notes: list[str] = []
    t_before, t_after = _units(treated, before_days), _units(treated, after_days)
    usable = [
        rows
        for rows in controls
        if len(_units(rows, before_days)) >= MIN_DAYS and len(_units(rows, after_days)) >= MIN_DAYS
    ]
    c_series = control_series(usable, before_days + after_days)
    control_rows_before = [rows[d] for rows in usable for d in before_days if d in rows]
    control_rows_after = [rows[d] for rows in usable for d in after_days if d in rows]
    control_before = summarise(control_rows_before) | {"listings": len(usable)}
    control_after = summarise(control_rows_after) | {"listings": len(usable)}
    control_before["days"] = len([d for d in before_days if d in c_series])
    control_after["days"] = len([d for d in after_days if d in c_series])
    control_before["units_avg"] = _round(_mean([c_series[d] for d in before_days if d in c_series]), 4)
    control_after["units_avg"] = _round(_mean([c_series[d] for d in after_days if d in c_series]), 4)
    metrics_before = summarise([treated[d] for d in before_days if d in treated])
    metrics_after = summarise([treated[d] for d in after_days if d in treated])
    confounders = confounders_find(
        change_day=change_day,
        analysis_date=analysis_date,
        after_days_with_data=metrics_after["days"],
        price_changes=price_changes,
        other_changes=other_changes,
        stock_out_days=stock_out_days,
    )

    # the minimum sample: every reason is noted, not only the first
    if analysis_date <= after_days[-1]:
        notes.append(f"Data still arriving: the after window ends on {after_days[-1].isoformat()}.")
    if len(t_before) < MIN_DAYS or len(t_after) < MIN_DAYS:
        notes.append(
            f"Too few days with data: {len(t_before)} before and {len(t_after)} after (at least {MIN_DAYS} each)."
        )
    if not usable:
        notes.append(f"No control group: no unchanged listing of the category with {MIN_DAYS} days on each side.")
    units_total = sum(t_before.values()) + sum(t_after.values())
    if units_total < MIN_UNITS:
        notes.append(f"Too few units: {units_total:g} over both windows (at least {MIN_UNITS}).")
    sessions = [r.sessions for d, r in treated.items() if d in before_days + after_days and r.sessions is not None]
    if sessions and sum(sessions) < MIN_SESSIONS:
        notes.append(f"Too few sessions: {sum(sessions)} over both windows (at least {MIN_SESSIONS}).")
    base_t = _mean(list(t_before.values()))
    base_c = _mean([c_series[d] for d in before_days if d in c_series])
    if not base_t:
        notes.append("No units before the change: a relative change cannot be measured.")
    if usable and not base_c:
        notes.append("The control group sold nothing before the change: its relative change cannot be measured.")

    impact = None
    confidence = None
    lift_before: list[float] = []
    lift_after: list[float] = []
    if base_t and base_c:
        # each day's units relative to its own baseline, the control's subtracted: the before days average 0
        # (up to days without control data), the after days average the impact
        lift_before = [
            t_before[d] / base_t - c_series[d] / base_c for d in before_days if d in t_before and d in c_series
        ]
        lift_after = [t_after[d] / base_t - c_series[d] / base_c for d in after_days if d in t_after and d in c_series]
        rel_t = _mean(list(t_after.values()))
        rel_c = _mean([c_series[d] for d in after_days if d in c_series])
        if rel_t is not None and rel_c is not None:
            raw = Decimal(str(100 * ((rel_t / base_t - 1) - (rel_c / base_c - 1))))
            impact = max(-IMPACT_LIMIT, min(IMPACT_LIMIT, raw.quantize(Decimal("0.01"))))
    if notes:
        verdict = INCONCLUSIVE
    elif len(lift_before) < MIN_DAYS or len(lift_after) < MIN_DAYS:
        verdict = INCONCLUSIVE
        notes.append(f"Too few days where the listing and the control group both have data (at least {MIN_DAYS}).")
    else:
        t, df, p = welch(lift_before, lift_after)
        confidence = Decimal(str(100 * (1 - p))).quantize(Decimal("0.01"))
        notes.append(f"Welch's t = {t:.3f} with {df:.1f} degrees of freedom, p = {p:.4f}.")
        if confidence >= CONFIDENT and impact is not None and impact != 0:
            verdict = POSITIVE if impact > 0 else NEGATIVE
        else:
            verdict = NO_EFFECT
    return Analysis(
        metrics_before=metrics_before,
        metrics_after=metrics_after,
        control_before=control_before,
        control_after=control_after,
        impact_score=impact,
        confidence=confidence,
        verdict=verdict,
        confounders=confounders,
        notes=notes,
        daily=daily_series(before_days, after_days, {**t_before, **t_after}, c_series),
    )


# --- What a content version changed ---

CHANGE_TYPES = {
    "title": "title_update",
    "bullet_points": "bullet_update",
    "description": "description_update",
    "short_description": "description_update",
    "search_terms": "seo_update",
    "seo_title": "seo_update",
    "seo_description": "seo_update",
    "category_id": "category_change",
}


def content_change_type(changed_fields: Sequence[str], images_before: int, images_after: int) -> str:
    """The change_type of a content version from the fields it changed: one kind (`title_update`,
    `bullet_update`, `description_update`, `image_add` / `image_remove` / `image_update`, `seo_update`,
    `category_change`, `attribute_update`), or `content_update` when it changed several kinds."""
    kinds = set()
    for name in changed_fields:
        if name == "images":
            if images_after > images_before:
                kinds.add("image_add")
            elif images_after < images_before:
                kinds.add("image_remove")
            else:
                kinds.add("image_update")
        else:
            kinds.add(CHANGE_TYPES.get(name, "attribute_update"))
    if len(kinds) == 1:
        return kinds.pop()
    return "content_update"
