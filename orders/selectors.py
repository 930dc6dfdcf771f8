"""Reads for the order and customer pages and API."""

from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from accounts.roles import channel_scoped
from inventory.models import StockMovement

from .models import Customer, Order

LINE_SOURCE = "orders.orderline"  # the source_type of the movements an order line causes


def orders_visible(user: Any) -> QuerySet[Order]:
    return channel_scoped(Order.objects.select_related("channel", "customer"), user)


def customers_visible(user: Any) -> QuerySet[Customer]:
    return channel_scoped(Customer.objects.select_related("channel"), user)


def order_movements(order: Order) -> QuerySet[StockMovement]:
    """The stock movements the order's lines caused, oldest first."""
    line_ids = [str(pk) for pk in order.lines.values_list("pk", flat=True)]
    return (
        StockMovement.objects.filter(source_type=LINE_SOURCE, source_id__in=line_ids)
        .select_related("stock", "actor")
        .order_by("id")
    )


def segment_rule_text() -> str:
    return (
        f"At risk: no order for more than {settings.CUSTOMER_AT_RISK_DAYS} days. "
        f"VIP: spent {settings.CUSTOMER_VIP_SPEND:g} or more. Repeat: 2 orders or more. New: otherwise. "
        f"Personal data is removed {settings.CUSTOMER_RETENTION_DAYS} days after the last order."
    )
