"""The landed cost formula with worked numbers (docs/pricing.md#landed-cost): pure functions, no database."""

from datetime import date
from decimal import Decimal as D

import pytest

from inventory.costing import (
    ComponentInfo,
    CostProblem,
    LineInput,
    PriceRow,
    choose_price,
    convert,
    merged_lines,
    unit_landed,
)

TODAY = date(2026, 6, 1)
RATES = {"USD": D("1"), "GBP": D("0.8"), "EUR": D("0.9")}


def row(pk, *, supplier=1, unit="2.00", currency="USD", min_q=1, frm=date(2026, 1, 1), to=None, duty="0", ship="0"):
    return PriceRow(pk, 10, supplier, f"Supplier {supplier}", D(unit), currency, min_q, frm, to, D(duty), D(ship))


def landed(lines, components, *, batch=1, currency="USD", overhead="10"):
    return unit_landed(
        lines,
        components,
        batch=batch,
        today=TODAY,
        currency=currency,
        rates=RATES,
        overhead_pct=D(overhead),
        expiry_days=14,
    )


def test_worked_example_duty_shipping_overhead():
    # given 3 × (2.00 × 1.05 + 0.30) = 7.20 and 1 × (override 1.50) = 1.50: subtotal 8.70
    screw = ComponentInfo(10, "Screw", None, (row(1, unit="2.00", duty="5", ship="0.30"),))
    box = ComponentInfo(11, "Box", None, ())
    lines = [LineInput(1, 10, D("3"), None, "product"), LineInput(2, 11, D("1"), D("1.50"), "product")]
    # when
    result = landed(lines, {10: screw, 11: box})
    # then 8.70 × 1.10 = 9.57
    assert result.subtotal == D("8.70")
    assert result.landed_cost == D("9.57")
    assert [(c.component_name, c.unit_source, c.price_row, c.line_total) for c in result.lines] == [
        ("Screw", "cheapest supplier", 1, D("7.20")),
        ("Box", "override", None, D("1.50")),
    ]


def test_currency_conversion_gbp_price_into_usd_unit():
    # given 4.00 GBP at 0.8 GBP per USD = 5.00 USD, shipping 0.40 GBP = 0.50 USD
    part = ComponentInfo(10, "Part", None, (row(1, unit="4.00", currency="GBP", ship="0.40"),))
    # when
    result = landed([LineInput(1, 10, D("2"), None, "product")], {10: part}, overhead="0")
    # then 2 × (5.00 + 0.50) = 11.00
    assert result.landed_cost == D("11.00")
    assert result.lines[0].original == "4.00 GBP"


def test_quantity_break_largest_minimum_not_above_the_batch_case():
    rows = (row(1, unit="3.00", min_q=1), row(2, unit="2.50", min_q=100), row(3, unit="2.00", min_q=500))
    part = ComponentInfo(10, "Part", None, rows)
    picks = {
        batch: choose_price(part, batch=batch, today=TODAY, currency="USD", rates=RATES)[0].id
        for batch in (1, 99, 100, 499, 500, 10_000)
    }
    assert picks == {1: 1, 99: 1, 100: 2, 499: 2, 500: 3, 10_000: 3}


def test_validity_window_skips_expired_and_future_rows_case():
    rows = (
        row(1, unit="1.00", frm=date(2025, 1, 1), to=date(2026, 5, 31)),  # ended yesterday
        row(2, unit="1.10", frm=date(2026, 6, 2)),  # starts tomorrow
        row(3, unit="1.50", frm=date(2026, 6, 1), to=date(2026, 6, 1)),  # today only
    )
    part = ComponentInfo(10, "Part", None, rows)
    assert choose_price(part, batch=1, today=TODAY, currency="USD", rates=RATES)[0].id == 3


def test_preferred_supplier_beats_cheaper_supplier_and_alerts():
    rows = (row(1, supplier=1, unit="3.00"), row(2, supplier=2, unit="2.00"))
    part = ComponentInfo(10, "Part", 1, rows)
    result = landed([LineInput(1, 10, D("1"), None, "product")], {10: part}, overhead="0")
    assert (result.lines[0].price_row, result.lines[0].unit_source) == (1, "preferred supplier")
    assert result.landed_cost == D("3.00")
    assert result.alerts == ("Part: cheaper price #2 at Supplier 2: 2.00 vs 3.00 USD per unit.",)


def test_without_preferred_the_cheapest_delivered_cost_wins():
    # supplier 1: 2.00 + 1.00 shipping = 3.00; supplier 2: 2.50 GBP = 3.125 USD
    rows = (row(1, supplier=1, unit="2.00", ship="1.00"), row(2, supplier=2, unit="2.50", currency="GBP"))
    part = ComponentInfo(10, "Part", None, rows)
    assert choose_price(part, batch=1, today=TODAY, currency="USD", rates=RATES) == (rows[0], "cheapest supplier")


def test_preferred_supplier_without_a_valid_row_falls_back_to_cheapest():
    rows = (row(1, supplier=1, unit="1.00", to=date(2026, 1, 31)), row(2, supplier=2, unit="2.00"))
    part = ComponentInfo(10, "Part", 1, rows)
    assert choose_price(part, batch=1, today=TODAY, currency="USD", rates=RATES) == (rows[1], "cheapest supplier")


def test_expiry_and_cheaper_break_alerts():
    rows = (row(1, unit="3.00", to=date(2026, 6, 10)), row(2, unit="2.00", min_q=50))
    part = ComponentInfo(10, "Part", None, rows)
    result = landed([LineInput(1, 10, D("1"), None, "product")], {10: part})
    assert result.alerts == (
        "Part: price #1 from Supplier 1 expires on 2026-06-10.",
        "Part: cheaper price #2 from 50 units: 2.00 vs 3.00 USD per unit.",
    )


def test_no_valid_price_is_a_problem_not_a_zero():
    part = ComponentInfo(10, "Part", None, (row(1, frm=date(2027, 1, 1)),))
    result = landed([LineInput(1, 10, D("1"), None, "product")], {10: part})
    assert result.landed_cost is None
    assert "Component 'Part' (#10) has no current price valid on 2026-06-01" in result.problem


def test_unknown_currency_rate_is_a_problem():
    with pytest.raises(CostProblem, match="No exchange rate for 'JPY'"):
        convert(D("1"), "JPY", "USD", RATES)


def test_variant_line_replaces_product_line_for_same_component():
    product = [LineInput(1, 10, D("1"), None, "product"), LineInput(2, 11, D("2"), None, "product")]
    variant = [LineInput(3, 11, D("5"), None, "variant"), LineInput(4, 12, D("1"), None, "variant")]
    assert [line.id for line in merged_lines(product, variant)] == [1, 3, 4]
