from dataclasses import dataclass
from decimal import Decimal

import pytest

from channels.rules import price_apply_rules, round_to_ending, stock_apply_rules


@dataclass
class Rule:
    price_currency_rate: Decimal = Decimal("1")
    price_adjust_type: str = "none"
    price_adjust_value: Decimal = Decimal("0")
    price_rounding_ending: Decimal | None = None
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    stock_percent: int = 100
    stock_buffer: int = 0
    stock_max: int | None = None
    minimum_stock: int | None = None
    minimum_stock_primary_id: int | None = None


@pytest.mark.parametrize(
    ("value", "ending", "expected"),
    [
        ("12.30", "0.99", "12.99"),
        ("12.99", "0.99", "12.99"),
        ("13.00", "0.99", "13.99"),
        ("13.00", "0.00", "13.00"),
        ("13.01", "0.00", "14.00"),
        ("7.96", "0.95", "8.95"),
    ],
    ids=["up_case", "exact_case", "whole_case", "whole_zero_case", "zero_up_case", "past_ending_case"],
)
def test_round_to_ending(value, ending, expected):
    assert round_to_ending(Decimal(value), Decimal(ending)) == Decimal(expected)


def test_no_rule_keeps_the_base_price():
    result = price_apply_rules(Decimal("19.90"), Rule())
    assert (result.value, result.steps) == (Decimal("19.90"), ())


def test_percent_markup_then_rounding_reports_each_step():
    result = price_apply_rules(
        Decimal("19.90"),
        Rule(price_adjust_type="percent", price_adjust_value=Decimal("10"), price_rounding_ending=Decimal("0.99")),
    )
    assert result.value == Decimal("21.99")
    assert result.steps == ("+10 % = 21.89", "rounded to .99 = 21.99")


def test_fixed_discount_and_currency_rate():
    result = price_apply_rules(
        Decimal("10.00"),
        Rule(price_currency_rate=Decimal("4.4"), price_adjust_type="fixed", price_adjust_value=Decimal("-2.50")),
    )
    assert result.value == Decimal("41.50")
    assert result.steps == ("× rate 4.4 = 44.00", "-2.50 fixed = 41.50")


def test_minimum_and_maximum_clamp():
    low = price_apply_rules(Decimal("3.00"), Rule(price_min=Decimal("5.00")))
    high = price_apply_rules(Decimal("300.00"), Rule(price_max=Decimal("250.00")))
    unclamped = price_apply_rules(Decimal("3.00"), Rule(price_min=Decimal("5.00")), clamp=False)
    assert (low.value, low.steps) == (Decimal("5.00"), ("raised to channel minimum 5.00",))
    assert (high.value, high.steps) == (Decimal("250.00"), ("lowered to channel maximum 250.00",))
    assert unclamped.value == Decimal("3.00")


@pytest.mark.parametrize(
    ("available", "rule", "expected", "steps"),
    [
        (40, Rule(), 40, ()),
        (45, Rule(stock_percent=50), 22, ("50 % of 45 = 22",)),
        (10, Rule(stock_buffer=3), 7, ("minus buffer 3 = 7",)),
        (2, Rule(stock_buffer=3), 0, ("minus buffer 3 = 0",)),
        (500, Rule(stock_max=100), 100, ("capped at 100",)),
        (-4, Rule(), 0, ()),
        (
            2,
            Rule(minimum_stock=3, minimum_stock_primary_id=9),
            0,
            ("below minimum stock 3: 0 here, sold on the primary",),
        ),
        (3, Rule(minimum_stock=3, minimum_stock_primary_id=9, stock_buffer=1), 2, ("minus buffer 1 = 2",)),
        (2, Rule(minimum_stock=3), 2, ()),
        (
            100,
            Rule(stock_percent=80, stock_buffer=5, stock_max=50),
            50,
            ("80 % of 100 = 80", "minus buffer 5 = 75", "capped at 50"),
        ),
    ],
    ids=[
        "plain_case",
        "percent_case",
        "buffer_case",
        "buffer_floor_case",
        "max_case",
        "negative_case",
        "minimum_below_case",
        "minimum_at_case",
        "minimum_without_primary_case",
        "all_case",
    ],
)
def test_stock_rules(available, rule, expected, steps):
    result = stock_apply_rules(available, rule)
    assert (result.value, result.steps) == (expected, steps)
