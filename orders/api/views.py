"""Orders API: orders with their lines (filters as the orders page) and customers (docs/api.md#orders)."""

from typing import Any

from django.db.models import Prefetch
from rest_framework import viewsets

from orders.filters import CustomerFilterSet, OrderFilterSet
from orders.models import OrderLine
from orders.selectors import customers_visible, orders_visible

from .serializers import CustomerSerializer, OrderSerializer


class OrderViewSet(viewsets.ReadOnlyModelViewSet):
    """Marketplace orders, newest first. Filters: `q` (order id), `channel`, `status`, `placed_after/before`,
    `sku`, `customer`, `unlinked`."""

    serializer_class = OrderSerializer
    filterset_class = OrderFilterSet

    def get_queryset(self) -> Any:
        lines = Prefetch("lines", queryset=OrderLine.objects.order_by("id"))
        return orders_visible(self.request.user).prefetch_related(lines).order_by("-placed_at", "-id")


class CustomerViewSet(viewsets.ReadOnlyModelViewSet):
    """Customers per channel with their aggregates and segment."""

    serializer_class = CustomerSerializer
    filterset_class = CustomerFilterSet

    def get_queryset(self) -> Any:
        return customers_visible(self.request.user).order_by("-last_order_at", "-id")
