"""Reads for the stock pages and API."""

from datetime import datetime

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from accounts.runtime_settings import runtime_setting
from catalog.models import Variant

from .models import Stock, StockMovement

AVAILABLE = "available_qty"  # the annotation stocks() adds


def stocks() -> QuerySet[Stock]:
    """Every sellable unit's stock: variants, and products without variants (a product-level row whose product
    has since gained variants is left out), annotated with `available_qty`."""
    has_variants = Exists(Variant.objects.filter(product_id=OuterRef("product_id")))
    return (
        Stock.objects.select_related("product", "variant")
        .annotate(**{AVAILABLE: F("on_hand") - F("committed") - F("safety")}, product_has_variants=has_variants)
        .exclude(Q(variant__isnull=True) & Q(product_has_variants=True))
    )


def stocks_low() -> QuerySet[Stock]:
    default = int(runtime_setting("inventory.low_stock_threshold"))
    return (
        stocks()
        .filter(
            Q(low_stock_threshold__isnull=True, available_qty__lte=default)
            | Q(low_stock_threshold__isnull=False, available_qty__lte=F("low_stock_threshold"))
        )
        .order_by(AVAILABLE, "sku")
    )


def stocks_oversold() -> QuerySet[Stock]:
    return stocks().filter(oversold=True).order_by(AVAILABLE, "sku")


def stock_movements(
    stock: Stock | None = None, *, bucket: str = "", until: datetime | None = None
) -> QuerySet[StockMovement]:
    """The ledger, newest first; `until`: only the movements made by then (what a figure pushed at that time saw)."""
    queryset = StockMovement.objects.select_related("stock", "actor").order_by("-id")
    if until is not None:
        queryset = queryset.filter(created_at__lte=until)
    if stock is not None:
        queryset = queryset.filter(stock=stock)
    if bucket:
        queryset = queryset.filter(bucket=bucket)
    return queryset
