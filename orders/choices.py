from django.db import models


class OrderStatus(models.TextChoices):
    """The normalised status (syncing.connectors.base.ORDER_STATUSES); the marketplace's own is kept beside it."""

    UNPAID = "unpaid", "Unpaid"
    PAID = "paid", "Paid"
    PARTIALLY_SHIPPED = "partially_shipped", "Partially shipped"
    SHIPPED = "shipped", "Shipped"
    DELIVERED = "delivered", "Delivered"
    CANCELLED = "cancelled", "Cancelled"
    REFUNDED = "refunded", "Refunded"
    PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"


# Statuses that mean the buyer paid (so the stock is reserved) and the ones that mean every unit left.
PAID_STATUSES = frozenset({"paid", "partially_shipped", "shipped", "delivered", "refunded", "partially_refunded"})
SHIPPED_STATUSES = frozenset({"shipped", "delivered"})

# Marketplaces that hold the stock from placement, before payment (docs/orders.md#stock-follows-the-order):
# Shopee reserves an unpaid order's units (its "reserved stock change" push).
RESERVE_AT_PLACEMENT = frozenset({"shopee"})


class Segment(models.TextChoices):
    NEW = "new", "New"
    REPEAT = "repeat", "Repeat"
    VIP = "vip", "VIP"
    AT_RISK = "at_risk", "At risk"


class PullTrigger(models.TextChoices):
    """What started an order pull (docs/orders.md#pulling)."""

    SCHEDULE = "schedule", "Schedule"
    MANUAL = "manual", "Pull orders now"
    WEBHOOK = "webhook", "Webhook"


class PullStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    COMPLETED_WITH_ERRORS = "completed_with_errors", "Completed with errors"
    FAILED = "failed", "Failed"


ACTIVE_PULL_STATUSES = (PullStatus.QUEUED, PullStatus.RUNNING)
