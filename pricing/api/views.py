"""Pricing API: channel fees, and a listing's costs (landed cost with its breakdown, fees, net margin)."""

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import channel_scoped
from listings.models import Listing
from pricing import services
from pricing.filters import ChannelFeeFilterSet
from pricing.selectors import channel_fee_list, listing_costs

from .serializers import (
    ChannelFeeSerializer,
    FeeEstimateResultSerializer,
    FeeEstimateRunSerializer,
    ListingCostsSerializer,
    listing_costs_data,
)


class ChannelFeeViewSet(viewsets.ModelViewSet):
    """Fees per channel, optionally per category (the deepest category row wins, else the channel's row)."""

    required_role_area = "channels"
    serializer_class = ChannelFeeSerializer
    filterset_class = ChannelFeeFilterSet
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_queryset(self) -> Any:
        return channel_scoped(channel_fee_list(), self.request.user, "channel_id")

    def perform_destroy(self, instance: Any) -> None:
        services.channel_fee_delete(fee=instance, user=self.request.user)

    @extend_schema(
        request=FeeEstimateRunSerializer,
        responses={200: FeeEstimateResultSerializer},
        operation_id="channel_fees_estimate",
        description="Ask Amazon's Product Fees API for the per-unit fees of the fee row's channel's published "
        "listings at their current prices (docs/pricing.md#amazon-fee-estimates). Amazon channels only (400).",
    )
    @action(detail=True, methods=["post"])
    def estimate(self, request: Request, pk: int | None = None) -> Response:
        fee = self.get_object()
        body = FeeEstimateRunSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        run = services.fee_estimates_refresh(channel=fee.channel, **body.validated_data)
        return Response(FeeEstimateResultSerializer(vars(run)).data)


class ListingCostsView(APIView):
    """`GET /api/v1/listings/{id}/costs/`: `landed_cost` (channel currency), `breakdown` (each BOM row used),
    `fees`, `net_margin`, `net_margin_pct` (docs/pricing.md)."""

    required_role_area = "listings"

    @extend_schema(responses={200: ListingCostsSerializer}, operation_id="listings_costs_retrieve")
    def get(self, request: Request, pk: int) -> Response:
        queryset = Listing.objects.select_related("product", "product__category", "variant", "channel")
        listing = get_object_or_404(channel_scoped(queryset, request.user, "channel_id"), pk=pk)
        return Response(ListingCostsSerializer(listing_costs_data(listing_costs(listing))).data)
