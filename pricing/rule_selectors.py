"""Reads of the price rules: the rules, and each listing's engine inputs in bulk (a constant number of queries per
chunk of listings). Competitor data comes through the two hooks below (docs/pricing.md#price-rules)."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import QuerySet, Sum

from catalog.models import Category, Variant
from competitors.selectors import listings_competition, listings_competition_history
from listings.effective import base_price
from listings.models import Listing

from .rule_models import ListingPriceLimits, PriceChange, PriceRule
from .rules import DEFAULT_OSCILLATION_WINDOW_HOURS, CompetitorState, ListingInputs, RuleSpec
from .selectors import fee_terms, listings_margins

HISTORY_DAYS = 30


def price_rule_list() -> QuerySet[PriceRule]:
    return PriceRule.objects.order_by("-priority", "id")


def listings_for_rules() -> QuerySet[Listing]:
    """Listings with what the engine reads loaded."""
    return Listing.objects.select_related("product", "product__category", "variant", "channel")


# --- competitor data (the competitors app) -----------------------------------------------------


def competitor_states(listing_ids: Sequence[int]) -> dict[int, CompetitorState]:
    """Per listing: the lowest competitor landed price (price + shipping) and whether we hold the buy box, from
    the competitors app (docs/competitors.md#for-price-rules); a listing without tracked competitors is absent.
    We are taken not to hold the buy box when a tracked competitor holds it; otherwise it is unknown (None)."""
    return {
        listing_id: CompetitorState(
            lowest_landed_price=c.lowest_landed_price,
            holds_buy_box=False if c.competitor_holds_buy_box else None,
            buy_box_price=c.buy_box_price,
            competitor_count=c.competitor_count,
            observed_at=c.observed_at,
        )
        for listing_id, c in listings_competition(listing_ids).items()
    }


def competitor_history(listing_ids: Sequence[int], since: datetime) -> dict[int, list[tuple[datetime, Decimal]]]:
    """Per listing: (observed at, lowest competitor landed price) since `since`, oldest first."""
    return listings_competition_history(listing_ids, since)


# --- engine inputs ------------------------------------------------------------------------------------------------


def resolve_scope(spec: RuleSpec) -> RuleSpec:
    """A category scope given by name becomes its id (the engine matches ids)."""
    value = (spec.scope_value or "").strip()
    if spec.applies_to == "category" and value and not value.isdigit():
        category = Category.objects.filter(name__iexact=value).order_by("path").first()
        return RuleSpec(
            spec.id,
            spec.name,
            spec.applies_to,
            str(category.pk) if category else f"missing:{value}",
            spec.rule_type,
            spec.config,
            spec.priority,
        )
    return spec


def _tags(listing: Listing) -> frozenset[str]:
    product = listing.product
    tags = {product.brand.lower()} if product.brand else set()
    extra = (product.attributes or {}).get("tags")
    if isinstance(extra, list):
        tags.update(str(tag).lower() for tag in extra)
    elif isinstance(extra, str):
        tags.update(tag.strip().lower() for tag in extra.split(",") if tag.strip())
    return frozenset(tags)


def _available(listing: Listing, variant_stock: dict[int, int]) -> int:
    """Units in stock: the variant's, else the sum of the product's variants, else the product's."""
    if listing.variant_id and listing.variant is not None:
        return listing.variant.quantity
    total = variant_stock.get(listing.product_id)
    return int(total) if total is not None else listing.product.quantity


def listings_inputs(
    listings: Sequence[Listing],
    now: datetime,
    *,
    competitor_price: Decimal | None = None,
    window_hours: int = DEFAULT_OSCILLATION_WINDOW_HOURS,
) -> list[ListingInputs]:
    """Engine inputs of many listings (loaded as `listings_for_rules`): seven queries whatever their number.
    `competitor_price` (a what-if) replaces every listing's lowest competitor landed price."""
    ids = [listing.pk for listing in listings]
    costs = listings_margins(listings)
    limits = {row.listing_id: row for row in ListingPriceLimits.objects.filter(listing_id__in=ids)}
    since = now - max(timedelta(hours=window_hours), timedelta(days=1))
    changes: defaultdict[int, list[tuple[datetime, Decimal, Decimal]]] = defaultdict(list)
    rows = PriceChange.objects.filter(listing_id__in=ids, created_at__gte=since).order_by("-created_at", "-id")
    for listing_id, at, old, new in rows.values_list("listing_id", "created_at", "old_price", "new_price"):
        changes[listing_id].append((at, old, new))
    competitors = competitor_states(ids)
    product_level = {listing.product_id for listing in listings if not listing.variant_id}
    variant_stock = dict(
        Variant.objects.filter(product_id__in=product_level)
        .values("product_id")
        .annotate(total=Sum("quantity"))
        .values_list("product_id", "total")
    )
    result = []
    for listing, cost in zip(listings, costs, strict=True):
        channel, product = listing.channel, listing.product
        limit = limits.get(listing.pk)
        competitor = competitors.get(listing.pk)
        if competitor_price is not None:
            holds = competitor.holds_buy_box if competitor is not None else None
            competitor = CompetitorState(competitor_price, holds_buy_box=holds, competitor_count=1, observed_at=now)
        path = product.category.path if product.category is not None else ""
        today = [change for change in changes[listing.pk] if change[0].date() == now.date()]
        min_price = limit.min_price if limit and limit.min_price is not None else channel.price_min
        max_price = limit.max_price if limit and limit.max_price is not None else channel.price_max
        result.append(
            ListingInputs(
                listing_id=listing.pk,
                channel_id=channel.pk,
                channel_name=channel.name,
                category_ids=frozenset(int(part) for part in path.split("/") if part),
                tags=_tags(listing),
                current_price=cost.price.value,
                base_price=base_price(listing).value,
                landed_cost=cost.landed_cost,
                terms=fee_terms(cost.fee, cost.estimate),  # an Amazon estimate's fulfilment fee where the row asks
                channel_floor_pct=cost.floor_pct,
                listing_floor_pct=limit.margin_floor_pct if limit else None,
                min_price=min_price,
                max_price=max_price,
                rounding_ending=channel.price_rounding_ending,
                available=_available(listing, variant_stock),
                competitor=competitor,
                changes_today=len(today),
                recent_changes=tuple(changes[listing.pk]),
                frozen_until=limit.frozen_until if limit else None,
            )
        )
    return result
