from rest_framework import serializers

from orders.models import Customer, Order, OrderLine, OrderPull


class OrderLineSerializer(serializers.ModelSerializer):
    stock = serializers.IntegerField(source="stock_id", read_only=True, allow_null=True)
    variant = serializers.IntegerField(source="variant_id", read_only=True, allow_null=True)

    class Meta:
        model = OrderLine
        fields = [
            "id",
            "external_line_id",
            "sku",
            "title",
            "variant",
            "stock",
            "quantity",
            "unit_price",
            "line_total",
            "cancelled_quantity",
            "shipped_quantity",
            "refunded_quantity",
            "restocked_quantity",
            "oversold",
        ]
        read_only_fields = fields


class OrderSerializer(serializers.ModelSerializer):
    lines = OrderLineSerializer(many=True, read_only=True)
    channel = serializers.IntegerField(source="channel_id", read_only=True)
    customer = serializers.IntegerField(source="customer_id", read_only=True, allow_null=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "channel",
            "external_id",
            "status",
            "raw_status",
            "currency",
            "currency_mismatch",
            "subtotal",
            "shipping",
            "tax",
            "discount",
            "total",
            "marketplace_fees",
            "placed_at",
            "paid_at",
            "shipped_at",
            "remote_updated_at",
            "customer",
            "shipping_address",
            "payload_hash",
            "first_seen_at",
            "last_seen_at",
            "lines",
        ]
        read_only_fields = fields


class CustomerSerializer(serializers.ModelSerializer):
    channel = serializers.IntegerField(source="channel_id", read_only=True)

    class Meta:
        model = Customer
        fields = [
            "id",
            "channel",
            "buyer_id",
            "name",
            "email",
            "orders_count",
            "units",
            "total_spent",
            "average_order_value",
            "first_order_at",
            "last_order_at",
            "segment",
            "purged_at",
        ]
        read_only_fields = fields


class OrderPullSerializer(serializers.ModelSerializer):
    """An order pull run; `job` is its id on the Jobs page and in /api/v1/jobs/{id}/."""

    job = serializers.SerializerMethodField()
    channel = serializers.IntegerField(source="channel_id", read_only=True)

    class Meta:
        model = OrderPull
        fields = [
            "id",
            "job",
            "channel",
            "trigger",
            "status",
            "since",
            "pages",
            "read",
            "created",
            "updated",
            "unchanged",
            "failed",
            "message",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_job(self, obj: OrderPull) -> str:
        return f"orders-{obj.pk}"
