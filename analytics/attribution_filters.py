"""FilterSet of the attribution events, shared by the page and the API (docs/analytics.md#attribution)."""

from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError

from listings.models import Listing

from .models import AttributionChangeType, AttributionEvent, Verdict


class AttributionFilterForm(forms.Form):
    def clean_listing(self) -> Any:
        listing = self.cleaned_data.get("listing")
        if listing is not None and not Listing.objects.filter(pk=listing).exists():
            raise ValidationError(f"Listing {listing} does not exist.")
        return listing


class AttributionEventFilterSet(django_filters.FilterSet):
    """`listing` (id), `change_type` and `verdict`."""

    listing = django_filters.NumberFilter(field_name="listing_id", min_value=1, label="Listing id")
    change_type = django_filters.ChoiceFilter(choices=AttributionChangeType.choices, label="Change")
    verdict = django_filters.ChoiceFilter(choices=Verdict.choices)

    class Meta:
        model = AttributionEvent
        fields = ["listing", "change_type", "verdict"]
        form = AttributionFilterForm
