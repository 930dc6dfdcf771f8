"""Reads of the price rules: the rules, and each listing's engine inputs in bulk (a constant number of queries per
chunk of listings). Competitor data comes through the two hooks below (docs/pricing.md#price-rules)."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Exists, FilteredRelation, OuterRef, Q, QuerySet, Subquery, Sum

from catalog.models import Category, Variant
from channels.models import Channel
from channels.rules import price_apply_rules
from competitors.models import Competitor
from competitors.selectors import listings_competition, listings_competition_history
from inventory.cost_selectors import rates_map
from inventory.costing import CostProblem, convert
from listings.effective import base_price
from listings.models import Listing

from .margins import CENT
from .models import ChannelFee, FeeEstimate
from .rule_models import ListingPriceLimits, PriceChange, PriceRule
from .rules import DEFAULT_OSCILLATION_WINDOW_HOURS, CompetitorState, ListingInputs, RuleSpec
from .selectors import default_margin_floor, fee_row_for, fee_terms, fees_by_channel, listings_margins

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
    return _row_tags(listing.product.brand, listing.product.attributes)


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


# --- engine inputs from plain rows (preview and apply) -------------------------------------------------------------

# What the engine reads of a listing, with its product, variant, stored landed cost, limits and Amazon fee estimate
# joined: one query per chunk and no model instances (building them, and compiling one id list per table, was most
# of a preview's time: docs/benchmarks.md#price-rules-preview)
_ROW_COLUMNS = (
    "pk", "product_id", "variant_id", "channel_id", "price", "product__price", "product__cost_price",
    "product__currency", "product__quantity", "product__brand", "product__category__path", "variant__price",
    "variant__quantity", "variants_stock", "own_cost__landed_cost", "own_cost__currency", "variant__landed__id",
    "variant__landed__landed_cost", "variant__landed__currency", "price_limits__min_price", "price_limits__max_price",
    "price_limits__margin_floor_pct", "price_limits__frozen_until", "fee_estimate__id",
    "fee_estimate__fulfilment_fee", "fee_estimate__error", "has_competitors", "has_links",
)  # fmt: skip


def _listing_rows(listing_ids: Sequence[int], *, with_tags: bool) -> list[tuple[Any, ...]]:
    variants_stock = Subquery(
        Variant.objects.filter(product_id=OuterRef("product_id"))
        .order_by()
        .values("product_id")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    links = Competitor.listings.through.objects.filter(listing_id=OuterRef("pk"))
    own_cost = FilteredRelation("product__landed_costs", condition=Q(product__landed_costs__variant__isnull=True))
    columns = (*_ROW_COLUMNS, "product__attributes") if with_tags else _ROW_COLUMNS
    rows = Listing.objects.filter(pk__in=listing_ids).annotate(
        variants_stock=variants_stock,
        own_cost=own_cost,
        has_competitors=Exists(links.filter(competitor__is_active=True)),
        has_links=Exists(links),  # any competitor, active or not: the replay's history reads them all
    )
    return list(rows.order_by("pk").values_list(*columns))


def _recent_changes(listing_ids: Sequence[int], since: datetime) -> dict[int, list[tuple[datetime, Decimal, Decimal]]]:
    """(at, old, new) per listing, newest first. Filtered on the chunk's id range and the window rather than an id
    list (a list costs Django a few µs per id per query); changes of listings outside the chunk are dropped."""
    wanted = set(listing_ids)
    changes: defaultdict[int, list[tuple[datetime, Decimal, Decimal]]] = defaultdict(list)
    rows = PriceChange.objects.filter(
        listing_id__gte=min(listing_ids), listing_id__lte=max(listing_ids), created_at__gte=since
    ).order_by("-created_at", "-id")
    for listing_id, at, old, new in rows.values_list("listing_id", "created_at", "old_price", "new_price"):
        if listing_id in wanted:
            changes[listing_id].append((at, old, new))
    return changes


class RuleReads:
    """What every chunk of one preview shares, read once: the channels, their fee rows, the exchange rates and
    the default floor; and caches of the values many listings share (base price, landed cost in the channel's
    currency, fee row and floor per category path). Channels and fee rows are small tables."""

    def __init__(self, *, with_tags: bool) -> None:
        self.with_tags = with_tags
        self.channels = {channel.pk: channel for channel in Channel.objects.all()}
        self.fees = fees_by_channel(self.channels)
        self.rates = rates_map()
        self.default_floor = default_margin_floor()
        self._base: dict[tuple[Decimal, int], Decimal] = {}
        self._landed: dict[tuple[Decimal, str, str], Decimal | None] = {}
        self._fee: dict[tuple[int, str | None], tuple[ChannelFee | None, Decimal]] = {}
        self._categories: dict[str, frozenset[int]] = {}

    def base_price(self, price: Decimal, channel_id: int) -> Decimal:
        key = (price, channel_id)
        if key not in self._base:
            self._base[key] = Decimal(price_apply_rules(price, self.channels[channel_id]).value)
        return self._base[key]

    def landed(self, amount: Decimal, currency: str, channel_id: int) -> Decimal | None:
        """The landed cost in the channel's currency to the cent; None without a rate (as listings_margins)."""
        key = (amount, currency, self.channels[channel_id].currency)
        if key not in self._landed:
            try:
                self._landed[key] = convert(amount, currency, key[2], self.rates).quantize(CENT)
            except CostProblem:
                self._landed[key] = None
        return self._landed[key]

    def row_landed(self, row: tuple[Any, ...], channel_id: int) -> Decimal | None:
        """A listing row's stored landed cost (its variant's, else its product's own), else its product's cost
        price; in the channel's currency. A stored row without an amount (a problem) means none."""
        if row[2]:
            if row[16] is not None:
                return self.landed(row[17], row[18], channel_id) if row[17] is not None else None
        elif row[15] is not None:  # the product's own row exists (currency is never empty)
            return self.landed(row[14], row[15], channel_id) if row[14] is not None else None
        return self.landed(row[6], row[7], channel_id) if row[6] is not None else None

    def fee(self, channel_id: int, path: str | None) -> tuple[ChannelFee | None, Decimal]:
        key = (channel_id, path)
        if key not in self._fee:
            row = fee_row_for(self.fees.get(channel_id, []), path)
            floor = Decimal(row.margin_floor_pct) if row and row.margin_floor_pct is not None else self.default_floor
            self._fee[key] = (row, floor)
        return self._fee[key]

    def categories(self, path: str) -> frozenset[int]:
        if path not in self._categories:
            self._categories[path] = frozenset(int(part) for part in path.split("/") if part)
        return self._categories[path]


def _row_tags(brand: str, attributes: Any) -> frozenset[str]:
    tags = {brand.lower()} if brand else set()
    extra = (attributes or {}).get("tags") if isinstance(attributes, dict) else None
    if isinstance(extra, list):
        tags.update(str(tag).lower() for tag in extra)
    elif isinstance(extra, str):
        tags.update(tag.strip().lower() for tag in extra.split(",") if tag.strip())
    return frozenset(tags)


def listing_rows_inputs(
    listing_ids: Sequence[int],
    now: datetime,
    reads: RuleReads,
    *,
    competitor_price: Decimal | None = None,
    window_hours: int = DEFAULT_OSCILLATION_WINDOW_HOURS,
) -> tuple[list[ListingInputs], list[int]]:
    """The engine inputs of these listings (ordered by id; a missing id is skipped), as `listings_inputs` gives
    them, from plain rows: at most three queries whatever their number (listings with what they join, recent
    price changes, and competitors when one is linked). Tags are read only when `reads.with_tags` (a tag-scoped
    rule is in the set); otherwise they are left empty, which no other rule reads. Also the ids of those with any
    competitor linked (the only ones with a competitor history)."""
    if not listing_ids:
        return [], []
    rows = _listing_rows(listing_ids, with_tags=reads.with_tags)
    changes = _recent_changes(listing_ids, now - max(timedelta(hours=window_hours), timedelta(days=1)))
    # only listings with an active competitor linked: a chunk without any asks nothing (the query with its id list
    # cost more than the rest of the chunk's reads together)
    competitors = competitor_states([row[0] for row in rows if row[26]])
    what_if = (
        CompetitorState(competitor_price, holds_buy_box=None, competitor_count=1, observed_at=now)
        if competitor_price is not None
        else None
    )
    today = now.date()
    result = []
    for row in rows:
        pk, product_id, variant_id, channel_id, override, product_price, cost_price, currency = row[:8]
        quantity, brand, path, variant_price, variant_quantity, variants_stock = row[8:14]
        channel = reads.channels[channel_id]
        base = reads.base_price(
            variant_price if variant_id and variant_price is not None else product_price, channel_id
        )
        fee, floor = reads.fee(channel_id, path)
        estimate = FeeEstimate(fulfilment_fee=row[24], error=row[25]) if row[23] is not None else None
        competitor = competitors.get(pk)
        if what_if is not None:
            holds = competitor.holds_buy_box if competitor is not None else None
            competitor = what_if if holds is None else replace(what_if, holds_buy_box=holds)
        recent_changes = changes.get(pk, ())
        stock = int(variants_stock) if variants_stock is not None else quantity  # a product-level listing's
        available = variant_quantity if variant_id else stock
        min_price, max_price, listing_floor, frozen_until = row[19:23]
        result.append(
            ListingInputs(
                listing_id=pk,
                channel_id=channel_id,
                channel_name=channel.name,
                category_ids=reads.categories(path) if path else frozenset(),
                tags=_row_tags(brand, row[28]) if reads.with_tags else frozenset(),
                current_price=override if override is not None else base,
                base_price=base,
                landed_cost=reads.row_landed(row, channel_id),
                terms=fee_terms(fee, estimate),
                channel_floor_pct=floor,
                listing_floor_pct=listing_floor,
                min_price=min_price if min_price is not None else channel.price_min,
                max_price=max_price if max_price is not None else channel.price_max,
                rounding_ending=channel.price_rounding_ending,
                available=available,
                competitor=competitor,
                changes_today=sum(1 for change in recent_changes if change[0].date() == today),
                recent_changes=tuple(recent_changes),
                frozen_until=frozen_until,
            )
        )
    return result, [row[0] for row in rows if row[27]]
