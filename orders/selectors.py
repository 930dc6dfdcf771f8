"""Reads for the order and customer pages and API."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.roles import channel_scoped
from accounts.runtime_settings import runtime_setting
from inventory.models import StockMovement

from .choices import PAID_STATUSES
from .models import Customer, Order, OrderLine

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
        f"At risk: no order for more than {runtime_setting('customers.at_risk_days')} days. "
        f"VIP: spent {runtime_setting('customers.vip_spend'):g} or more. Repeat: 2 orders or more. New: otherwise. "
        f"Personal data is removed {settings.CUSTOMER_RETENTION_DAYS} days after the last order."
    )


@dataclass(frozen=True)
class SoldPrice:
    """What a product actually sold for on our channels: units kept by buyers (less cancelled and refunded) and the
    median unit price of its paid order lines in one currency (docs/orders.md#sold-prices)."""

    product_id: int
    currency: str
    units: int
    orders: int
    median_unit_price: Decimal
    last_sold_at: Any


def _weighted_median(values: list[tuple[Decimal, int]]) -> Decimal:
    """The median unit price when each price counts as many times as units sold at it (the lower middle on a tie)."""
    ordered = sorted(values)
    half = sum(weight for _, weight in ordered) / 2
    seen = 0
    for price, weight in ordered:
        seen += weight
        if seen >= half:
            return price.quantize(Decimal("0.01"))
    raise ValueError("no values")


def product_sold_prices(product_ids: Iterable[int], *, days: int = 365, lines: int = 5000) -> dict[int, SoldPrice]:
    """Per product (a variant's lines count for its product), its sold price in its most sold currency over the
    last `days` days: one query over at most `lines` newest paid lines."""
    ids = list(product_ids)
    if not ids:
        return {}
    rows = (
        OrderLine.objects.filter(
            stock__product_id__in=ids,
            order__status__in=PAID_STATUSES,
            order__placed_at__gte=timezone.now() - timedelta(days=days),
            unit_price__gt=0,
        )
        .annotate(
            placed=Coalesce("order__placed_at", "order__first_seen_at"),
            kept=F("quantity") - F("cancelled_quantity") - F("refunded_quantity"),
        )
        .order_by("-order__placed_at")
        .values_list("stock__product_id", "order__currency", "order_id", "unit_price", "placed", "kept")[:lines]
    )
    grouped: dict[tuple[int, str], list[tuple[int, Decimal, Any, int]]] = defaultdict(list)
    for product_id, currency, order_id, price, placed, kept in rows:
        if kept > 0:
            grouped[(product_id, currency)].append((order_id, price, placed, kept))
    best: dict[int, SoldPrice] = {}
    for (product_id, currency), sold in grouped.items():
        units = sum(k for *_, k in sold)
        if product_id in best and best[product_id].units >= units:
            continue
        best[product_id] = SoldPrice(
            product_id=product_id,
            currency=currency,
            units=units,
            orders=len({order_id for order_id, *_ in sold}),
            median_unit_price=_weighted_median([(price, kept) for _, price, _, kept in sold]),
            last_sold_at=max(placed for _, _, placed, _ in sold),
        )
    return best
