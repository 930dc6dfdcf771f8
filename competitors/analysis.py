"""Pure rules of the competitors app: alert thresholds and severity, what changed between two observations,
and the threat score with its parts (docs/competitors.md#alerts, docs/competitors.md#threat-score).

No database access: services pass observations (or anything with the same attributes) and numbers in.
"""

import math
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from django.conf import settings

from .choices import SEVERITY_ORDER, AlertSeverity, AlertType

HUNDRED = Decimal("100")
CENT = Decimal("0.01")
# Fixed severities of the moves that have no size (docs/competitors.md#alerts).
FIXED_SEVERITY = {
    AlertType.OUT_OF_STOCK: AlertSeverity.MEDIUM,
    AlertType.BACK_IN_STOCK: AlertSeverity.MEDIUM,
    AlertType.BUY_BOX_LOST: AlertSeverity.MEDIUM,
    AlertType.BUY_BOX_WON: AlertSeverity.HIGH,
    AlertType.NEW_COMPETITOR: AlertSeverity.MEDIUM,
}
# Threat score parts and their maxima (sum 100).
PRICE_PART, BUY_BOX_PART, RANK_PART, ACTIVITY_PART = 40, 25, 20, 15
ACTIVITY_PER_CHANGE = 3  # points per price change in the last ACTIVITY_DAYS
ACTIVITY_DAYS = 7


@dataclass(frozen=True)
class Thresholds:
    """Four increasing steps each: a move below the first raises nothing; at or above step i its severity is
    low, medium, high, critical (i = 0..3)."""

    price_pct: tuple[Decimal, ...]
    rank_delta: tuple[int, ...]
    window: timedelta


def _steps(name: str, raw: Any, *, integer: bool) -> tuple[Any, ...]:
    values = raw if isinstance(raw, list | tuple) else str(raw).split(",")
    try:
        steps = tuple((int(str(v).strip()) if integer else Decimal(str(v).strip())) for v in values)
    except (ValueError, InvalidOperation):
        raise ValueError(f"{name} must be 4 comma-separated numbers (got {raw!r}).") from None
    if len(steps) != len(SEVERITY_ORDER):
        raise ValueError(f"{name} must give 4 steps (low, medium, high, critical); got {len(steps)}.")
    if steps[0] <= 0 or any(b <= a for a, b in zip(steps, steps[1:], strict=False)):
        raise ValueError(f"{name} must be positive and strictly increasing (got {', '.join(map(str, steps))}).")
    return steps


def thresholds_parse(*, price_pct: Any, rank_delta: Any, window_minutes: Any) -> Thresholds:
    """The thresholds from their settings; a bad value is a ValueError naming the setting."""
    try:
        minutes = int(window_minutes)
    except (TypeError, ValueError):
        minutes = -1
    if minutes < 1:
        raise ValueError(f"COMPETITORS_ALERT_WINDOW_MINUTES must be a whole number >= 1 (got {window_minutes!r}).")
    return Thresholds(
        price_pct=_steps("COMPETITORS_PRICE_PCT_THRESHOLDS", price_pct, integer=False),
        rank_delta=_steps("COMPETITORS_RANK_DELTA_THRESHOLDS", rank_delta, integer=True),
        window=timedelta(minutes=minutes),
    )


def thresholds() -> Thresholds:
    """The alert thresholds and window from settings (docs/competitors.md#settings)."""
    return thresholds_parse(
        price_pct=settings.COMPETITORS_PRICE_PCT_THRESHOLDS,
        rank_delta=settings.COMPETITORS_RANK_DELTA_THRESHOLDS,
        window_minutes=settings.COMPETITORS_ALERT_WINDOW_MINUTES,
    )


def severity_for(size: Decimal | int, steps: tuple[Any, ...]) -> str | None:
    """The severity of a move of `size` (absolute), or None below the first step."""
    level = None
    for step, severity in zip(steps, SEVERITY_ORDER, strict=True):
        if abs(size) >= step:
            level = severity
    return level


def severity_max(a: str, b: str) -> str:
    order = [str(s) for s in SEVERITY_ORDER]
    return max(str(a), str(b), key=order.index)


class Seen(Protocol):
    has_offer: bool
    landed_price: Decimal | None
    has_buy_box: bool
    sales_rank: int | None
    sellers: list[str]


@dataclass(frozen=True)
class Change:
    alert_type: str
    previous_value: str
    new_value: str
    change_pct: Decimal | None
    severity: str


def pct_change(old: Decimal | int, new: Decimal | int) -> Decimal:
    return ((Decimal(new) - Decimal(old)) * HUNDRED / Decimal(old)).quantize(CENT)


def price_change(old: Decimal, new: Decimal, thresholds: Thresholds) -> Change | None:
    pct = pct_change(old, new)
    severity = severity_for(pct, thresholds.price_pct)
    if severity is None:
        return None
    kind = AlertType.PRICE_DROP if new < old else AlertType.PRICE_INCREASE
    return Change(kind, str(old), str(new), pct, severity)


def rank_change(old: int, new: int, thresholds: Thresholds) -> Change | None:
    severity = severity_for(new - old, thresholds.rank_delta)
    if severity is None:
        return None
    return Change(AlertType.RANK_CHANGE, str(old), str(new), pct_change(old, new), severity)


def changes(previous: Seen, current: Seen, thresholds: Thresholds, *, watches_item: bool) -> list[Change]:
    """The moves between two observations worth an alert. `watches_item`: the competitor is a whole item (new
    sellers on it are new competitors); else one seller's offer (its buy box counts)."""
    out: list[Change] = []
    before, after = previous.landed_price, current.landed_price
    if previous.has_offer and current.has_offer and before is not None and after is not None and before != after:
        out += [c for c in [price_change(before, after, thresholds)] if c]
    if previous.has_offer and not current.has_offer:
        out.append(
            Change(AlertType.OUT_OF_STOCK, str(before), "no offer", None, FIXED_SEVERITY[AlertType.OUT_OF_STOCK])
        )
    if not previous.has_offer and current.has_offer:
        out.append(
            Change(AlertType.BACK_IN_STOCK, "no offer", str(after), None, FIXED_SEVERITY[AlertType.BACK_IN_STOCK])
        )
    if not watches_item and previous.has_buy_box != current.has_buy_box:
        kind = AlertType.BUY_BOX_WON if current.has_buy_box else AlertType.BUY_BOX_LOST
        out.append(Change(kind, str(previous.has_buy_box).lower(), str(current.has_buy_box).lower(), None,
                          FIXED_SEVERITY[kind]))  # fmt: skip
    if previous.sales_rank and current.sales_rank and previous.sales_rank != current.sales_rank:
        out += [c for c in [rank_change(previous.sales_rank, current.sales_rank, thresholds)] if c]
    if watches_item:
        new_sellers = sorted(set(current.sellers) - set(previous.sellers))
        if new_sellers:
            out.append(Change(AlertType.NEW_COMPETITOR, ", ".join(sorted(previous.sellers)), ", ".join(new_sellers),
                              None, FIXED_SEVERITY[AlertType.NEW_COMPETITOR]))  # fmt: skip
    return out


def threat(current: Seen | None, *, our_price: Decimal | None, price_changes: int) -> tuple[Decimal, dict[str, str]]:
    """The threat score (0-100) and its parts (docs/competitors.md#threat-score):

    - price (0-40): 20 at our price, +2 per % cheaper than us, -2 per % dearer; 20 when we have no linked price;
    - buy_box (0-25): 25 while the competitor holds the buy box;
    - rank (0-20): 20 x (1 - log10(rank) / 6): rank 1 = 20, rank 1,000 = 10, rank 1,000,000 = 0;
    - activity (0-15): 3 per price change in the last 7 days.
    Without an offer the price and buy-box parts are 0.
    """
    parts = {"price": Decimal("0"), "buy_box": Decimal("0"), "rank": Decimal("0"), "activity": Decimal("0")}
    if current is not None and current.has_offer and current.landed_price is not None:
        if our_price:
            cheaper_pct = (our_price - current.landed_price) * HUNDRED / our_price
            parts["price"] = min(Decimal(PRICE_PART), max(Decimal("0"), Decimal(PRICE_PART) / 2 + 2 * cheaper_pct))
        else:
            parts["price"] = Decimal(PRICE_PART) / 2
        if current.has_buy_box:
            parts["buy_box"] = Decimal(BUY_BOX_PART)
    if current is not None and current.sales_rank:
        share = max(0.0, min(1.0, 1 - math.log10(current.sales_rank) / 6))
        parts["rank"] = Decimal(str(RANK_PART * share))
    parts["activity"] = Decimal(min(ACTIVITY_PART, ACTIVITY_PER_CHANGE * price_changes))
    rounded = {name: value.quantize(CENT) for name, value in parts.items()}
    return sum(rounded.values(), Decimal("0")), {name: str(value) for name, value in rounded.items()}
