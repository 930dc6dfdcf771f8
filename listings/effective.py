"""Effective values of a listing: overrides, else the variant or product value through the channel's rules.

This is the one place that resolves them; readiness, payloads, pages and the API all call it.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Generic, TypeVar

from catalog.models import Variant
from channels.rules import price_apply_rules, stock_apply_rules

from .models import Listing

T = TypeVar("T")

SOURCE_LISTING = "listing"  # an override on the listing
SOURCE_VARIANT = "variant"
SOURCE_PRODUCT = "product"
SOURCE_VARIANTS_TOTAL = "variants"  # a product-level listing of a product with variants: sum of their stock
SOURCE_NONE = "none"

SOURCE_LABELS = {
    SOURCE_LISTING: "listing override",
    SOURCE_VARIANT: "variant",
    SOURCE_PRODUCT: "product",
    SOURCE_VARIANTS_TOTAL: "sum of variants",
    SOURCE_NONE: "not set",
}


@dataclass(frozen=True)
class EffectiveValue(Generic[T]):
    """A value and where it came from: `source` (listing/variant/product) and the channel rule steps applied."""

    value: T
    source: str
    steps: tuple[str, ...] = ()

    @property
    def rule(self) -> str:
        """Human explanation, e.g. 'product 19.90, +10 % = 21.89, rounded to .99 = 21.99'."""
        label = SOURCE_LABELS.get(self.source, self.source)
        return ", ".join((label, *self.steps))

    @property
    def is_override(self) -> bool:
        return self.source == SOURCE_LISTING


@dataclass(frozen=True)
class EffectiveValues:
    title: EffectiveValue[str]
    description: EffectiveValue[str]
    price: EffectiveValue[Decimal]
    compare_at_price: EffectiveValue[Decimal | None]
    quantity: EffectiveValue[int]


def _variants(listing: Listing) -> list[Variant]:
    """Variants a product-level listing sells (uses a prefetch of product.variants when present)."""
    if listing.variant_id:
        return []
    return list(listing.product.variants.all())


def effective_title(listing: Listing) -> EffectiveValue[str]:
    if listing.title is not None:
        return EffectiveValue(listing.title, SOURCE_LISTING)
    title = listing.product.title
    if listing.variant_id and listing.variant and listing.variant.options:
        options = " / ".join(str(v) for v in listing.variant.options.values())
        return EffectiveValue(f"{title} ({options})", SOURCE_VARIANT)
    return EffectiveValue(title, SOURCE_PRODUCT)


def effective_price(listing: Listing) -> EffectiveValue[Decimal]:
    if listing.price is not None:
        return EffectiveValue(listing.price, SOURCE_LISTING)
    variant = listing.variant if listing.variant_id else None
    if variant is not None and variant.price is not None:
        base, source = variant.price, SOURCE_VARIANT
    else:
        base, source = listing.product.price, SOURCE_PRODUCT
    result = price_apply_rules(base, listing.channel)
    return EffectiveValue(Decimal(result.value), source, (f"base {base}", *result.steps))


def effective_compare_at_price(listing: Listing, price: Decimal) -> EffectiveValue[Decimal | None]:
    if listing.compare_at_price is not None:
        return EffectiveValue(listing.compare_at_price, SOURCE_LISTING)
    variant = listing.variant if listing.variant_id else None
    if variant is not None and variant.compare_at_price is not None:
        base, source = variant.compare_at_price, SOURCE_VARIANT
    elif listing.product.compare_at_price is not None:
        base, source = listing.product.compare_at_price, SOURCE_PRODUCT
    else:
        return EffectiveValue(None, SOURCE_NONE)
    result = price_apply_rules(base, listing.channel, clamp=False)
    value = Decimal(result.value)
    if value <= price:
        return EffectiveValue(None, source, (f"base {base}", *result.steps, f"dropped: not above price {price}"))
    return EffectiveValue(value, source, (f"base {base}", *result.steps))


def effective_quantity(listing: Listing) -> EffectiveValue[int]:
    if listing.quantity is not None:
        return EffectiveValue(listing.quantity, SOURCE_LISTING)
    variants = _variants(listing)
    if listing.variant_id and listing.variant:
        available, source = listing.variant.quantity, SOURCE_VARIANT
    elif variants:
        available, source = sum(v.quantity for v in variants), SOURCE_VARIANTS_TOTAL
    else:
        available, source = listing.product.quantity, SOURCE_PRODUCT
    result = stock_apply_rules(available, listing.channel)
    return EffectiveValue(int(result.value), source, (f"available {available}", *result.steps))


def variant_offer(listing: Listing, variant: Variant) -> tuple[Decimal, Decimal | None, int]:
    """Price, compare-at price and quantity of one variant of a product-level listing, through the rules."""
    channel = listing.channel
    price = Decimal(price_apply_rules(variant.effective_price, channel).value)
    compare: Decimal | None = None
    if variant.compare_at_price is not None:
        compare = Decimal(price_apply_rules(variant.compare_at_price, channel, clamp=False).value)
        compare = compare if compare > price else None
    quantity = int(stock_apply_rules(variant.quantity, channel).value)
    return price, compare, quantity


def listing_effective_values(listing: Listing) -> EffectiveValues:
    """Resolve every effective value of a listing and say which override, base value and rule produced it."""
    price = effective_price(listing)
    description = (
        EffectiveValue(listing.description, SOURCE_LISTING)
        if listing.description is not None
        else EffectiveValue(listing.product.description, SOURCE_PRODUCT)
    )
    return EffectiveValues(
        title=effective_title(listing),
        description=description,
        price=price,
        compare_at_price=effective_compare_at_price(listing, price.value),
        quantity=effective_quantity(listing),
    )
