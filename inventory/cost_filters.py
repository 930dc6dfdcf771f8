"""FilterSets of suppliers, components, component prices and BOM lines: shared by the pages and the API."""

import django_filters

from common.filters import HumanFilterSet

from .choices import ComponentType
from .cost_models import BomLine, Component, ComponentPrice, Supplier


class SupplierFilterSet(HumanFilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Name contains")
    is_active = django_filters.BooleanFilter(label="Active")

    class Meta:
        model = Supplier
        fields = ["q", "is_active", "country"]


class ComponentFilterSet(HumanFilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Name contains")
    component_type = django_filters.ChoiceFilter(choices=ComponentType.choices, label="Type")

    class Meta:
        model = Component
        fields = ["q", "component_type", "preferred_supplier", "product"]


class ComponentPriceFilterSet(HumanFilterSet):
    class Meta:
        model = ComponentPrice
        fields = ["component", "supplier", "currency", "is_current"]


class BomLineFilterSet(HumanFilterSet):
    class Meta:
        model = BomLine
        fields = ["product", "variant", "component"]
