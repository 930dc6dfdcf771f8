"""`GET /api/v1/price-history/?listing=<id>`: a listing's price points, newest first (docs/pricing.md#price-history)."""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets

from accounts.roles import channel_scoped
from pricing.history_filters import PriceHistoryFilterSet
from pricing.history_selectors import price_history_list

from .history_serializers import PriceHistorySerializer

RANGE = [
    OpenApiParameter("from", OpenApiTypes.DATETIME, description="Points at or after this time (ISO 8601)."),
    OpenApiParameter("to", OpenApiTypes.DATETIME, description="Points at or before this time (ISO 8601)."),
]


@extend_schema_view(list=extend_schema(parameters=RANGE))
class PriceHistoryViewSet(viewsets.ReadOnlyModelViewSet):
    """Raw price points of the last PRICE_HISTORY_RAW_DAYS: our price (with its source) and the observed remote,
    buy-box and lowest competitor prices. Filters: listing, kind, source, from, to."""

    required_role_area = "listings"
    serializer_class = PriceHistorySerializer
    filterset_class = PriceHistoryFilterSet

    def get_queryset(self) -> Any:
        return channel_scoped(price_history_list(), self.request.user, "listing__channel_id")
