"""Stock API: buckets per SKU, the ledger, and the manual adjustment (docs/api.md#stock)."""

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from common.errors import ApplicationError
from inventory.filters import StockFilterSet, StockMovementFilterSet
from inventory.selectors import stock_movements, stocks
from inventory.services import stock_adjust, stock_for_sku

from .serializers import StockAdjustResultSerializer, StockAdjustSerializer, StockMovementSerializer, StockSerializer


class StockViewSet(viewsets.ReadOnlyModelViewSet):
    """Stock per SKU (variants, and products without variants): `on_hand`, `committed`, `safety`, `available`,
    `low_stock_threshold`, `oversold`. `POST adjust/` changes on hand with a reason (editor)."""

    serializer_class = StockSerializer
    filterset_class = StockFilterSet
    required_role_area = "catalog"
    extra_error_statuses = {"adjust": ("404",)}  # an unknown SKU

    def get_queryset(self) -> Any:
        return stocks().order_by("sku", "id")

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
