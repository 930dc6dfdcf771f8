"""FilterSet of listings, shared by the staff listing pages and the API."""

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from accounts.roles import user_channels

from .choices import ListingStatus
from .models import Listing

LISTING_SORTS: dict[str, tuple[str, ...]] = {
    "id": ("id",),
    "status": ("status", "id"),
    "channel": ("channel_id", "id"),
    "updated": ("updated_at", "id"),
    "pushed": ("last_pushed_at", "id"),
}


LISTING_READINESS_CHOICES = [
    ("ready", "No blocking issue"),
    ("blocked", "At least one blocking issue"),
    ("unchecked", "Not checked yet"),
]


class ListingFilterSet(django_filters.FilterSet):
    """Listings by channel, status, product text (SKU prefix / title), stored readiness verdict, errors; sortable."""

    q = django_filters.CharFilter(
        method="filter_search",
        label="Search",
        widget=forms.TextInput(attrs={"placeholder": "SKU or title", "type": "search"}),
    )
    channel = django_filters.ModelChoiceFilter(queryset=user_channels, empty_label="Any channel")
    status = django_filters.MultipleChoiceFilter(
        choices=ListingStatus.choices, widget=forms.SelectMultiple(attrs={"size": 1})
    )
    product = django_filters.NumberFilter(field_name="product_id", widget=forms.HiddenInput)
    readiness = django_filters.ChoiceFilter(
        choices=LISTING_READINESS_CHOICES, method="filter_readiness", label="Readiness", empty_label="Any readiness"
    )
    has_error = django_filters.BooleanFilter(method="filter_has_error", label="Has an error")
    changed_since_push = django_filters.BooleanFilter(
        field_name="changed_since_push", label="Changes not pushed", widget=forms.NullBooleanSelect
    )
    sort = django_filters.ChoiceFilter(
        method="filter_sort",
        label="Sort",
        empty_label="Newest first",
        choices=[(k, k) for k in LISTING_SORTS] + [(f"-{k}", f"-{k}") for k in LISTING_SORTS],
    )

    class Meta:
        model = Listing
        fields = ["q", "channel", "status", "product", "readiness"]

    def filter_search(self, queryset: QuerySet[Listing], name: str, value: str) -> QuerySet[Listing]:
        term = value.strip()
        if not term:
            return queryset
        return queryset.filter(
            Q(product__sku__istartswith=term) | Q(product__title__icontains=term) | Q(variant__sku__istartswith=term)
        )

    def filter_has_error(self, queryset: QuerySet[Listing], name: str, value: bool | None) -> QuerySet[Listing]:
        if value is None:
            return queryset
        return queryset.exclude(last_error_message="") if value else queryset.filter(last_error_message="")

    def filter_readiness(self, queryset: QuerySet[Listing], name: str, value: str) -> QuerySet[Listing]:
        """From the stored verdict (kept fresh by listings_readiness_refresh), so any number of rows is fine."""
        if value == "ready":
            return queryset.filter(readiness_blocking=0)
        if value == "blocked":
            return queryset.filter(readiness_blocking__gt=0)
        if value == "unchecked":
            return queryset.filter(readiness_blocking__isnull=True)
        return queryset

    def filter_sort(self, queryset: QuerySet[Listing], name: str, value: str) -> QuerySet[Listing]:
        return queryset

    @property
    def qs(self) -> QuerySet[Listing]:
        if not hasattr(self, "_sorted_qs"):
            queryset = super().qs
            sort = (self.form.cleaned_data.get("sort") if self.is_bound else "") or "-id"
            fields: Any = LISTING_SORTS.get(sort.lstrip("-"), ("id",))
            if sort.startswith("-"):
                fields = tuple(f"-{f}" for f in fields)
            self._sorted_qs = queryset.order_by(*fields)
        return self._sorted_qs
