"""FilterSets of suppliers, components, component prices and BOM lines: shared by the pages and the API."""

import django_filters

from .choices import ComponentType
from .cost_models import BomLine, Component, ComponentPrice, Supplier


class SupplierFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Name contains")
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = Supplier
        fields = ["q", "is_active", "country"]


class ComponentFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Name contains")
    component_type = django_filters.ChoiceFilter(choices=ComponentType.choices)

    class Meta:
        model = Component
        fields = ["q", "component_type", "preferred_supplier", "product"]


class ComponentPriceFilterSet(django_filters.FilterSet):
    class Meta:
        model = ComponentPrice
        fields = ["component", "supplier", "currency", "is_current"]


class BomLineFilterSet(django_filters.FilterSet):
    class Meta:
        model = BomLine
        fields = ["product", "variant", "component"]
