"""Effective values of a listing: overrides, else the variant or product value through the channel's rules.

This is the one place that resolves them; readiness, payloads, pages and the API all call it.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Generic, TypeVar

from catalog.models import Variant
from channels.rules import holds_last_units, price_apply_rules, stock_apply_rules

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
    bullet_points: EffectiveValue[tuple[str, ...]]
    search_terms: EffectiveValue[str]
    short_description: EffectiveValue[str]
    seo_title: EffectiveValue[str]
    seo_description: EffectiveValue[str]


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
    return base_price(listing)


def base_price(listing: Listing) -> EffectiveValue[Decimal]:
    """The variant or product price through the channel's rules, ignoring an override (the price rules' base)."""
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
        # minimum stock control holds back each variant below the channel's minimum (docs/orders.md)
        available = sum(v.quantity for v in variants if not holds_last_units(v.quantity, listing.channel))
        source = SOURCE_VARIANTS_TOTAL
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


def effective_text(listing: Listing, name: str) -> EffectiveValue[str]:
    """A content text: the listing's override when set, else the product's (blank when it has none)."""
    override = getattr(listing, name)
    if override is not None:
        return EffectiveValue(override, SOURCE_LISTING)
    return EffectiveValue(getattr(listing.product, name) or "", SOURCE_PRODUCT)


def effective_bullet_points(listing: Listing) -> EffectiveValue[tuple[str, ...]]:
    if listing.bullet_points is not None:
        return EffectiveValue(tuple(b.strip() for b in listing.bullet_points if b.strip()), SOURCE_LISTING)
    return EffectiveValue(tuple(listing.product.bullet_points), SOURCE_PRODUCT)


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
        bullet_points=effective_bullet_points(listing),
        search_terms=effective_text(listing, "search_terms"),
        short_description=effective_text(listing, "short_description"),
        seo_title=effective_text(listing, "seo_title"),
        seo_description=effective_text(listing, "seo_description"),
    )
