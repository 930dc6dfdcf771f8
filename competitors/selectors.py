"""Reads of the competitors app used by pages, API and admin (docs/competitors.md)."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from .filters import AlertFilterSet, CompetitorFilterSet, CompetitorObservationFilterSet
from .models import Alert, Competitor, CompetitorObservation

CHART_POINTS = 200  # observations drawn on a competitor's chart (the latest)


def competitor_list(*, filters: Any = None) -> QuerySet[Competitor]:
    queryset = Competitor.objects.select_related("channel").prefetch_related("listings")
    return CompetitorFilterSet(filters, queryset).qs if filters is not None else queryset


def observation_list(*, filters: Any = None) -> QuerySet[CompetitorObservation]:
    queryset = CompetitorObservation.objects.select_related("competitor")
    return CompetitorObservationFilterSet(filters, queryset).qs if filters is not None else queryset


def alert_list(*, filters: Any = None) -> QuerySet[Alert]:
    queryset = Alert.objects.select_related("competitor", "competitor__channel").prefetch_related(
        "affected_listings", "affected_listings__product"
    )
    return AlertFilterSet(filters, queryset).qs if filters is not None else queryset


def competitor_chart_observations(competitor: Competitor) -> list[CompetitorObservation]:
    """The latest CHART_POINTS observations, oldest first."""
    rows = list(competitor.observations.order_by("-time", "-id")[:CHART_POINTS])
    return rows[::-1]


@dataclass(frozen=True)
class ListingCompetition:
    """What our tracked competitors say about one listing (docs/competitors.md#for-price-rules): the lowest landed
    price (price + shipping) among their latest observations with an offer, whether one of them holds the buy box,
    the buy-box price seen, how many competitors are tracked and when the newest observation was made."""

    lowest_landed_price: Decimal | None
    competitor_holds_buy_box: bool
    buy_box_price: Decimal | None
    competitor_count: int
    observed_at: datetime | None


def _cents(value: Any) -> Decimal:
    """A price from a subquery (SQLite may hand back a float) as a Decimal of cents."""
    return Decimal(str(value)).quantize(Decimal("0.01"))


def listings_competition(listing_ids: Sequence[int]) -> dict[int, ListingCompetition]:
    """Per listing with linked active competitors, their latest state: one query (latest observation per
    competitor by a correlated subquery)."""
    if not listing_ids:
        return {}
    latest = CompetitorObservation.objects.filter(competitor=OuterRef("competitor_id")).order_by("-time", "-id")
    links = (
        Competitor.listings.through.objects.filter(listing_id__in=listing_ids, competitor__is_active=True)
        .annotate(
            at=Subquery(latest.values("time")[:1]),
            landed=Subquery(latest.values("landed_price")[:1]),
            has_offer=Subquery(latest.values("has_offer")[:1]),
            holds=Subquery(latest.values("has_buy_box")[:1]),
            box=Subquery(latest.values("buy_box_price")[:1]),
        )
        .values_list("listing_id", "at", "landed", "has_offer", "holds", "box")  # type: ignore[misc]
    )
    grouped: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for listing_id, *state in links:
        grouped[listing_id].append(tuple(state))
    out = {}
    for listing_id, states in grouped.items():
        seen = [s for s in states if s[0] is not None]
        offers = [_cents(s[1]) for s in seen if s[2] and s[1] is not None]
        boxes = [_cents(s[4]) for s in seen if s[4] is not None]
        out[listing_id] = ListingCompetition(
            lowest_landed_price=min(offers) if offers else None,
            competitor_holds_buy_box=any(s[3] for s in seen),
            buy_box_price=min(boxes) if boxes else None,
            competitor_count=len(states),
            observed_at=max((s[0] for s in seen), default=None),
        )
    return out


def listings_competition_history(
    listing_ids: Sequence[int], since: datetime
) -> dict[int, list[tuple[datetime, Decimal]]]:
    """Per listing, oldest first: after each observation of a linked competitor since `since`, the lowest landed
    price among its competitors' latest offers (a competitor with no offer drops out until it has one again)."""
    if not listing_ids:
        return {}
    links = Competitor.listings.through.objects.filter(listing_id__in=listing_ids)
    by_competitor: dict[int, list[int]] = defaultdict(list)
    for listing_id, competitor_id in links.values_list("listing_id", "competitor_id"):
        by_competitor[competitor_id].append(listing_id)
    observations = (
        CompetitorObservation.objects.filter(competitor_id__in=list(by_competitor), time__gte=since)
        .order_by("time", "id")
        .values_list("competitor_id", "time", "landed_price", "has_offer")
    )
    current: dict[int, dict[int, Decimal]] = defaultdict(dict)
    out: dict[int, list[tuple[datetime, Decimal]]] = defaultdict(list)
    for competitor_id, at, landed, has_offer in observations.iterator(chunk_size=2000):
        for listing_id in by_competitor[competitor_id]:
            prices = current[listing_id]
            if has_offer and landed is not None:
                prices[competitor_id] = landed
            else:
                prices.pop(competitor_id, None)
            if prices:
                out[listing_id].append((at, min(prices.values())))
    return dict(out)
