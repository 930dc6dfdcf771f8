"""Attribution events: find the changes whose after-window has ended, measure each one against its control group
and upsert the event (docs/analytics.md#attribution). The method itself is analytics/attribution.py."""

import logging
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import DecimalField, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from analytics.attribution import WINDOW_DAYS, Day, analyse, content_change_type
from analytics.models import AttributionChangeType, AttributionEvent, ChangeKind, PerformanceMetric
from common.errors import ApplicationError
from inventory.choices import Bucket
from inventory.models import Stock, StockMovement
from listings.models import Listing, ListingVersion, ProductVersion
from pricing.history_models import PriceHistory, PriceKind

logger = logging.getLogger(__name__)

LOOKBACK_DAYS = 30  # the nightly run measures again the changes of the last month: late report days count
MAX_CONTROLS = 200  # control listings per change, lowest ids first


@dataclass(frozen=True)
class Change:
    """One change to measure: a content version or a changed price point of a listing."""

    listing_id: int
    kind: str
    change_id: int
    timestamp: datetime
    change_type: str
    description: str

    @property
    def day(self) -> date:
        return timezone.localdate(self.timestamp)


@dataclass
class AnalyseResult:
    changes: int = 0
    written: int = 0
    verdicts: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _changed_prices(qs: QuerySet[PriceHistory]) -> QuerySet[PriceHistory]:
    """Points of our own price that differ from the listing's point before them (a first point is no change)."""
    previous = PriceHistory.objects.filter(
        listing_id=OuterRef("listing_id"), kind=PriceKind.OURS, time__lt=OuterRef("time")
    ).order_by("-time", "-id")
    return (
        qs.filter(kind=PriceKind.OURS)
        .annotate(
            previous_price=Subquery(
                previous.values("price")[:1], output_field=DecimalField(max_digits=10, decimal_places=2)
            )
        )
        .filter(previous_price__isnull=False)
        .exclude(price=F("previous_price"))
    )


def changes_find(*, first: date, last: date, listing_ids: Collection[int] | None = None) -> list[Change]:
    """Content versions (not a listing's first) and price changes made on the days `first` .. `last`."""
    start, end = _day_start(first), _day_start(last + timedelta(days=1))
    scope = Q(listing_id__in=listing_ids) if listing_ids is not None else Q()
    versions = list(
        ListingVersion.objects.filter(scope, version_number__gt=1, created_at__gte=start, created_at__lt=end)
        .annotate(
            previous_product_version=Subquery(
                ListingVersion.objects.filter(
                    listing_id=OuterRef("listing_id"), version_number=OuterRef("version_number") - 1
                ).values("product_version_id")[:1]
            )
        )
        .order_by("created_at", "id")
    )
    snapshot_ids = {v.product_version_id for v in versions} | {v.previous_product_version for v in versions}
    images = {
        pk: len(snapshot.get("images") or [])
        for pk, snapshot in ProductVersion.objects.filter(pk__in=snapshot_ids - {None}).values_list("pk", "snapshot")
    }
    changes = [
        Change(
            listing_id=v.listing_id,
            kind=ChangeKind.LISTING_VERSION,
            change_id=v.pk,
            timestamp=v.created_at,
            change_type=content_change_type(
                v.changed_fields or [],
                images.get(v.previous_product_version, 0),
                images.get(v.product_version_id, 0),
            ),
            description=f"Version {v.version_number}; changed: {', '.join(v.changed_fields or []) or 'nothing'}.",
        )
        for v in versions
    ]
    prices = _changed_prices(PriceHistory.objects.filter(scope, time__gte=start, time__lt=end)).order_by("time", "id")
    changes += [
        Change(
            listing_id=p.listing_id,
            kind=ChangeKind.PRICE,
            change_id=p.pk,
            timestamp=p.time,
            change_type=AttributionChangeType.PRICE_CHANGE,
            description=f"Price {p.previous_price:.2f} → {p.price:.2f} ({p.get_source_display()}).",  # type: ignore[attr-defined]
        )
        for p in prices
    ]
    return sorted(changes, key=lambda c: (c.timestamp, c.kind, c.change_id))


def _metrics(listing_ids: Iterable[int], first: date, last: date) -> dict[int, dict[date, Day]]:
    rows: dict[int, dict[date, Day]] = defaultdict(dict)
    for m in PerformanceMetric.objects.filter(
        listing_id__in=list(listing_ids), report_date__gte=first, report_date__lte=last
    ).values_list("listing_id", "report_date", "sessions", "units_ordered", "ordered_product_sales", "bsr"):
        rows[m[0]][m[1]] = Day(sessions=m[2], units=m[3], revenue=m[4], bsr=m[5])
    return rows


def _changed_listings(listing_ids: QuerySet[Listing, Any], start: datetime, end: datetime) -> set[int]:
    """Listings among `listing_ids` with a content version or a point of our price inside start .. end."""
    versions = ListingVersion.objects.filter(listing__in=listing_ids, created_at__gte=start, created_at__lt=end)
    prices = PriceHistory.objects.filter(listing__in=listing_ids, kind=PriceKind.OURS, time__gte=start, time__lt=end)
    return set(versions.values_list("listing_id", flat=True)) | set(prices.values_list("listing_id", flat=True))


def stock_out_days(listing: Listing, first: date, last: date) -> list[date]:
    """Days of first .. last on which the listing's stock had nothing available (at the day's start or end),
    read back from the current level and the stock movements since."""
    stock = (
        Stock.objects.filter(variant_id=listing.variant_id).first()
        if listing.variant_id
        else Stock.objects.filter(product_id=listing.product_id, variant__isnull=True).first()
    )
    if stock is None:
        return []
    movements = list(
        StockMovement.objects.filter(stock=stock, created_at__gte=_day_start(first)).values_list(
            "created_at", "bucket", "delta"
        )
    )

    def level_at(moment: datetime) -> int:
        later = sum(d if b == Bucket.ON_HAND else -d for at, b, d in movements if at >= moment)
        return stock.available - later

    out = []
    day = first
    while day <= last:
        if level_at(_day_start(day)) <= 0 or level_at(_day_start(day + timedelta(days=1))) <= 0:
            out.append(day)
        day += timedelta(days=1)
    return out


def attribution_event_measure(*, change: Change, today: date) -> AttributionEvent | None:
    """Measure one change and upsert its event; None when the listing has gone."""
    listing = Listing.objects.select_related("product").filter(pk=change.listing_id).first()
    if listing is None:
        return None
    day = change.day
    first, last = day - timedelta(days=WINDOW_DAYS), day + timedelta(days=WINDOW_DAYS)
    start, end = _day_start(first), _day_start(last + timedelta(days=1))
    control_ids: list[int] = []
    category_id = listing.product.category_id
    if category_id is not None:
        peers = Listing.objects.filter(channel_id=listing.channel_id, product__category_id=category_id).exclude(
            pk=listing.pk
        )
        changed = _changed_listings(peers.values("pk"), start, end)
        control_ids = [pk for pk in peers.order_by("pk").values_list("pk", flat=True) if pk not in changed][
            :MAX_CONTROLS
        ]
    metrics = _metrics([listing.pk, *control_ids], first, last)
    window = Q(listing_id=listing.pk, time__gte=start, time__lt=end)
    price_points = _changed_prices(PriceHistory.objects.filter(window))
    if change.kind == ChangeKind.PRICE:
        price_points = price_points.exclude(pk=change.change_id)
    versions = ListingVersion.objects.filter(listing_id=listing.pk, created_at__gte=start, created_at__lt=end)
    if change.kind == ChangeKind.LISTING_VERSION:
        versions = versions.exclude(pk=change.change_id)
    result = analyse(
        change_day=day,
        treated=metrics.get(listing.pk, {}),
        controls=[metrics[pk] for pk in control_ids if pk in metrics],
        analysis_date=today,
        price_changes=[timezone.localdate(t) for t in price_points.values_list("time", flat=True)],
        other_changes=[timezone.localdate(t) for t in versions.values_list("created_at", flat=True)],
        stock_out_days=stock_out_days(listing, first, last),
    )
    if category_id is None:
        result.notes.insert(0, "The listing's product has no category: there is no control group.")
    notes = [change.description, "Metric: units ordered per day.", *result.notes]
    return _event_upsert(
        listing=listing,
        change=change,
        values={
            "change_type": change.change_type,
            "change_timestamp": change.timestamp,
            "metrics_before": result.metrics_before,
            "metrics_after": result.metrics_after,
            "control_before": result.control_before,
            "control_after": result.control_after,
            "impact_score": result.impact_score,
            "confidence": result.confidence,
            "verdict": result.verdict,
            "confounders": result.confounders,
            "daily_units": result.daily,
            "analysis_date": today,
            "analysis_notes": "\n".join(notes),
        },
    )


@transaction.atomic
def _event_upsert(*, listing: Listing, change: Change, values: dict[str, Any]) -> AttributionEvent:
    event = (
        AttributionEvent.objects.select_for_update()
        .filter(listing=listing, change_kind=change.kind, change_id=change.change_id)
        .first()
    ) or AttributionEvent(listing=listing, change_kind=change.kind, change_id=change.change_id)
    for name, value in values.items():
        setattr(event, name, value)
    event.full_clean(validate_unique=event.pk is None)
    event.save()
    return event


def attribution_analyse(
    *, listing_ids: Collection[int] | None = None, since: date | None = None, today: date | None = None
) -> AnalyseResult:
    """Measure every change made from `since` (default LOOKBACK_DAYS ago) whose after-window has ended (its
    day + 7 is before `today`), of `listing_ids` or of every listing; upsert one event per change."""
    today = today or timezone.localdate()
    since = since or today - timedelta(days=LOOKBACK_DAYS)
    if since > today:
        raise ApplicationError(f"'since' ({since.isoformat()}) is in the future.")
    last = today - timedelta(days=WINDOW_DAYS + 1)
    result = AnalyseResult()
    if since > last:
        return result
    for change in changes_find(first=since, last=last, listing_ids=listing_ids):
        result.changes += 1
        event = attribution_event_measure(change=change, today=today)
        if event is not None:
            result.written += 1
            result.verdicts[event.verdict] += 1
    logger.info("Attribution: %s changes measured since %s (%s).", result.changes, since, dict(result.verdicts))
    return result


def attribution_nightly() -> AnalyseResult:
    """The nightly run: the last LOOKBACK_DAYS of changes, measured again with the data that came since."""
    return attribution_analyse()
