"""`{% listing_performance_charts listing as performance %}`: the listing page's performance section
(templates/analytics/_listing_performance.html, docs/analytics.md#performance-metrics); `{% performance_pull_form
user as pull_form %}`: its "Pull now" form, or None for a user who may not pull."""

from datetime import timedelta
from typing import Any

from django import template
from django.utils import timezone

from accounts.roles import can_edit
from analytics.forms import PerformancePullForm
from analytics.performance_chart import ListingPerformance, listing_performance
from analytics.performance_selectors import listing_metrics
from analytics.performance_views import PULL_AREA
from listings.models import Listing

register = template.Library()

CHART_DAYS = 90


@register.simple_tag
def listing_performance_charts(listing: Listing, days: int = CHART_DAYS) -> ListingPerformance:
    last = timezone.localdate() - timedelta(days=1)  # today is not over yet
    first = last - timedelta(days=days - 1)
    rows = listing_metrics(listing, first, last)
    return listing_performance(rows, first, last, listing.channel.currency)


@register.simple_tag
def performance_pull_form(user: Any) -> PerformancePullForm | None:
    """The "Pull now" form for a user who may pull (the edit right of PULL_AREA), else None."""
    return PerformancePullForm(user=user) if can_edit(user, PULL_AREA) else None
