"""`{% listing_costs listing as costs %}`: the live cost calculation of a listing for the listing page include
(templates/pricing/_listing_costs.html)."""

from django import template

from listings.models import Listing
from pricing.selectors import ListingCosts, listing_costs

register = template.Library()


@register.simple_tag
def listing_costs_for(listing: Listing) -> ListingCosts:
    return listing_costs(listing)
