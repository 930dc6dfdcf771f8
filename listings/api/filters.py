"""API FilterSet of listings: the pages' ListingFilterSet (readiness included) with plain integer channel ids."""

import django_filters

from listings.filters import ListingFilterSet


class ListingApiFilterSet(ListingFilterSet):
    channel = django_filters.NumberFilter(field_name="channel_id", label="Channel id")

    class Meta(ListingFilterSet.Meta):
        pass
