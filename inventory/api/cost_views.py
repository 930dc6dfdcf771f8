"""API of suppliers, components, component prices and BOM lines (docs/pricing.md#api)."""

from typing import Any

from rest_framework import viewsets

from inventory import cost_services as services
from inventory.cost_filters import BomLineFilterSet, ComponentFilterSet, ComponentPriceFilterSet, SupplierFilterSet
from inventory.cost_selectors import bom_line_list, component_list, component_price_list, supplier_list

from .cost_serializers import BomLineSerializer, ComponentPriceSerializer, ComponentSerializer, SupplierSerializer

METHODS = ["get", "post", "put", "patch", "delete", "head", "options"]


class SupplierViewSet(viewsets.ModelViewSet):
    """Suppliers we buy components from. Deleting one that still has prices is 409."""

    required_role_area = "catalog"
    serializer_class = SupplierSerializer
    filterset_class = SupplierFilterSet
    http_method_names = METHODS

    def get_queryset(self) -> Any:
        return supplier_list()

    def perform_destroy(self, instance: Any) -> None:
        services.supplier_delete(supplier=instance, user=self.request.user)


class ComponentViewSet(viewsets.ModelViewSet):
    """Components; `product` links one that is itself our product (a BOM may not loop through it)."""

    required_role_area = "catalog"
    serializer_class = ComponentSerializer
    filterset_class = ComponentFilterSet
    http_method_names = METHODS

    def get_queryset(self) -> Any:
        return component_list()

    def perform_destroy(self, instance: Any) -> None:
        services.component_delete(component=instance, user=self.request.user)


class ComponentPriceViewSet(viewsets.ModelViewSet):
    """Supplier prices of components with quantity breaks (`min_quantity`) and a validity window."""

    required_role_area = "catalog"
    serializer_class = ComponentPriceSerializer
    filterset_class = ComponentPriceFilterSet
    http_method_names = METHODS

    def get_queryset(self) -> Any:
        return component_price_list()

    def perform_destroy(self, instance: Any) -> None:
        services.component_price_delete(price=instance, user=self.request.user)


class BomLineViewSet(viewsets.ModelViewSet):
    """Bill of materials lines: each belongs to a `product` or a `variant` (exactly one)."""

    required_role_area = "catalog"
    serializer_class = BomLineSerializer
    filterset_class = BomLineFilterSet
    http_method_names = METHODS

    def get_queryset(self) -> Any:
        return bom_line_list()

    def perform_destroy(self, instance: Any) -> None:
        services.bom_line_delete(line=instance, user=self.request.user)
