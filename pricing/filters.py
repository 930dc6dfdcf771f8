"""FilterSets of the pricing app, shared by the pages and the API."""

import django_filters

from .models import ChannelFee


class ChannelFeeFilterSet(django_filters.FilterSet):
    class Meta:
        model = ChannelFee
        fields = ["channel", "category"]
