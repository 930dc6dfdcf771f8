"""`{% listing_price_chart listing as chart %}`: the listing page's price history chart
(templates/pricing/_price_history_chart.html, docs/pricing.md#price-history)."""

from datetime import timedelta

from django import template
from django.utils import timezone

from listings.models import Listing
from pricing.history_chart import PriceChart, price_chart
from pricing.history_selectors import price_history_series
from pricing.margins import NoFees
from pricing.rules import floor_price
from pricing.selectors import listing_costs

register = template.Library()

CHART_DAYS = 90


@register.simple_tag
def listing_price_chart(listing: Listing) -> PriceChart:
    now = timezone.now()
    costs = listing_costs(listing)
    floor = None
    if costs.landed_cost is not None:
        terms = costs.fee if costs.fee is not None else NoFees()
        floor = floor_price(landed_cost=costs.landed_cost, terms=terms, floor_pct=costs.floor_pct)
    return price_chart(
        series=price_history_series(listing=listing, days=CHART_DAYS, now=now),
        start=now - timedelta(days=CHART_DAYS),
        end=now,
        price_min=listing.channel.price_min,
        price_max=listing.channel.price_max,
        floor=floor,
    )
