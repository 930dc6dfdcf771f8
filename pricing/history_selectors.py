"""Reads of the price history: the API's list and the listing page's chart series (docs/pricing.md#price-history)."""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from listings.models import Listing

from .history_models import PriceHistory, PriceHistoryDaily, PriceKind


def price_history_list() -> QuerySet[PriceHistory]:
    return PriceHistory.objects.select_related("listing", "created_by").order_by("-time", "-id")


@dataclass(frozen=True)
class SeriesPoint:
    time: datetime
    price: Decimal | None  # None: no offer


def price_history_series(
    *, listing: Listing, days: int = 90, now: datetime | None = None
) -> dict[str, list[SeriesPoint]]:
    """Each kind's points over the last `days`, oldest first: daily closes where the raw points were compressed,
    raw points after, and the last point before the window as its start (a price holds until the next change)."""
    now = now or timezone.now()
    start = now - timedelta(days=days)
    series: dict[str, list[SeriesPoint]] = {kind: [] for kind in PriceKind.values}
    dailies = PriceHistoryDaily.objects.filter(listing=listing, day__gte=start.astimezone(UTC).date())
    for row in dailies.order_by("day"):
        at = datetime.combine(row.day, time.max, tzinfo=UTC)
        series[row.kind].append(SeriesPoint(min(at, now), row.close_price))
    raw = PriceHistory.objects.filter(listing=listing, time__gte=start, time__lte=now).order_by("time", "id")
    for kind, at, price in raw.values_list("kind", "time", "price"):
        series[kind].append(SeriesPoint(at, price))
    for kind, points in series.items():
        before = (
            PriceHistory.objects.filter(listing=listing, kind=kind, time__lt=start).order_by("-time", "-id").first()
        )
        if before is not None:
            points.insert(0, SeriesPoint(start, before.price))
        elif not points or points[0].time > start:
            daily = PriceHistoryDaily.objects.filter(listing=listing, kind=kind, day__lt=start.date()).first()
            if daily is not None:
                points.insert(0, SeriesPoint(start, daily.close_price))
    return series
