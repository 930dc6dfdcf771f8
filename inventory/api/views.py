"""Stock API: buckets per SKU, the ledger, and the manual adjustment (docs/api.md#stock)."""

from typing import Any
from urllib.parse import urlencode

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from common.errors import ApplicationError
from inventory.filters import StockFilterSet, StockMovementFilterSet
from inventory.selectors import stock_movements, stocks
from inventory.services import stock_adjust, stock_for_sku
from listings.exposure import stock_exposure

from .serializers import (
    StockAdjustResultSerializer,
    StockAdjustSerializer,
    StockExposureSerializer,
    StockMovementSerializer,
    StockSerializer,
)


class StockViewSet(viewsets.ReadOnlyModelViewSet):
    """Stock per SKU (variants, and products without variants): `on_hand`, `committed`, `safety`, `available`,
    `low_stock_threshold`, `oversold`. `POST adjust/` changes on hand with a reason (editor)."""

    serializer_class = StockSerializer
    filterset_class = StockFilterSet
    required_role_area = "catalog"
    extra_error_statuses = {"adjust": ("404",)}  # an unknown SKU

    def get_queryset(self) -> Any:
        return stocks().order_by("sku", "id")

    @extend_schema(responses={200: StockExposureSerializer(many=True)})
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def exposure(self, request: Request, pk: str | None = None) -> Response:
        """Each channel's listing of this SKU: the quantity it advertises against the available quantity."""
        stock = self.get_object()
        available = stock.available
        ledger = reverse("api:stock-movement-list", request=request) + "?" + urlencode({"sku": stock.sku})
        rows = [
            {
                "listing": row.listing,
                "advertised": row.advertised,
                "state": row.state,
                "would_send": row.would_send,
                "available": available,
                "over_exposed": row.over_exposed,
                "movements_url": ledger,
            }
            for row in stock_exposure(product_id=stock.product_id, variant=stock.variant, available=available)
        ]
        return Response(StockExposureSerializer(rows, many=True).data)

    @extend_schema(request=StockAdjustSerializer, responses={201: StockAdjustResultSerializer})
    @action(detail=False, methods=["post"], filterset_class=None, pagination_class=None)
    def adjust(self, request: Request) -> Response:
        body = StockAdjustSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        sku = body.validated_data["sku"]
        stock = stock_for_sku(sku)
        if stock is None:
            message = f"No variant, and no product without variants, has the SKU '{sku}'."
            raise ApplicationError(message, extra={"code": "not_found"})
        movement = stock_adjust(
            stock=stock, delta=body.validated_data["delta"], reason=body.validated_data["reason"], user=request.user
        )
        stock = get_object_or_404(stocks(), pk=stock.pk)
        data = StockAdjustResultSerializer({"stock": stock, "movement": movement}).data
        return Response(data, status=status.HTTP_201_CREATED)


class StockMovementViewSet(viewsets.ReadOnlyModelViewSet):
    """The append-only ledger, newest first; `?sku=` for one SKU's movements, `?bucket=`, `?reason=`."""

    serializer_class = StockMovementSerializer
    filterset_class = StockMovementFilterSet

    def get_queryset(self) -> Any:
        return stock_movements()
