"""Orders from the marketplaces, their lines and the channel's customers (docs/orders.md#model)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from catalog.models import Variant
from channels.crypto import credentials_decrypt, credentials_encrypt
from channels.models import Channel
from inventory.models import Stock

from .choices import ACTIVE_PULL_STATUSES, OrderStatus, PullStatus, PullTrigger, Segment


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


class OrderPullState(models.Model):
    """Per channel: where the next incremental order pull starts (docs/orders.md#pulling), and the webhook signing
    secret a subscription made (encrypted like the channel's credentials; docs/orders.md#webhooks).

    `cursor` is the newest marketplace update time a finished pull saw, minus the channel's overlap; empty until a
    pull finished (the first pull reads every order). `again` is set when a webhook asked for a pull while one was
    running: the running pull starts one more when it ends, so the order the webhook announced is read."""

    channel = models.OneToOneField(Channel, on_delete=models.CASCADE, related_name="order_pull_state")
    cursor = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    again = models.BooleanField(default=False)
    webhook_secrets_encrypted = models.TextField(
        blank=True, default="", editable=False, help_text="Signing secrets made by a webhook subscription (Etsy)."
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Order pull state of {self.channel_id}"

    def webhook_secrets(self) -> dict[str, str]:
        """The decrypted subscription secrets; never log or render the result."""
        return credentials_decrypt(self.webhook_secrets_encrypted) if self.webhook_secrets_encrypted else {}

    def set_webhook_secrets(self, values: dict[str, str]) -> None:
        self.webhook_secrets_encrypted = credentials_encrypt({k: v for k, v in values.items() if v})


class OrderPull(models.Model):
    """One order pull of a channel: a job on the Jobs page (operations.job_sources, prefix `orders`).

    `since` is the window's start for the whole run (empty: every order); `page_cursor` the marketplace's cursor of
    the next page, so a rate-limited or failed page is retried from where it stopped."""

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="order_pulls")
    trigger = models.CharField(max_length=16, choices=PullTrigger.choices, default=PullTrigger.MANUAL)
    status = models.CharField(max_length=24, choices=PullStatus.choices, default=PullStatus.QUEUED, db_index=True)
    since = models.DateTimeField(null=True, blank=True)
    page_cursor = models.TextField(blank=True)
    newest_seen = models.DateTimeField(null=True, blank=True, help_text="Newest marketplace update time read.")
    pages = models.PositiveIntegerField(default=0)
    read = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    retries = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    errors = models.JSONField(default=list, blank=True, help_text="The first orders that could not be ingested.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["channel", "status"], name="orderpull_channel_status_idx")]

    def __str__(self) -> str:
        return f"Order pull #{self.pk} of {self.channel_id}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_PULL_STATUSES
