"""FilterSet of the attribution events, shared by the page and the API (docs/analytics.md#attribution)."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from listings.filters import ListingScopedFilterSet, ListingScopeForm
from listings.models import Listing

from .models import AttributionChangeType, AttributionEvent, Verdict

DATE_ERRORS = {"invalid": "Enter a date as YYYY-MM-DD."}
DATE_WIDGET = forms.DateInput(attrs={"type": "date"})


class AttributionFilterForm(ListingScopeForm):
    def clean_listing(self) -> Any:
        listing = self.cleaned_data.get("listing")
        if listing is not None and not Listing.objects.filter(pk=listing).exists():
            raise ValidationError(f"Listing {listing} does not exist.")
        return listing

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("from"), data.get("to")
        if start and end and start > end:
            self.add_error("from", f"'from' ({start.isoformat()}) is after 'to' ({end.isoformat()}).")
        return data


def day_start(day: date) -> datetime | None:
    """The first instant of a local day (TIME_ZONE): the change day is the local day of its timestamp. None for
    a day at the edge of the calendar (0001-01-01, 9999-12-31 + 1) that has no such instant in UTC."""
    try:
        start = timezone.make_aware(datetime.combine(day, time.min))
        start.astimezone(UTC)
    except OverflowError:
        return None
    return start


class AttributionEventFilterSet(ListingScopedFilterSet):
    """`listing` (id), `change_type`, `verdict`, and `from` / `to`: the local days (inclusive) the change was
    made in."""

    # From the listing page's link; the page names the listing (templates/includes/listing_scope.html).
    listing = django_filters.NumberFilter(
        field_name="listing_id", min_value=1, label="Listing", widget=forms.HiddenInput
    )
    change_type = django_filters.ChoiceFilter(
        choices=AttributionChangeType.choices, label="Change", empty_label="Any change"
    )
    verdict = django_filters.ChoiceFilter(choices=Verdict.choices, label="Verdict", empty_label="Any verdict")
    from_ = django_filters.DateFilter(
        method="changed_from", label="Changed from", error_messages=DATE_ERRORS, widget=DATE_WIDGET
    )
    to = django_filters.DateFilter(
        method="changed_to", label="Changed to", error_messages=DATE_ERRORS, widget=DATE_WIDGET
    )

    class Meta:
        model = AttributionEvent
        fields = ["listing", "change_type", "verdict"]
        form = AttributionFilterForm

    def changed_from(self, queryset: QuerySet[AttributionEvent], name: str, value: date) -> QuerySet[AttributionEvent]:
        start = day_start(value)
        return queryset if start is None else queryset.filter(change_timestamp__gte=start)

    def changed_to(self, queryset: QuerySet[AttributionEvent], name: str, value: date) -> QuerySet[AttributionEvent]:
        end = day_start(value + timedelta(days=1)) if value < date.max else None
        return queryset if end is None else queryset.filter(change_timestamp__lt=end)


# `from` is a Python keyword: declared as `from_` and renamed, so the query parameter and the schema say `from`
# (and `to` moved after it, so the page's form reads "Changed from", "Changed to").
AttributionEventFilterSet.base_filters["from"] = AttributionEventFilterSet.base_filters.pop("from_")
AttributionEventFilterSet.base_filters["to"] = AttributionEventFilterSet.base_filters.pop("to")
