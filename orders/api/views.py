"""Orders API: orders with their lines (filters as the orders page) and customers (docs/api.md#orders)."""

from typing import Any

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import channel_scoped
from channels.models import Channel
from orders.filters import CustomerFilterSet, OrderFilterSet
from orders.models import OrderLine
from orders.selectors import customers_visible, orders_visible
from orders.services.pull import channel_orders_pull

from .serializers import CustomerSerializer, OrderPullSerializer, OrderSerializer


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


class ChannelOrdersPullView(APIView):
    """`POST /api/v1/channels/{id}/pull-orders/`: pull the channel's orders now (docs/orders.md#pulling)."""

    required_role_area = "sync"

    @extend_schema(
        operation_id="channels_pull_orders",
        request=None,
        responses={
            202: OrderPullSerializer,
            404: OpenApiResponse(description="No such channel (or not yours)."),
            409: OpenApiResponse(description="The channel is paused, or an order pull of it is already running."),
        },
        tags=["channels"],
    )
    def post(self, request: Request, pk: int) -> Response:
        """Pull orders now: an incremental order pull in a background job; 202 with the job (`job` is its id on
        /api/v1/jobs/). 409 when the channel is paused or an order pull of it is already running."""
        channel = get_object_or_404(channel_scoped(Channel.objects.all(), request.user, "pk"), pk=pk)
        run = channel_orders_pull(channel=channel, user=request.user)
        return Response(OrderPullSerializer(run).data, status=status.HTTP_202_ACCEPTED)
