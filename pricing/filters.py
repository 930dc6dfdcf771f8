"""FilterSets of the pricing app, shared by the pages and the API."""

import django_filters

from .models import ChannelFee, ListingMargin


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
    ordering = django_filters.OrderingFilter(
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
