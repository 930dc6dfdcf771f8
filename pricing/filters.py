"""FilterSets of the pricing app, shared by the pages and the API."""

from typing import Any

import django_filters
from django.db.models import F, OrderBy

from .models import ChannelFee, ListingMargin


class NullsLastOrderingFilter(django_filters.OrderingFilter):
    """`ordering` with unknown values last either way: SQLite sorts NULL first ascending and PostgreSQL first
    descending, so the same request would list the unmargined listings at either end."""

    def get_ordering_value(self, param: str) -> Any:
        name = super().get_ordering_value(param)
        descending = name.startswith("-")
        return OrderBy(F(name.lstrip("-")), descending=descending, nulls_last=True)


class ChannelFeeFilterSet(django_filters.FilterSet):
    class Meta:
        model = ChannelFee
        fields = ["channel", "category"]


class ListingMarginFilterSet(django_filters.FilterSet):
    """Stored margins (docs/pricing.md#stored-margins): by channel, below floor, a margin % range; sorted by
    `ordering` (net_margin_pct, net_margin, listing; a leading '-' for descending)."""

    channel = django_filters.NumberFilter(field_name="listing__channel_id")
    margin_min = django_filters.NumberFilter(field_name="net_margin_pct", lookup_expr="gte")
    margin_max = django_filters.NumberFilter(field_name="net_margin_pct", lookup_expr="lte")
    ordering = NullsLastOrderingFilter(
        fields=(("net_margin_pct", "net_margin_pct"), ("net_margin", "net_margin"), ("listing_id", "listing"))
    )

    class Meta:
        model = ListingMargin
        fields = ["listing", "below_floor"]

    def is_valid(self) -> bool:
        valid = super().is_valid()
        data = self.form.cleaned_data if valid else {}
        low, high = data.get("margin_min"), data.get("margin_max")
        if low is not None and high is not None and low > high:
            self.form.add_error("margin_max", f"margin_max ({high}) is below margin_min ({low}).")
            return False
        return valid
