"""Serializer of a price history point (read-only: points are written by pricing.history's services)."""

from rest_framework import serializers

from pricing.history_models import PriceHistory


class PriceHistorySerializer(serializers.ModelSerializer):
    price = serializers.DecimalField(
        max_digits=10, decimal_places=2, allow_null=True, help_text="Null: no offer (never 0)."
    )

    class Meta:
        model = PriceHistory
        fields = [
            "id",
            "time",
            "listing",
            "kind",
            "price",
            "sale_price",
            "buy_box_price",
            "has_buy_box",
            "source",
            "detail",
            "created_by",
        ]
        read_only_fields = fields
