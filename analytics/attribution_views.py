"""The "Changes and their effect" page (docs/analytics.md#attribution): every measured change with its
before/after figures, its chart (the listing page's SVG, from the event's own `daily_units`: no query), the control
group's figures, the impact, the confidence, the verdict and the confounders."""

from typing import Any

from django.core.paginator import Paginator
from django.urls import reverse
from django.views.generic import TemplateView

from accounts.mixins import StaffReadMixin

from .attribution import MIN_DAYS, WINDOW_DAYS
from .attribution_chart import attribution_chart
from .attribution_filters import AttributionEventFilterSet
from .attribution_selectors import attribution_event_list, version_numbers
from .models import AttributionEvent, ChangeKind

PAGE_SIZE = 50


def change_link(event: AttributionEvent, numbers: dict[int, int]) -> str:
    """The version diff (this version against the one before) or, for a price, the listing's page."""
    if event.change_kind == ChangeKind.LISTING_VERSION and event.change_id in numbers:
        number = numbers[event.change_id]
        url = reverse("listings:listing_compare", args=[event.listing_id])
        return f"{url}?a={number - 1}&b={number}"
    return reverse("listings:listing_detail", args=[event.listing_id])


class AttributionListView(StaffReadMixin, TemplateView):
    template_name = "analytics/attribution_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        filterset = AttributionEventFilterSet(
            self.request.GET, queryset=attribution_event_list(user=self.request.user), request=self.request
        )
        context = super().get_context_data(
            filter=filterset, form=filterset.form, window_days=WINDOW_DAYS, min_days=MIN_DAYS, **kwargs
        )
        if not filterset.is_valid():
            return context | {"rows": [], "page_obj": None}
        page = Paginator(filterset.qs, PAGE_SIZE).get_page(self.request.GET.get("page"))
        events = list(page.object_list)
        numbers = version_numbers(events)
        rows = [
            {"event": e, "chart": attribution_chart(e.daily_units), "link": change_link(e, numbers),
             "version": numbers.get(e.change_id)}
            for e in events
        ]  # fmt: skip
        return context | {"rows": rows, "page_obj": page}
