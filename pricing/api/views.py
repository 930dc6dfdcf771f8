"""Pricing API: channel fees, and a listing's costs (landed cost with its breakdown, fees, net margin)."""

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import channel_scoped
from listings.models import Listing
from pricing import services
from pricing.filters import ChannelFeeFilterSet, ListingMarginFilterSet
from pricing.models import ListingMargin
from pricing.selectors import channel_fee_list, listing_costs

from .serializers import (
    ChannelFeeSerializer,
    FeeEstimateResultSerializer,
    FeeEstimateRunSerializer,
    ListingCostsSerializer,
    ListingMarginRefreshResultSerializer,
    ListingMarginRefreshSerializer,
    ListingMarginSerializer,
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


class ListingMarginViewSet(viewsets.ReadOnlyModelViewSet):
    """Stored net margins per listing, kept current by the pricing services (docs/pricing.md#stored-margins).
    Filters: listing, channel, below_floor, margin_min, margin_max; `ordering` by net_margin_pct, net_margin or
    listing."""

    required_role_area = "listings"
    serializer_class = ListingMarginSerializer
    filterset_class = ListingMarginFilterSet

    def get_queryset(self) -> Any:
        queryset = ListingMargin.objects.select_related("listing").order_by("listing_id")
        return channel_scoped(queryset, self.request.user, "listing__channel_id")

    @extend_schema(
        request=ListingMarginRefreshSerializer,
        responses={200: ListingMarginRefreshResultSerializer},
        operation_id="listing_margins_refresh",
        description="Recompute the stored margins of these listings now (they are kept current on every change; "
        "this is for a check). Unknown or other channels' listing ids: 400 naming `listings`.",
    )
    @action(detail=False, methods=["post"])
    def refresh(self, request: Request) -> Response:
        body = ListingMarginRefreshSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        wanted = set(body.validated_data["listings"])
        visible = channel_scoped(Listing.objects.filter(pk__in=wanted), request.user, "channel_id")
        missing = sorted(wanted - set(visible.values_list("pk", flat=True)))
        if missing:
            raise ValidationError({"listings": [f"Unknown listing id(s): {', '.join(map(str, missing[:20]))}."]})
        refreshed = services.listing_margins_refresh(listing_ids=wanted)
        return Response(ListingMarginRefreshResultSerializer({"refreshed": refreshed}).data)
