"""Stock in buckets per variant (or per product without variants) and the append-only ledger that makes them.

The rule (docs/orders.md#the-ledger): a bucket changes only by a StockMovement, and the bucket equals the sum of
its movements. `available = on_hand - committed - safety`; the catalog's `quantity` is written from it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.runtime_settings import runtime_setting
from catalog.models import Product, Variant

from .choices import Bucket, Reason


class Stock(models.Model):
    """The buckets of one sellable unit: a variant, or a product that has no variants (variant empty)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="stock_rows")
    variant = models.OneToOneField(Variant, null=True, blank=True, on_delete=models.CASCADE, related_name="stock")
    sku = models.CharField("SKU", max_length=64, db_index=True, help_text="Copied from the variant or product.")
    on_hand = models.IntegerField(default=0)
    committed = models.IntegerField(default=0, help_text="Ordered, not shipped.")
    safety = models.IntegerField(default=0, help_text="A buffer never offered for sale.")
    low_stock_threshold = models.PositiveIntegerField(
        null=True, blank=True, help_text="Empty: the runtime setting inventory.low_stock_threshold."
    )
    oversold = models.BooleanField(default=False, db_index=True, help_text="Orders took more than was available.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "stock"
        ordering = ["sku"]
        constraints = [
            models.UniqueConstraint(
                fields=["product"], condition=Q(variant__isnull=True), name="stock_one_per_product"
            ),
            models.CheckConstraint(condition=Q(committed__gte=0), name="stock_committed_non_negative"),
            models.CheckConstraint(condition=Q(safety__gte=0), name="stock_safety_non_negative"),
        ]

    def __str__(self) -> str:
        return self.sku

    @property
    def available(self) -> int:
        return self.on_hand - self.committed - self.safety

    @property
    def threshold(self) -> int:
        if self.low_stock_threshold is not None:
            return self.low_stock_threshold
        return int(runtime_setting("inventory.low_stock_threshold"))

    @property
    def low_stock(self) -> bool:
        return self.available <= self.threshold


class StockMovement(models.Model):
    """One change of one bucket. Append-only: never updated, never deleted by the application."""

    stock = models.ForeignKey(Stock, on_delete=models.CASCADE, related_name="movements")
    bucket = models.CharField(max_length=16, choices=Bucket.choices)
    delta = models.IntegerField()
    reason = models.CharField(max_length=24, choices=Reason.choices, db_index=True)
    note = models.CharField(max_length=255, blank=True)
    # The object that caused it (an order line, an import...), as "app_label.model" and its id.
    source_type = models.CharField(max_length=64, blank=True)
    source_id = models.CharField(max_length=64, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    idempotency_key = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["-id"]
        constraints = [models.CheckConstraint(condition=~Q(delta=0), name="stockmovement_delta_not_zero")]
        indexes = [models.Index(fields=["source_type", "source_id"])]

    def __str__(self) -> str:
        return f"{self.stock.sku} {self.bucket} {self.delta:+d} ({self.reason})"

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        if self.pk is not None and not self._state.adding:
            raise ValueError("Stock movements are append-only.")
        super().save(*args, **kwargs)


# Suppliers, components, BOM and landed cost (docs/pricing.md) live in their own module; imported here so that
# Django registers them with the app.
from .cost_models import (  # noqa: E402, F401
    BomLine,
    Component,
    ComponentPrice,
    CurrencyRate,
    LandedCost,
    PlannedBatch,
    Supplier,
)
