"""FilterSet of the performance metrics, shared by the API and the admin (docs/analytics.md#performance-metrics)."""

import django_filters

from common.filters import HumanFilterSet
from listings.filters import ListingRangeFilterForm

from .models import MetricSource, PerformanceMetric


class PerformanceMetricFilterSet(HumanFilterSet):
    """`listing`, `source`, and the days `from` .. `to` (YYYY-MM-DD, inclusive)."""

    listing = django_filters.NumberFilter(field_name="listing_id", min_value=1, label="Listing id")
    source = django_filters.ChoiceFilter(choices=MetricSource.choices, label="Source")
    from_ = django_filters.DateFilter(field_name="report_date", lookup_expr="gte", label="From")
    to = django_filters.DateFilter(field_name="report_date", lookup_expr="lte", label="To")

    class Meta:
        model = PerformanceMetric
        fields = ["listing", "source"]
        form = ListingRangeFilterForm


# `from` is a Python keyword: declared as `from_` and renamed, so the query parameter and the schema say `from`.
PerformanceMetricFilterSet.base_filters["from"] = PerformanceMetricFilterSet.base_filters.pop("from_")
