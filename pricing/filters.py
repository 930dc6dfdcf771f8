"""FilterSets of the pricing app, shared by the pages and the API."""

from typing import Any

import django_filters
from django.db.models import F, OrderBy

from common.filters import HumanFilterSet

from .models import ChannelFee, ListingMargin


class NullsLastOrderingFilter(django_filters.OrderingFilter):
    """`ordering` with unknown values last either way: SQLite sorts NULL first ascending and PostgreSQL first
    descending, so the same request would list the unmargined listings at either end."""

    def get_ordering_value(self, param: str) -> Any:
        name = super().get_ordering_value(param)
        descending = name.startswith("-")
        return OrderBy(F(name.lstrip("-")), descending=descending, nulls_last=True)


class ChannelFeeFilterSet(HumanFilterSet):
    class Meta:
        model = ChannelFee
        fields = ["channel", "category"]


class ListingMarginFilterSet(HumanFilterSet):
    """Stored margins (docs/pricing.md#stored-margins): by channel, below floor, a margin % range; sorted by
    `ordering` (net_margin_pct, net_margin, listing; a leading '-' for descending)."""

    channel = django_filters.NumberFilter(field_name="listing__channel_id", label="Channel id")
    margin_min = django_filters.NumberFilter(field_name="net_margin_pct", lookup_expr="gte", label="Margin % from")
    margin_max = django_filters.NumberFilter(field_name="net_margin_pct", lookup_expr="lte", label="Margin % to")
    ordering = NullsLastOrderingFilter(
        fields=(("net_margin_pct", "net_margin_pct"), ("net_margin", "net_margin"), ("listing_id", "listing")),
        field_labels={"net_margin_pct": "Net margin %", "net_margin": "Net margin", "listing_id": "Listing"},
        label="Sort",
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
