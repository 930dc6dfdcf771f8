"""FilterSets for stock and its movements, used by the API (the pages use the same selectors)."""

import django_filters

from common.filters import HumanFilterSet

from .choices import Bucket, Reason
from .models import Stock, StockMovement


class StockFilterSet(HumanFilterSet):
    sku = django_filters.CharFilter(field_name="sku", lookup_expr="iexact", label="SKU")
    oversold = django_filters.BooleanFilter(label="Oversold")

    class Meta:
        model = Stock
        fields = ["sku", "oversold"]


class StockMovementFilterSet(HumanFilterSet):
    sku = django_filters.CharFilter(field_name="stock__sku", lookup_expr="iexact", label="SKU")
    bucket = django_filters.ChoiceFilter(choices=Bucket.choices, label="Bucket")
    reason = django_filters.ChoiceFilter(choices=Reason.choices, label="Reason")
    source_type = django_filters.CharFilter(label="Source type")
    source_id = django_filters.CharFilter(label="Source id")
    until = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="lte", label="Movements made up to this time (ISO 8601)"
    )

    class Meta:
        model = StockMovement
        fields = ["sku", "bucket", "reason", "source_type", "source_id"]
