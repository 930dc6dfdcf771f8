"""Orders from the marketplaces, their lines and the channel's customers (docs/orders.md#model)."""

from decimal import Decimal

from django.db import models
from django.db.models import Q

from catalog.models import Variant
from channels.models import Channel
from inventory.models import Stock

from .choices import OrderStatus, Segment


class Customer(models.Model):
    """A buyer on one channel (marketplace buyer ids are channel-scoped), with aggregates over their orders."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="customers")
    buyer_id = models.CharField(max_length=128)
    name = models.CharField(max_length=255, blank=True)
    email = models.EmailField(blank=True)
    orders_count = models.PositiveIntegerField(default=0)
    units = models.PositiveIntegerField(default=0)
    total_spent = models.DecimalField(default=Decimal("0"), max_digits=14, decimal_places=2)
    average_order_value = models.DecimalField(default=Decimal("0"), max_digits=14, decimal_places=2)
    first_order_at = models.DateTimeField(null=True, blank=True)
    last_order_at = models.DateTimeField(null=True, blank=True, db_index=True)
    segment = models.CharField(max_length=8, choices=Segment.choices, default=Segment.NEW, db_index=True)
    purged_at = models.DateTimeField(null=True, blank=True, help_text="Personal data removed (retention).")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-last_order_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["channel", "buyer_id"], name="customer_unique_per_channel")]

    def __str__(self) -> str:
        return self.name or self.buyer_id


class Order(models.Model):
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="orders")
    external_id = models.CharField("order id", max_length=128)
    status = models.CharField(max_length=20, choices=OrderStatus.choices, db_index=True)
    raw_status = models.CharField(max_length=64, blank=True)
    currency = models.CharField(max_length=3)
    currency_mismatch = models.BooleanField(default=False, help_text="Not in the channel's currency.")
    subtotal = models.DecimalField(default=Decimal("0"), max_digits=14, decimal_places=2)
    shipping = models.DecimalField(default=Decimal("0"), max_digits=14, decimal_places=2)
    tax = models.DecimalField(default=Decimal("0"), max_digits=14, decimal_places=2)
    discount = models.DecimalField(default=Decimal("0"), max_digits=14, decimal_places=2)
    total = models.DecimalField(default=Decimal("0"), max_digits=14, decimal_places=2)
    marketplace_fees = models.DecimalField(null=True, blank=True, max_digits=14, decimal_places=2)
    placed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    remote_updated_at = models.DateTimeField(null=True, blank=True, help_text="The marketplace's update time.")
    reserved = models.BooleanField(default=False, help_text="Its units are held in committed (paid, or reserving).")
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders")
    shipping_address = models.JSONField(default=dict, blank=True, help_text="Only what fulfilment needs.")
    raw_payload = models.JSONField(default=dict, blank=True)
    payload_hash = models.CharField(max_length=64, blank=True)
    first_seen_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField()

    class Meta:
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "external_id"], name="order_unique_per_channel"),
            models.CheckConstraint(condition=Q(status__in=OrderStatus.values), name="order_status_known"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} #{self.external_id}"

    @property
    def masked_address(self) -> str:
        """City and country only, for lists (the full address is on the order page)."""
        address = self.shipping_address or {}
        return ", ".join(part for part in (address.get("city", ""), address.get("country", "")) if part)


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    external_line_id = models.CharField(max_length=128)
    sku = models.CharField("SKU", max_length=128, db_index=True)
    title = models.CharField(max_length=255, blank=True)
    variant = models.ForeignKey(Variant, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    stock = models.ForeignKey(
        Stock,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="order_lines",
        help_text="The variant's (or product's) stock; empty: unlinked.",
    )
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(default=Decimal("0"), max_digits=14, decimal_places=2)
    line_total = models.DecimalField(default=Decimal("0"), max_digits=14, decimal_places=2)
    cancelled_quantity = models.PositiveIntegerField(default=0)
    shipped_quantity = models.PositiveIntegerField(default=0)
    refunded_quantity = models.PositiveIntegerField(default=0)
    restocked_quantity = models.PositiveIntegerField(default=0)
    oversold = models.BooleanField(default=False, help_text="Took more than was available when it reserved.")

    class Meta:
        ordering = ["order_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "external_line_id"], name="orderline_unique_per_order"),
            models.CheckConstraint(
                condition=Q(cancelled_quantity__lte=models.F("quantity")), name="orderline_cancel_le_qty"
            ),
            models.CheckConstraint(
                condition=Q(refunded_quantity__lte=models.F("quantity")), name="orderline_refund_le_qty"
            ),
            models.CheckConstraint(
                condition=Q(restocked_quantity__lte=models.F("refunded_quantity")), name="orderline_restock_le_refund"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku} × {self.quantity}"

    @property
    def linked(self) -> bool:
        return self.stock_id is not None
