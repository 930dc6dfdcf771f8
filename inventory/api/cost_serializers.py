"""Serializers of suppliers, components, component prices and BOM lines: writes go through inventory.cost_services
(full_clean, so a bad value is a 400 naming its field). Field names are seed 003's (docs/pricing.md)."""

from rest_framework import serializers

from common.api.serializers import ServiceSerializerMixin, StrictCharField
from inventory import cost_services as services
from inventory.cost_models import BomLine, Component, ComponentPrice, Supplier


class SupplierSerializer(ServiceSerializerMixin, serializers.ModelSerializer):
    create_service = services.supplier_create
    update_service = services.supplier_update
    instance_kwarg = "supplier"

    class Meta:
        model = Supplier
        fields = ["id", *services.SUPPLIER_FIELDS, "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        validators: list = []  # uniqueness is the service's full_clean(), which names the clash


class ComponentSerializer(ServiceSerializerMixin, serializers.ModelSerializer):
    create_service = services.component_create
    update_service = services.component_update
    instance_kwarg = "component"

    class Meta:
        model = Component
        fields = ["id", *services.COMPONENT_FIELDS, "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        validators: list = []


class ComponentPriceSerializer(ServiceSerializerMixin, serializers.ModelSerializer):
    create_service = services.component_price_create
    update_service = services.component_price_update
    instance_kwarg = "price"

    currency = StrictCharField(max_length=3, help_text="ISO 4217 with a row in the currency rates table.")
    valid_from = serializers.DateField(required=False, help_text="Default: today.")

    class Meta:
        model = ComponentPrice
        fields = ["id", *services.COMPONENT_PRICE_FIELDS, "created_at"]
        read_only_fields = ["created_at"]
        validators: list = []


class BomLineSerializer(ServiceSerializerMixin, serializers.ModelSerializer):
    create_service = services.bom_line_create
    update_service = services.bom_line_update
    instance_kwarg = "line"

    class Meta:
        model = BomLine
        fields = ["id", *services.BOM_LINE_FIELDS, "created_at"]
        read_only_fields = ["created_at"]
        validators: list = []
