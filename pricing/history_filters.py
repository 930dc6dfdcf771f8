"""FilterSet of the price history, shared by the API and the admin (docs/pricing.md#price-history)."""

import django_filters

from common.filters import HumanFilterSet
from listings.filters import ListingRangeFilterForm

from .history_models import PriceHistory, PriceKind, PriceSource


class PriceHistoryFilterSet(HumanFilterSet):
    """`listing`, `kind`, `source`, and a time range `from` .. `to` (ISO date-times or dates, inclusive)."""

    listing = django_filters.NumberFilter(field_name="listing_id", min_value=1, label="Listing id")
    kind = django_filters.ChoiceFilter(choices=PriceKind.choices, label="Kind")
    source = django_filters.ChoiceFilter(choices=PriceSource.choices, label="Source")
    from_ = django_filters.IsoDateTimeFilter(field_name="time", lookup_expr="gte", label="From")
    to = django_filters.IsoDateTimeFilter(field_name="time", lookup_expr="lte", label="To")

    class Meta:
        model = PriceHistory
        fields = ["listing", "kind", "source"]
        form = ListingRangeFilterForm


# `from` is a Python keyword: the filter is declared as `from_` and renamed on the class, so the query parameter
# and the OpenAPI schema (which reads `base_filters`) both say `from`.
PriceHistoryFilterSet.base_filters["from"] = PriceHistoryFilterSet.base_filters.pop("from_")
