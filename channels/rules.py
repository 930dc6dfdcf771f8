"""Price and stock rules of a channel (Sellbrite / Marketplace Connect style), as pure functions.

Each function returns the value and the list of steps that produced it, so pages can show
"19.90 × 4.4 = 87.56, +10 % = 96.32, rounded to .99 = 96.99".
"""

from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Protocol

from .choices import PriceAdjustType

CENT = Decimal("0.01")


class PriceRule(Protocol):
    price_currency_rate: Decimal
    price_adjust_type: str
    price_adjust_value: Decimal
    price_rounding_ending: Decimal | None
    price_min: Decimal | None
    price_max: Decimal | None


class StockRule(Protocol):
    stock_percent: int
    stock_buffer: int
    stock_max: int | None
    minimum_stock: int | None
    minimum_stock_primary_id: int | None


@dataclass(frozen=True)
class RuleResult:
    value: Decimal | int
    steps: tuple[str, ...]


def round_to_ending(value: Decimal, ending: Decimal) -> Decimal:
    """Round up to the next price that ends in `ending` (0.99: 12.30 -> 12.99, 12.99 stays, 13.00 -> 13.99)."""
    candidate = value.to_integral_value(rounding=ROUND_FLOOR) + ending
    if candidate < value:
        candidate += 1
    return candidate.quantize(CENT)


def price_apply_rules(base: Decimal, rule: PriceRule, *, clamp: bool = True) -> RuleResult:
    """Base price -> channel price: currency rate, then ± percent or fixed, then rounding, then min/max."""
    value = Decimal(base)
    steps: list[str] = []
    rate = Decimal(rule.price_currency_rate or 1)
    if rate != 1:
        value = (value * rate).quantize(CENT, rounding=ROUND_HALF_UP)
        steps.append(f"× rate {rate.normalize()} = {value}")
    adjust = Decimal(rule.price_adjust_value or 0)
    if rule.price_adjust_type == PriceAdjustType.PERCENT and adjust:
        value = (value * (1 + adjust / 100)).quantize(CENT, rounding=ROUND_HALF_UP)
        steps.append(f"{adjust:+} % = {value}")
    elif rule.price_adjust_type == PriceAdjustType.FIXED and adjust:
        value = (value + adjust).quantize(CENT)
        steps.append(f"{adjust:+} fixed = {value}")
    if rule.price_rounding_ending is not None:
        rounded = round_to_ending(value, Decimal(rule.price_rounding_ending))
        if rounded != value:
            steps.append(f"rounded to .{int(rule.price_rounding_ending * 100):02d} = {rounded}")
        value = rounded
    if clamp and rule.price_min is not None and value < rule.price_min:
        value = Decimal(rule.price_min)
        steps.append(f"raised to channel minimum {value}")
    if clamp and rule.price_max is not None and value > rule.price_max:
        value = Decimal(rule.price_max)
        steps.append(f"lowered to channel maximum {value}")
    return RuleResult(value=value.quantize(CENT), steps=tuple(steps))


def holds_last_units(available: int, rule: StockRule) -> bool:
    """Minimum stock control: below the channel's minimum, it advertises 0 so the last units sell on the primary
    channel only (docs/orders.md#minimum-stock-control). Off unless both the minimum and the primary are set."""
    minimum = rule.minimum_stock
    return minimum is not None and rule.minimum_stock_primary_id is not None and max(int(available), 0) < minimum


def stock_apply_rules(available: int, rule: StockRule) -> RuleResult:
    """Available stock -> quantity offered on the channel: minimum stock control, then percent (rounded down),
    minus buffer, capped."""
    value = max(int(available), 0)
    steps: list[str] = []
    if holds_last_units(value, rule):
        return RuleResult(value=0, steps=(f"below minimum stock {rule.minimum_stock}: 0 here, sold on the primary",))
    if rule.stock_percent != 100:
        value = int((Decimal(value) * rule.stock_percent / 100).to_integral_value(rounding=ROUND_FLOOR))
        steps.append(f"{rule.stock_percent} % of {available} = {value}")
    if rule.stock_buffer:
        value = max(value - rule.stock_buffer, 0)
        steps.append(f"minus buffer {rule.stock_buffer} = {value}")
    if rule.stock_max is not None and value > rule.stock_max:
        value = rule.stock_max
        steps.append(f"capped at {value}")
    return RuleResult(value=value, steps=tuple(steps))
