from rest_framework import serializers

from common.api.serializers import StrictCharField, StrictIntegerField
from inventory.models import Stock, StockMovement


class StockSerializer(serializers.ModelSerializer):
    available = serializers.IntegerField(read_only=True, help_text="on_hand - committed - safety")
    low_stock_threshold = serializers.IntegerField(source="threshold", read_only=True)
    low_stock = serializers.BooleanField(read_only=True)
    variant = serializers.IntegerField(source="variant_id", read_only=True, allow_null=True)
    product = serializers.IntegerField(source="product_id", read_only=True)

    class Meta:
        model = Stock
        fields = [
            "id",
            "sku",
            "product",
            "variant",
            "on_hand",
            "committed",
            "safety",
            "available",
            "low_stock_threshold",
            "low_stock",
            "oversold",
            "updated_at",
        ]
        read_only_fields = fields


class StockMovementSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="stock.sku", read_only=True)
    actor = serializers.CharField(source="actor.get_username", read_only=True, allow_null=True, default=None)

    class Meta:
        model = StockMovement
        fields = [
            "id",
            "sku",
            "stock",
            "bucket",
            "delta",
            "reason",
            "note",
            "source_type",
            "source_id",
            "actor",
            "created_at",
            "idempotency_key",
        ]
        read_only_fields = fields


class StockAdjustSerializer(serializers.Serializer):
    sku = StrictCharField(max_length=64)
    delta = StrictIntegerField(help_text="Change of on hand, not 0.")
    reason = StrictCharField(max_length=200, help_text='Required; "count" allows going below zero.')


class StockAdjustResultSerializer(serializers.Serializer):
    stock = StockSerializer()
    movement = StockMovementSerializer()


class StockExposureSerializer(serializers.Serializer):
    """One channel's listing of the SKU: what it advertises vs what is available (docs/orders.md#exposure)."""

    channel = serializers.IntegerField(source="listing.channel_id")
    channel_name = serializers.CharField(source="listing.channel.name")
    listing = serializers.IntegerField(source="listing.pk")
    listing_status = serializers.CharField(source="listing.status")
    advertised = serializers.IntegerField(allow_null=True, help_text="null: nothing advertised or not known")
    state = serializers.ChoiceField(
        choices=["pending", "confirmed", "last_read", "not_listed"],
        help_text="pending: sent, not confirmed; confirmed; last_read: a change waits, value from the last pull; "
        "not_listed: not on the marketplace",
    )
    would_send = serializers.IntegerField(help_text="The effective quantity the listing would send now.")
    available = serializers.IntegerField()
    over_exposed = serializers.BooleanField(help_text="advertised > available (and above 0)")
    last_pushed_at = serializers.DateTimeField(source="listing.last_pushed_at", allow_null=True)
    movements_url = serializers.CharField(help_text="The ledger of the movements that make the figures.")
