"""`{% listing_performance_charts listing as performance %}`: the listing page's performance section
(templates/analytics/_listing_performance.html, docs/analytics.md#performance-metrics)."""

from datetime import timedelta

from django import template
from django.utils import timezone

from analytics.performance_chart import ListingPerformance, listing_performance
from analytics.performance_selectors import listing_metrics
from listings.models import Listing

register = template.Library()

CHART_DAYS = 90


@register.simple_tag
def listing_performance_charts(listing: Listing, days: int = CHART_DAYS) -> ListingPerformance:
    last = timezone.localdate() - timedelta(days=1)  # today is not over yet
    first = last - timedelta(days=days - 1)
    rows = listing_metrics(listing, first, last)
    return listing_performance(rows, first, last, listing.channel.currency)
