"""A new variant or product gets its stock row at once (an opening count of its quantity), so stock pages and
low-stock lists show it before its first order. Rows made in bulk (imports) are opened on first use instead."""

from typing import Any

from catalog.models import Product, Variant

from .services import stock_for_product, stock_for_variant


def product_created(sender: Any, instance: Product, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if created and not raw:
        stock_for_product(instance)


def variant_created(sender: Any, instance: Variant, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if created and not raw:
        stock_for_variant(instance)
