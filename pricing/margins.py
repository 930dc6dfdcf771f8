"""Fees and net margin as pure functions (docs/pricing.md#fees-and-margins).

fees(P) = max(P × referral%, referral_min) + P × payment% + fixed + fulfilment
net margin = P/(1+tax) − landed − fees(P)   (P/(1+tax) only when the channel's prices include tax)
net margin % = net margin / (P/(1+tax))
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

CENT = Decimal("0.01")
HUNDRED = Decimal("100")
ZERO = Decimal("0")


class FeeTerms(Protocol):
    @property
    def referral_pct(self) -> Decimal: ...
    @property
    def referral_min(self) -> Decimal: ...
    @property
    def payment_pct(self) -> Decimal: ...
    @property
    def fixed_fee(self) -> Decimal: ...
    @property
    def fulfilment_fee(self) -> Decimal: ...
    @property
    def prices_include_tax(self) -> bool: ...
    @property
    def tax_rate(self) -> Decimal: ...


@dataclass(frozen=True)
class NoFees:
    """A channel without a fee row: nothing charged, prices without tax."""

    referral_pct: Decimal = ZERO
    referral_min: Decimal = ZERO
    payment_pct: Decimal = ZERO
    fixed_fee: Decimal = ZERO
    fulfilment_fee: Decimal = ZERO
    prices_include_tax: bool = False
    tax_rate: Decimal = ZERO


@dataclass(frozen=True)
class Fees:
    referral: Decimal
    referral_min_applied: bool
    payment: Decimal
    fixed: Decimal
    fulfilment: Decimal

    @property
    def total(self) -> Decimal:
        return self.referral + self.payment + self.fixed + self.fulfilment


@dataclass(frozen=True)
class Margin:
    price: Decimal
    net_price: Decimal  # without tax
    landed_cost: Decimal
    fees: Fees
    net_margin: Decimal
    net_margin_pct: Decimal | None  # None when the net price is 0
    floor_pct: Decimal

    @property
    def below_floor(self) -> bool:
        return self.net_margin_pct is None or self.net_margin_pct < self.floor_pct


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def fees_for(price: Decimal, terms: FeeTerms) -> Fees:
    """The fees of one unit sold at `price` (each part rounded to the cent)."""
    referral_pct = price * terms.referral_pct / HUNDRED
    referral = max(referral_pct, terms.referral_min)
    return Fees(
        referral=_money(referral),
        referral_min_applied=terms.referral_min > referral_pct,
        payment=_money(price * terms.payment_pct / HUNDRED),
        fixed=_money(terms.fixed_fee),
        fulfilment=_money(terms.fulfilment_fee),
    )


def net_price(price: Decimal, terms: FeeTerms) -> Decimal:
    if not terms.prices_include_tax:
        return price
    return _money(price / (1 + terms.tax_rate / HUNDRED))


def margin_for(price: Decimal, landed_cost: Decimal, terms: FeeTerms, *, floor_pct: Decimal) -> Margin:
    """Net margin of one unit at `price` given its landed cost (both in the channel's currency)."""
    fees = fees_for(price, terms)
    net = net_price(price, terms)
    margin = _money(net - landed_cost - fees.total)
    pct = (margin / net * HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP) if net else None
    return Margin(price, net, landed_cost, fees, margin, pct, floor_pct)
