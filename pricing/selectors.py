"""Reads for fees and margins: the fee row of a listing, its landed cost in the channel's currency, its margin.

`listing_costs` is the live calculation with the whole breakdown (listing page, `GET /api/v1/listings/{id}/costs/`);
`listings_margins` is the list version that reads the stored landed costs (pricing table).
"""

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from accounts.runtime_settings import runtime_setting
from inventory.cost_models import LandedCost
from inventory.cost_selectors import rates_map, unit_landed_cost
from inventory.costing import CostProblem, LandedResult, convert
from listings.effective import EffectiveValue, effective_price
from listings.models import Listing

from .margins import FeeTerms, Margin, NoFees, margin_for
from .models import ChannelFee, FeeEstimate

CENT = Decimal("0.01")


def default_margin_floor() -> Decimal:
    return Decimal(str(runtime_setting("pricing.default_margin_floor")))


def channel_fee_list() -> QuerySet[ChannelFee]:
    return ChannelFee.objects.select_related("channel", "category").order_by("channel__name", "category__path", "id")


def fees_by_channel(channel_ids: Collection[int]) -> dict[int, list[ChannelFee]]:
    rows: defaultdict[int, list[ChannelFee]] = defaultdict(list)
    for fee in ChannelFee.objects.filter(channel_id__in=channel_ids).select_related("category"):
        rows[fee.channel_id].append(fee)
    return rows


def _depth(fee: ChannelFee) -> int:
    """How specific a fee row is: -1 for the channel's row, else its category's path length."""
    return len(fee.category.path) if fee.category is not None else -1


def fee_row_for(rows: Sequence[ChannelFee], category_path: str | None) -> ChannelFee | None:
    """The row of the deepest category containing the product's category, else the channel's row without one."""
    matching = [
        fee
        for fee in rows
        if fee.category is None or (category_path is not None and category_path.startswith(fee.category.path))
    ]
    return max(matching, key=_depth, default=None)


def floor_for(fee: ChannelFee | None) -> Decimal:
    if fee is not None and fee.margin_floor_pct is not None:
        return Decimal(fee.margin_floor_pct)
    return default_margin_floor()


@dataclass(frozen=True)
class ListingCosts:
    listing: Listing
    price: EffectiveValue[Decimal]
    currency: str  # the channel's
    landed: LandedResult  # in the product's currency, with its breakdown when live
    landed_cost: Decimal | None  # in the channel's currency
    conversion: str  # e.g. "12.00 USD → 52.80 MYR"; empty when no conversion
    fee: ChannelFee | None
    margin: Margin | None
    floor_pct: Decimal
    problem: str
    estimate: FeeEstimate | None = None  # the Amazon estimate whose fulfilment fee was used


def fee_terms(fee: ChannelFee | None, estimate: FeeEstimate | None = None) -> FeeTerms:
    """The terms a listing's margin is computed with: its fee row, with the fulfilment fee of its Amazon estimate
    when the row says so and the estimate has one (docs/pricing.md#amazon-fee-estimates)."""
    if fee is None:
        return NoFees()
    if fee.use_fee_estimates and estimate is not None and estimate.fulfilment_fee is not None and not estimate.error:
        return NoFees(
            referral_pct=fee.referral_pct,
            referral_min=fee.referral_min,
            payment_pct=fee.payment_pct,
            fixed_fee=fee.fixed_fee,
            fulfilment_fee=estimate.fulfilment_fee,
            prices_include_tax=fee.prices_include_tax,
            tax_rate=fee.tax_rate,
        )
    return fee


def _costs(
    listing: Listing,
    landed: LandedResult,
    fee: ChannelFee | None,
    rates: dict[str, Decimal],
    estimate: FeeEstimate | None = None,
) -> ListingCosts:
    price = effective_price(listing)
    channel_currency = listing.channel.currency
    amount, conversion, problem = None, "", landed.problem
    if landed.landed_cost is not None:
        try:
            amount = convert(landed.landed_cost, landed.currency, channel_currency, rates).quantize(CENT)
        except CostProblem as exc:
            problem = str(exc)
        else:
            if landed.currency != channel_currency:
                conversion = f"{landed.landed_cost} {landed.currency} → {amount} {channel_currency}"
    terms = fee_terms(fee, estimate)
    floor = floor_for(fee)
    margin = margin_for(price.value, amount, terms, floor_pct=floor) if amount is not None else None
    used = estimate if terms is not fee and fee is not None else None
    return ListingCosts(listing, price, channel_currency, landed, amount, conversion, fee, margin, floor, problem, used)


def listing_costs(listing: Listing) -> ListingCosts:
    """The live costs of one listing: landed cost with its breakdown, fees, net margin and margin %."""
    landed = unit_landed_cost(product=listing.product, variant=listing.variant if listing.variant_id else None)
    path = listing.product.category.path if listing.product.category is not None else None
    fee = fee_row_for(fees_by_channel([listing.channel_id])[listing.channel_id], path)
    estimate = (
        FeeEstimate.objects.filter(listing=listing).first() if fee is not None and fee.use_fee_estimates else None
    )
    return _costs(listing, landed, fee, rates_map(), estimate)


def listings_margins(listings: Sequence[Listing]) -> list[ListingCosts]:
    """Costs of many listings (product, variant, channel and category loaded) from the stored landed costs:
    three queries whatever the number of listings (four when a channel uses Amazon fee estimates)."""
    product_ids = {listing.product_id for listing in listings}
    stored = {(row.product_id, row.variant_id): row for row in LandedCost.objects.filter(product_id__in=product_ids)}
    fees = fees_by_channel({listing.channel_id for listing in listings})
    rates = rates_map()
    estimating = {c for c, rows in fees.items() if any(row.use_fee_estimates for row in rows)}
    wanted = [listing.pk for listing in listings if listing.channel_id in estimating]
    estimates = {e.listing_id: e for e in FeeEstimate.objects.filter(listing_id__in=wanted)} if wanted else {}
    result = []
    for listing in listings:
        product = listing.product
        row = stored.get((listing.product_id, listing.variant_id))
        if row is not None:
            landed = LandedResult("bom", row.currency, row.landed_cost, problem=row.problem, alerts=tuple(row.alerts))
        elif product.cost_price is not None:
            landed = LandedResult("cost_price", product.currency, product.cost_price)
        else:
            landed = LandedResult("none", product.currency, None, problem="No BOM and no cost price.")
        path = product.category.path if product.category is not None else None
        fee = fee_row_for(fees[listing.channel_id], path)
        result.append(_costs(listing, landed, fee, rates, estimates.get(listing.pk)))
    return result
