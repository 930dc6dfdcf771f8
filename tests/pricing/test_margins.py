"""Fees and net margin with worked numbers (docs/pricing.md#fees-and-margins): pure functions."""

from decimal import Decimal as D

from pricing.margins import NoFees, fees_for, margin_for

AMAZON_UK = NoFees(
    referral_pct=D("15"),
    referral_min=D("0.25"),
    payment_pct=D("0"),
    fixed_fee=D("0.50"),
    fulfilment_fee=D("2.70"),
    prices_include_tax=True,
    tax_rate=D("20"),
)


def test_tax_inclusive_price_worked_example():
    # given P = 24.00 incl. 20 % VAT, landed 8.00
    margin = margin_for(D("24.00"), D("8.00"), AMAZON_UK, floor_pct=D("20"))
    # then fees = 3.60 + 0 + 0.50 + 2.70 = 6.80; net price 20.00; margin 20.00 - 8.00 - 6.80 = 5.20 (26.00 %)
    assert (margin.fees.referral, margin.fees.total) == (D("3.60"), D("6.80"))
    assert margin.net_price == D("20.00")
    assert margin.net_margin == D("5.20")
    assert margin.net_margin_pct == D("26.00")
    assert margin.below_floor is False


def test_referral_minimum_applies_to_a_cheap_item():
    # given P = 1.20: 15 % = 0.18 is under the 0.25 minimum
    fees = fees_for(D("1.20"), AMAZON_UK)
    assert (fees.referral, fees.referral_min_applied) == (D("0.25"), True)
    assert fees.total == D("3.45")


def test_prices_without_tax_and_payment_percent():
    terms = NoFees(referral_pct=D("10"), payment_pct=D("3"), fixed_fee=D("0.30"))
    margin = margin_for(D("50.00"), D("30.00"), terms, floor_pct=D("20"))
    # fees 5.00 + 1.50 + 0.30 = 6.80; margin 50 - 30 - 6.80 = 13.20 = 26.40 %
    assert margin.net_margin == D("13.20")
    assert margin.net_margin_pct == D("26.40")


def test_below_floor_flag():
    margin = margin_for(D("10.00"), D("9.00"), NoFees(), floor_pct=D("20"))
    assert (margin.net_margin, margin.net_margin_pct, margin.below_floor) == (D("1.00"), D("10.00"), True)
