"""`{% listing_attribution_charts listing as changes %}`: the listing page's "Changes and their effect" section
(templates/analytics/_listing_attribution.html, docs/analytics.md#the-listing-page-changes-and-their-effect)."""

from typing import Any

from django import template

from analytics.attribution_chart import attribution_chart
from analytics.attribution_selectors import LISTING_EVENTS, listing_attribution_events, version_numbers
from analytics.attribution_views import change_link
from listings.models import Listing

register = template.Library()


@register.simple_tag
def listing_attribution_charts(listing: Listing) -> dict[str, Any]:
    """The listing's newest measured changes, each with its chart, its diff link and its version number."""
    events = listing_attribution_events(listing.pk, LISTING_EVENTS + 1)
    shown = events[:LISTING_EVENTS]
    numbers = version_numbers(shown)
    rows = [
        {"event": e, "chart": attribution_chart(e.daily_units), "link": change_link(e, numbers),
         "version": numbers.get(e.change_id)}
        for e in shown
    ]  # fmt: skip
    return {"rows": rows, "more": len(events) > LISTING_EVENTS}
