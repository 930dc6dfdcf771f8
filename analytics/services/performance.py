"""Daily performance metrics per listing (docs/analytics.md#performance-metrics).

Amazon: one Sales and Traffic report per day through the Reports API (request, poll with a backoff, download),
rows matched to our listings by SKU, else ASIN. The other marketplaces: units and revenue from our own orders;
their APIs give no listing traffic, so sessions, page views, conversion and buy box stay NULL ("not available
from this marketplace"). A day Amazon has no data for gets no row (a gap, never zeros).
"""

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from analytics.models import MetricSource, PerformanceMetric
from analytics.performance_selectors import listing_daily_sales, listing_sku, published_listings
from analytics.tasks import performance_pull_task
from channels.models import Channel
from common.enqueue import enqueue
from common.errors import ApplicationError
from listings.models import Listing
from syncing.connectors.amazon.reports import SALES_AND_TRAFFIC, AsinSalesTraffic, SalesAndTrafficReport
from syncing.connectors.base import ConnectorError, RateLimited
from syncing.services.connection import connector_for

from .report_schedules import scheduled_reports
from .sales_ranks import BSR_FIELDS, SalesRankRead, sales_ranks_store

logger = logging.getLogger(__name__)

AMAZON = "amazon"
REPORT_OPTIONS = {"dateGranularity": "DAY", "asinGranularity": "SKU"}
POLL_ATTEMPTS = 12  # with the doubling delay below: about 10 minutes before a report counts as still pending
POLL_MAX_SECONDS = 120.0
PULL_MAX_DAYS = 31  # Amazon's createReport allows one report a minute (burst 15): a month is a long run already
DAILY_PULL_DAYS = 3  # the nightly pull re-reads the last days: Amazon's figures settle over about two days
PULL_NOW_MAX_DAYS = 60  # "Pull now" (pages and API); queued in parts (pull_now_parts), each within PULL_MAX_DAYS
# createReport's documented usage plan: 0.0167 requests/s (one a minute), burst 15. A "Pull now" of Amazon asks
# for at most a burst of days per task and spaces the tasks by the time the burst takes to come back.
AMAZON_REPORT_BURST = 15
AMAZON_BURST_REFILL_SECONDS = 15 * 60
# The polls alone may sleep 846 s (2 + 4 + ... + 64, then 120 x 6), more than Q_TIMEOUT's default 600.
PULL_TASK_TIMEOUT_SECONDS = 1200
UPSERT_BATCH = 1000
FOUR_PLACES = Decimal("0.0001")
HUNDRED = Decimal("100")
METRIC_FIELDS = [
    "sessions",
    "page_views",
    "page_views_pct",
    "units_ordered",
    "unit_session_pct",
    "ordered_product_sales",
    "currency",
    "buy_box_pct",
    "bsr",
    "bsr_category",
    "source",
    "fetched_at",
]


@dataclass
class PerformancePull:
    """What one pull did: rows written, and which days had data, none (gaps) or are still processing."""

    channel_id: int
    first: date
    last: date
    source: str
    rows: int = 0
    days_with_data: list[date] = field(default_factory=list)
    days_missing: list[date] = field(default_factory=list)
    days_pending: list[date] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    days_from_schedule: list[date] = field(default_factory=list)  # read from a report schedule's reports
    ranks: SalesRankRead | None = None  # Amazon: the best-seller ranks stored on the last day (sales_ranks.py)


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _check_range(start: date, end: date) -> None:
    if end < start:
        raise ValidationError({"to": f"'to' ({end.isoformat()}) is before 'from' ({start.isoformat()})."})
    if (end - start).days + 1 > PULL_MAX_DAYS:
        raise ValidationError({"from": f"Pull at most {PULL_MAX_DAYS} days at a time."})


def performance_pull(
    *, channel: Channel, start: date, end: date, sleep: Callable[[float], None] = time.sleep
) -> PerformancePull:
    """Pull and store the metrics of every published listing of `channel` for the days start..end.

    Idempotent: each (listing, day) row is upserted. Talks to the marketplace outside any transaction."""
    _check_range(start, end)
    if channel.marketplace == AMAZON:
        return _amazon_pull(channel, start, end, sleep)
    return _orders_pull(channel, start, end)


def performance_pull_recent(*, today: date | None = None, days: int = DAILY_PULL_DAYS) -> list[PerformancePull]:
    """The daily schedule: the last `days` days up to yesterday for every active channel; a channel that fails
    is logged and the others go on."""
    today = today or timezone.localdate()
    end = today - timedelta(days=1)
    pulls = []
    for channel in Channel.objects.filter(is_active=True).order_by("pk"):
        try:
            pulls.append(performance_pull(channel=channel, start=end - timedelta(days=days - 1), end=end))
        except (ApplicationError, ValidationError) as exc:
            logger.warning("Performance pull of channel %s failed: %s", channel.pk, exc)
    return pulls


# --- "Pull now": queue a pull for a worker ---


@dataclass(frozen=True)
class QueuedPullPart:
    """One queued task: the days first..last, started no sooner than `delay_seconds` after queueing."""

    first: date
    last: date
    delay_seconds: int


@dataclass(frozen=True)
class QueuedPull:
    """What "Pull now" queued for one channel: the last `days` days up to yesterday, in one or more parts."""

    channel_id: int
    channel_name: str
    days: int
    first: date
    last: date
    source: str
    parts: tuple[QueuedPullPart, ...]

    @property
    def message(self) -> str:
        return f"Pull of the last {self.days} day{'' if self.days == 1 else 's'} queued for {self.channel_name}."


def pull_now_parts(channel: Channel, first: date, last: date) -> list[QueuedPullPart]:
    """Split first..last into the tasks to queue, newest days first. Amazon: a burst of reports per task, each
    task after the burst came back; the others: PULL_MAX_DAYS per task, all at once (no report quota)."""
    amazon = channel.marketplace == AMAZON
    size = AMAZON_REPORT_BURST if amazon else PULL_MAX_DAYS
    parts: list[QueuedPullPart] = []
    end = last
    while end >= first:
        start = max(first, end - timedelta(days=size - 1))
        parts.append(QueuedPullPart(start, end, len(parts) * AMAZON_BURST_REFILL_SECONDS if amazon else 0))
        end = start - timedelta(days=1)
    return parts


@transaction.atomic
def performance_pull_queue(*, channel: Channel, days: int, today: date | None = None) -> QueuedPull:
    """Queue a pull of `channel`'s last `days` days up to yesterday ("Pull now" on the pages and the API).

    Never pulls in the caller's request: the same task as the command and the schedule do the work
    (`performance_pull_task`). Refused with nothing queued: `days` outside 1..PULL_NOW_MAX_DAYS (on `days`), a
    paused channel. The queue rows commit with the caller's transaction (common.enqueue)."""
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= PULL_NOW_MAX_DAYS:
        raise ValidationError({"days": f"Pull between 1 and {PULL_NOW_MAX_DAYS} days (got {days!r})."})
    if not channel.is_active:
        raise ApplicationError(f"Channel {channel.name} is paused; activate it before pulling its performance.")
    last = (today or timezone.localdate()) - timedelta(days=1)  # today is not over yet
    first = last - timedelta(days=days - 1)
    parts = pull_now_parts(channel, first, last)
    for part in parts:
        enqueue(
            performance_pull_task,
            channel.pk,
            part.first.isoformat(),
            part.last.isoformat(),
            group=f"performance-pull-{channel.pk}",
            timeout=PULL_TASK_TIMEOUT_SECONDS,
            delay=part.delay_seconds or None,
        )
    source = MetricSource.AMAZON_REPORT if channel.marketplace == AMAZON else MetricSource.ORDERS
    return QueuedPull(channel.pk, channel.name, days, first, last, source, tuple(parts))


# --- other marketplaces: our orders ---


def _orders_pull(channel: Channel, start: date, end: date) -> PerformancePull:
    """Units and revenue per published listing and day from our orders; a day without orders is a known 0."""
    listings = published_listings(channel)
    sales = listing_daily_sales(channel, listings, start, end)
    now = timezone.now()
    rows = [
        PerformanceMetric(
            listing_id=listing.pk,
            report_date=day,
            units_ordered=sales.get((listing.pk, day), (0, Decimal("0")))[0],
            ordered_product_sales=sales.get((listing.pk, day), (0, Decimal("0")))[1].quantize(Decimal("0.01")),
            currency=channel.currency,
            source=MetricSource.ORDERS,
            fetched_at=now,
        )
        for listing in listings
        for day in _days(start, end)
    ]
    _upsert(rows)
    summary = PerformancePull(channel.pk, start, end, MetricSource.ORDERS, rows=len(rows))
    summary.days_with_data = _days(start, end)
    return summary


# --- Amazon: the Sales and Traffic report ---


def _amazon_pull(channel: Channel, start: date, end: date, sleep: Callable[[float], None]) -> PerformancePull:
    summary = PerformancePull(channel.pk, start, end, MetricSource.AMAZON_REPORT)
    connector: Any = connector_for(channel)
    if not hasattr(connector, "create_report"):
        raise ApplicationError(f"{channel.name}: this connector cannot request reports.")
    # A day the channel's schedule already made a report for is read from it (getReports), not asked again.
    scheduled = scheduled_reports(connector, channel, SALES_AND_TRAFFIC, start)
    requested: dict[date, str] = {}
    ready: dict[date, Any] = {}
    for day in _days(start, end):
        if (report := scheduled.get((day, day))) is not None:
            summary.days_from_schedule.append(day)
            if report.is_final:
                ready[day] = report
            else:
                requested[day] = report.report_id
            continue
        try:
            requested[day] = connector.create_report(SALES_AND_TRAFFIC, day, day, REPORT_OPTIONS)
        except RateLimited as exc:
            summary.errors.append(f"Amazon is throttling report requests; try again in {exc.retry_after or 60:g} s.")
            summary.days_pending.extend(d for d in _days(day, end) if (d, d) not in scheduled)
            break
        except ConnectorError as exc:
            raise ApplicationError(f"{channel.name}: Amazon refused the report request: {exc}") from exc
    finished = {**reports_poll(connector, requested, sleep), **ready}
    keys = _listing_keys(channel)
    now = timezone.now()
    rows: list[PerformanceMetric] = []
    for day in sorted({*requested, *ready}):
        status = finished.get(day)
        if status is None:
            summary.days_pending.append(day)
        elif status.processing_status == "CANCELLED":
            summary.days_missing.append(day)  # Amazon has no data for the day: a gap
        elif status.processing_status == "FATAL":
            summary.errors.append(f"{day.isoformat()}: Amazon could not produce the report (FATAL).")
        else:
            try:
                report = connector.fetch_report(status.document_id, SALES_AND_TRAFFIC)
            except ConnectorError as exc:
                summary.errors.append(f"{day.isoformat()}: the report could not be downloaded: {exc}")
                summary.days_pending.append(day)
                continue
            day_rows = _amazon_rows(report, day, keys, channel.currency, now)
            rows.extend(day_rows)
            (summary.days_with_data if day_rows else summary.days_missing).append(day)
    # The report knows nothing of the rank: its rows leave a BSR read earlier (by another pull) alone.
    _upsert(rows, [name for name in METRIC_FIELDS if name not in BSR_FIELDS])
    summary.rows = len(rows)
    summary.days_pending.sort()
    summary.ranks = sales_ranks_store(channel=channel, connector=connector, day=end, sleep=sleep)
    summary.errors.extend(summary.ranks.errors)
    return summary


def reports_poll(connector: Any, requested: dict[Any, str], sleep: Callable[[float], None]) -> dict[Any, Any]:
    """Poll every requested report until it is final, sleeping between rounds (doubling up to
    POLL_MAX_SECONDS; a 429 waits its retry-after); what is still running after POLL_ATTEMPTS rounds is left out."""
    waiting = dict(requested)
    finished: dict[date, Any] = {}
    delay = float(settings.ANALYTICS_REPORT_POLL_SECONDS)
    for _ in range(POLL_ATTEMPTS):
        for day, report_id in list(waiting.items()):
            try:
                status = connector.get_report(report_id)
            except RateLimited as exc:
                sleep(exc.retry_after or delay)
                continue
            except ConnectorError as exc:
                logger.warning("getReport %s failed: %s", report_id, exc)
                continue
            if status.is_final:
                finished[day] = status
                del waiting[day]
        if not waiting:
            break
        sleep(delay)
        delay = min(delay * 2, POLL_MAX_SECONDS)
    return finished


def _listing_keys(channel: Channel) -> dict[str, int]:
    """SKU or ASIN -> listing id; a family's child SKUs point at the family's listing."""
    keys: dict[str, int] = {}
    for listing in Listing.objects.filter(channel=channel).exclude(external_id="").select_related("product", "variant"):
        ids = listing.marketplace_ids or {}
        for sku in str(ids.get("child_skus") or "").split(","):
            if sku:
                keys.setdefault(sku, listing.pk)
        for key in (listing.external_id, str(ids.get("sku") or ""), str(ids.get("asin") or ""), listing_sku(listing)):
            if key:
                keys[key] = listing.pk
    return keys


def _fraction(percent: Decimal | None) -> Decimal | None:
    """A 0-100 percentage of the report as a 0-1 fraction (the model's unit), capped at 1."""
    if percent is None:
        return None
    return min(max(percent / HUNDRED, Decimal(0)), Decimal(1)).quantize(FOUR_PLACES)


def _amazon_rows(
    report: SalesAndTrafficReport, day: date, keys: dict[str, int], currency: str, now: datetime
) -> list[PerformanceMetric]:
    per_listing: dict[int, list[AsinSalesTraffic]] = {}
    for entry in report.by_asin:
        listing_id = keys.get(entry.sku) or keys.get(entry.child_asin) or keys.get(entry.parent_asin)
        if listing_id is not None:
            per_listing.setdefault(listing_id, []).append(entry)
    return [_amazon_row(listing_id, day, entries, currency, now) for listing_id, entries in per_listing.items()]


def _sum(values: Iterable[Any]) -> Any:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def _amazon_row(
    listing_id: int, day: date, entries: list[AsinSalesTraffic], currency: str, now: datetime
) -> PerformanceMetric:
    """One row from the listing's report entries (several when a family's children each have one)."""
    sessions = _sum(e.sessions for e in entries)
    page_views = _sum(e.page_views for e in entries)
    units = _sum(e.units_ordered for e in entries)
    sales = _sum(e.ordered_product_sales for e in entries)
    if len(entries) == 1:
        buy_box, unit_session = entries[0].buy_box_pct, entries[0].unit_session_pct
    else:  # buy box weighted by page views; conversion recomputed from the sums
        weighted = [(e.buy_box_pct, e.page_views) for e in entries if e.buy_box_pct is not None and e.page_views]
        views = sum(v for _, v in weighted)
        weighted_sum = sum((b * v for b, v in weighted), Decimal(0))
        buy_box = (weighted_sum / views).quantize(Decimal("0.01")) if views else None
        unit_session = Decimal(units) * HUNDRED / sessions if units is not None and sessions else None
    return PerformanceMetric(
        listing_id=listing_id,
        report_date=day,
        sessions=sessions,
        page_views=page_views,
        page_views_pct=_fraction(_sum(e.page_views_pct for e in entries)),
        units_ordered=units,
        unit_session_pct=_fraction(unit_session),
        ordered_product_sales=sales,
        currency=next((e.currency for e in entries if e.currency), currency),
        buy_box_pct=None if buy_box is None else min(max(buy_box, Decimal(0)), HUNDRED).quantize(Decimal("0.01")),
        source=MetricSource.AMAZON_REPORT,
        fetched_at=now,
    )


@transaction.atomic
def _upsert(rows: list[PerformanceMetric], fields: list[str] | None = None) -> None:
    """INSERT .. ON CONFLICT (listing, day) DO UPDATE `fields` (default all), in batches (rows are built within the
    model's checks)."""
    for i in range(0, len(rows), UPSERT_BATCH):
        PerformanceMetric.objects.bulk_create(
            rows[i : i + UPSERT_BATCH],
            update_conflicts=True,
            unique_fields=["listing", "report_date"],
            update_fields=fields or METRIC_FIELDS,
        )
