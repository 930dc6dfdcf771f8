"""API FilterSet of listings: the pages' ListingFilterSet plus readiness, with plain integer ids."""

import django_filters
from django.db.models import QuerySet

from listings.filters import ListingFilterSet
from listings.models import Listing
from listings.readiness import listing_readiness

READINESS_FILTER_CAP = 1000  # readiness is computed in Python per listing (~1 ms each); beyond this, filter first


class ListingApiFilterSet(ListingFilterSet):
    channel = django_filters.NumberFilter(field_name="channel_id", label="Channel id")
    readiness = django_filters.ChoiceFilter(
        choices=[("ready", "No blocking issue"), ("blocked", "At least one blocking issue")],
        method="filter_readiness",
        label=f"Readiness (evaluated over at most the first {READINESS_FILTER_CAP} matching listings)",
    )

    class Meta(ListingFilterSet.Meta):
        fields = ["q", "channel", "status", "product", "readiness"]

    def filter_readiness(self, queryset: QuerySet[Listing], name: str, value: str) -> QuerySet[Listing]:
        candidates = queryset.select_related("product", "variant", "channel").prefetch_related(
            "product__images", "product__variants"
        )[:READINESS_FILTER_CAP]
        wanted_ready = value == "ready"
        ids = [
            listing.pk
            for listing in candidates
            if (not any(issue.is_blocking for issue in listing_readiness(listing))) == wanted_ready
        ]
        return queryset.filter(pk__in=ids)
