"""FilterSets for stock and its movements, used by the API (the pages use the same selectors)."""

import django_filters

from .choices import Bucket, Reason
from .models import Stock, StockMovement


class StockFilterSet(django_filters.FilterSet):
    sku = django_filters.CharFilter(field_name="sku", lookup_expr="iexact", label="SKU")
    oversold = django_filters.BooleanFilter()

    class Meta:
        model = Stock
        fields = ["sku", "oversold"]


class StockMovementFilterSet(django_filters.FilterSet):
    sku = django_filters.CharFilter(field_name="stock__sku", lookup_expr="iexact", label="SKU")
    bucket = django_filters.ChoiceFilter(choices=Bucket.choices)
    reason = django_filters.ChoiceFilter(choices=Reason.choices)
    source_type = django_filters.CharFilter()
    source_id = django_filters.CharFilter()
    until = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="lte", label="Movements made up to this time (ISO 8601)"
    )

    class Meta:
        model = StockMovement
        fields = ["sku", "bucket", "reason", "source_type", "source_id"]
