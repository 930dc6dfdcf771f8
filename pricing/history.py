"""Writes of the price history (docs/pricing.md#price-history): record a point, record the effective prices of
listings after a change, and compress old points into daily aggregates.

Lower apps (catalog, channels, listings, syncing) may not call pricing's services (the layer rule), so their
services publish events (catalog.prices_changed, channel.payload_inputs_changed, listings.prices_changed,
syncing.remote_prices_observed) and the handlers here, subscribed in PricingConfig.ready(), call
`price_history_record_effective` / `price_history_record_observed` in the publisher's transaction. Upper apps
(pricing rules, competitors) call `price_history_record` / `price_history_record_observed` directly.
"""

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from catalog.models import Category
from channels.models import Channel
from common.actors import Actor as User
from common.actors import actor_or_none
from common.changes import current_change_source
from common.enqueue import enqueue
from common.errors import ApplicationError
from listings.effective import effective_price
from listings.models import Listing
from pricing.history_tasks import price_history_record_effective_task

from .history_models import OBSERVED_KINDS, PriceHistory, PriceHistoryDaily, PriceKind, PriceSource
from .services import listing_margins_refresh

RECORD_CHUNK = 500  # listings whose effective price is computed per query batch
TASK_CHUNK = 5_000  # listing ids per queued recording task (a markup edit on a 100,000-listing channel: 20 tasks)


def _source(source: str) -> str:
    value = source or current_change_source()
    if value not in PriceSource.values:
        raise ApplicationError(f"Unknown price source {value!r}; one of: {', '.join(PriceSource.values)}.")
    return value


def _last_price(listing_id: int, kind: str) -> tuple[bool, Decimal | None]:
    last = PriceHistory.objects.filter(listing_id=listing_id, kind=kind).order_by("-time", "-id").first()
    if last is None:
        daily = PriceHistoryDaily.objects.filter(listing_id=listing_id, kind=kind).order_by("-day").first()
        return (daily is not None, daily.close_price if daily else None)
    return True, last.price


@transaction.atomic
def price_history_record(
    *,
    listing: Listing | int,
    price: Decimal | None,
    source: str = "",
    kind: str = PriceKind.OURS,
    at: datetime | None = None,
    detail: dict[str, Any] | None = None,
    user: User = None,
    sale_price: Decimal | None = None,
    buy_box_price: Decimal | None = None,
    has_buy_box: bool | None = None,
    force: bool = False,
) -> PriceHistory | None:
    """Record `price` of `kind` for a listing at `at` (default now); None when it equals the last point of that
    kind (nothing moved) unless `force`.

    `source` defaults to the running writer's label (common/changes.py), else "manual". A rule that applies a
    price passes source="rule" and its inputs, formula and clipping guard in `detail` (docs/pricing.md).
    """
    listing_id = listing if isinstance(listing, int) else listing.pk
    if not force:
        seen, last = _last_price(listing_id, kind)
        if seen and last == price:
            return None
    point = PriceHistory(
        listing_id=listing_id,
        kind=kind,
        price=price,
        source=_source(source),
        time=at or timezone.now(),
        detail=detail or {},
        created_by=actor_or_none(user),
        sale_price=sale_price,
        buy_box_price=buy_box_price,
        has_buy_box=has_buy_box,
    )
    point.full_clean()
    point.save()
    return point


def price_history_record_observed(
    *,
    listing: Listing | int,
    kind: str,
    price: Decimal | None,
    source: str = PriceSource.SYNC,
    at: datetime | None = None,
    buy_box_price: Decimal | None = None,
    has_buy_box: bool | None = None,
    detail: dict[str, Any] | None = None,
) -> PriceHistory | None:
    """Record a price seen on the marketplace: `kind` "remote" (our listing as the marketplace shows it),
    "buy_box" or "lowest_competitor"; `price` None means no offer (stored as null, never 0). None when the
    last observation of that kind had the same price."""
    if kind not in OBSERVED_KINDS:
        raise ApplicationError(f"An observed price is one of {', '.join(OBSERVED_KINDS)}, not {kind!r}.")
    return price_history_record(
        listing=listing,
        price=price,
        source=source,
        kind=kind,
        at=at,
        detail=detail,
        buy_box_price=buy_box_price,
        has_buy_box=has_buy_box,
    )


def _chunks(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


@transaction.atomic
def price_history_record_effective(
    *, listing_ids: Iterable[int], source: str = "", at: datetime | None = None, user_id: int | None = None
) -> int:
    """Compute the effective price of each listing and record those that differ from their last "ours" point; the
    listings' stored margins are refreshed too (a cost change reaches them this way).

    A fixed number of queries per RECORD_CHUNK listings; returns how many points were written."""
    source, at = _source(source), at or timezone.now()
    last = PriceHistory.objects.filter(listing_id=OuterRef("pk"), kind=PriceKind.OURS).order_by("-time", "-id")
    written = 0
    for chunk in _chunks(sorted(set(listing_ids)), RECORD_CHUNK):
        listings = (
            Listing.objects.filter(pk__in=chunk)
            .select_related("product", "variant", "channel")
            .annotate(last_price=Subquery(last.values("price")[:1]))
        )
        points = []
        for listing in listings:
            value = effective_price(listing)
            if value.value is None or value.value <= 0 or value.value == listing.last_price:
                continue
            detail = {"rule": value.rule}
            points.append(PriceHistory(listing=listing, kind=PriceKind.OURS, price=value.value, source=source, time=at))
            points[-1].detail = detail
            points[-1].created_by_id = user_id
        PriceHistory.objects.bulk_create(points)
        written += len(points)
        listing_margins_refresh(listing_ids=chunk)  # the stored margins follow the price (and cost) in bulk
    return written


def _record_or_enqueue(listing_ids: Collection[int], source: str, user: User = None) -> None:
    """Inline for a few listings; a large change (a markup edit, an import) is recorded by queued tasks with
    the change's time, so the write that caused it stays fast."""
    if not listing_ids:
        return
    source = _source(source)
    user_id = getattr(actor_or_none(user), "pk", None)
    if len(listing_ids) <= settings.PRICE_HISTORY_INLINE_MAX:
        price_history_record_effective(listing_ids=listing_ids, source=source, user_id=user_id)
        return
    at = timezone.now().isoformat()
    for chunk in _chunks(sorted(listing_ids), TASK_CHUNK):
        enqueue(price_history_record_effective_task, chunk, source, at, user_id, group="price-history")


# --- Event handlers (subscribed in PricingConfig.ready) ---


def listing_prices_changed(*, listing_ids: Collection[int], source: str = "", user: User = None, **_: Any) -> None:
    """Handler of `listings.prices_changed`: a listing was created or its price override changed."""
    _record_or_enqueue(list(listing_ids), source, user)


def product_prices_changed(*, product_ids: Collection[int], source: str = "", user: User = None, **_: Any) -> None:
    """Handler of `catalog.prices_changed`: products' or variants' prices changed."""
    ids = list(Listing.objects.filter(product_id__in=list(product_ids)).values_list("pk", flat=True))
    _record_or_enqueue(ids, source, user)


def channel_prices_changed(
    *, channel: Channel, category: Category | None = None, parts: Collection[str] = (), **_: Any
) -> None:
    """Handler of `channel.payload_inputs_changed`: the channel's price rules (markup, rounding, min/max, rate)
    may have moved every effective price of its listings."""
    if "offers" not in parts:
        return
    listings = Listing.objects.filter(channel=channel)
    if category is not None:
        listings = listings.filter(product__category__path__startswith=category.path)
    _record_or_enqueue(list(listings.values_list("pk", flat=True)), PriceSource.MARKUP)


def remote_prices_observed(*, prices: dict[int, Decimal | None], at: datetime | None = None, **_: Any) -> None:
    """Handler of `syncing.remote_prices_observed`: a pull read these listings' prices on the marketplace."""
    for listing_id, price in prices.items():
        price_history_record_observed(
            listing=listing_id, kind=PriceKind.REMOTE, price=price if price else None, at=at, source=PriceSource.SYNC
        )


# --- Compression and retention ---


@dataclass
class _Day:
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    close_price: Decimal | None = None
    close_time: datetime | None = None
    points: int = 0

    def add(self, price: Decimal | None, at: datetime) -> None:
        self.points += 1
        self.close_price, self.close_time = price, at
        if price is not None:
            self.min_price = price if self.min_price is None else min(self.min_price, price)
            self.max_price = price if self.max_price is None else max(self.max_price, price)


def _merge(row: PriceHistoryDaily, day: _Day) -> None:
    """Fold newly compressed points of a day into its existing aggregate (points recorded late)."""
    prices = [p for p in (row.min_price, row.max_price, day.min_price, day.max_price) if p is not None]
    row.min_price, row.max_price = (min(prices), max(prices)) if prices else (None, None)
    assert day.close_time is not None
    if day.close_time >= row.close_time:
        row.close_price, row.close_time = day.close_price, day.close_time
    row.points += day.points


def _flush(days: dict[tuple[int, str, date], _Day]) -> int:
    if not days:
        return 0
    existing = {
        (row.listing_id, row.kind, row.day): row
        for row in PriceHistoryDaily.objects.filter(listing_id__in={k[0] for k in days}, day__in={k[2] for k in days})
    }
    new, merged = [], []
    for key, day in days.items():
        row = existing.get(key)
        if row is None:
            assert day.close_time is not None
            new.append(PriceHistoryDaily(listing_id=key[0], kind=key[1], day=key[2], **vars(day)))
        else:
            _merge(row, day)
            merged.append(row)
    PriceHistoryDaily.objects.bulk_create(new)
    fields = ["min_price", "max_price", "close_price", "close_time", "points"]
    PriceHistoryDaily.objects.bulk_update(merged, fields)
    days.clear()
    return len(new)


def price_history_cutoffs(now: datetime | None = None) -> tuple[datetime, date]:
    """(raw points before this time are compressed, daily aggregates before this day are deleted).

    Days are UTC days; the raw cut-off is a UTC midnight, so a day is never split between the two tables."""
    today = (now or timezone.now()).astimezone(UTC).date()
    raw_before = datetime.combine(today - timedelta(days=settings.PRICE_HISTORY_RAW_DAYS), time.min, tzinfo=UTC)
    keep_from = today - timedelta(days=settings.PRICE_HISTORY_KEEP_DAYS)
    return raw_before, keep_from


@transaction.atomic
def price_history_compress(*, now: datetime | None = None) -> dict[str, int]:
    """Turn raw points older than PRICE_HISTORY_RAW_DAYS into daily aggregates (min, max, close per
    listing, kind and UTC day), delete them, and delete aggregates older than PRICE_HISTORY_KEEP_DAYS.

    Idempotent: a second run finds nothing to compress. Returns the counts for the job's log."""
    raw_before, keep_from = price_history_cutoffs(now)
    old: QuerySet[PriceHistory] = PriceHistory.objects.filter(time__lt=raw_before)
    days: dict[tuple[int, str, date], _Day] = {}
    created = compressed = 0
    rows = old.order_by("listing_id", "kind", "time", "id").values_list("listing_id", "kind", "time", "price")
    for listing_id, kind, at, price in rows.iterator(chunk_size=2_000):
        day = at.astimezone(UTC).date()
        if day >= keep_from:
            days.setdefault((listing_id, kind, day), _Day()).add(price, at)
        compressed += 1
        if len(days) >= 5_000 and (listing_id, kind, day) not in days:
            created += _flush(days)
    created += _flush(days)
    deleted_raw = old.delete()[0]
    deleted_daily = PriceHistoryDaily.objects.filter(day__lt=keep_from).delete()[0]
    return {
        "compressed": compressed,
        "daily_created": created,
        "raw_deleted": deleted_raw,
        "daily_deleted": deleted_daily,
    }
