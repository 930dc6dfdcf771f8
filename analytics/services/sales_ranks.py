"""Amazon best-seller rank (BSR) of our listings, read with the daily performance pull
(docs/analytics.md#best-seller-rank).

Amazon gives a rank as it stands now, never for a past day, so a pull stores it on its last day only, and only
when that day is yesterday or today. The rank kept is the best (lowest) of the item's classification ranks, with
that browse node's title; display group ranks (a whole website group) are not a BSR.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from analytics.models import MetricSource, PerformanceMetric
from channels.models import Channel
from listings.models import Listing
from syncing.connectors.amazon.catalog import SALES_RANK_BATCH, ItemSalesRank
from syncing.connectors.base import ConnectorError, RateLimited

logger = logging.getLogger(__name__)

THROTTLE_RETRIES = 3  # a throttled batch waits its Retry-After and is asked again this many times, then left
BSR_FIELDS = ["bsr", "bsr_category", "fetched_at"]
CATEGORY_MAX = 255  # PerformanceMetric.bsr_category


@dataclass
class SalesRankRead:
    """What one read of the channel's ranks did: listings given a rank, listings Amazon ranks nowhere, ASINs left
    unread (throttled or failed) and the errors."""

    day: date | None = None
    ranked: int = 0
    unranked: int = 0
    unread: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _listings_by_asin(channel: Channel) -> dict[str, list[int]]:
    """Published listings of the channel that have an ASIN (Amazon gives it once it processed the listing)."""
    found: dict[str, list[int]] = {}
    rows = Listing.objects.filter(channel=channel).exclude(external_id="").values_list("pk", "marketplace_ids")
    for pk, ids in rows:
        asin = str((ids or {}).get("asin") or "").strip().upper()
        if asin:
            found.setdefault(asin, []).append(pk)
    return found


def _read_batch(connector: Any, batch: list[str], sleep: Callable[[float], None]) -> list[ItemSalesRank]:
    for attempt in range(THROTTLE_RETRIES + 1):
        try:
            ranks: list[ItemSalesRank] = connector.sales_ranks(batch)
        except RateLimited as exc:
            if attempt == THROTTLE_RETRIES:
                raise
            sleep(exc.retry_after or 1.0)
        else:
            return ranks
    return []  # not reached: the last attempt returns or raises


def sales_ranks_store(
    *, channel: Channel, connector: Any, day: date, sleep: Callable[[float], None], today: date | None = None
) -> SalesRankRead:
    """Read the BSR of every published listing of `channel` (Amazon) with an ASIN, 20 ASINs a call through the
    channel's rate hook, and store it on the listing's row of `day` (a row with only the rank when the report had
    none that day). Skipped for a day before yesterday: Amazon has no past ranks. A throttled batch is retried
    after its Retry-After; one still throttled stops the read and its ASINs and the rest are `unread`."""
    today = today or timezone.localdate()
    read = SalesRankRead()
    if day < today - timedelta(days=1):
        return read
    read.day = day
    by_asin = _listings_by_asin(channel)
    asins = sorted(by_asin)
    found: dict[str, ItemSalesRank] = {}
    for start in range(0, len(asins), SALES_RANK_BATCH):
        batch = asins[start : start + SALES_RANK_BATCH]
        try:
            found.update((r.asin.upper(), r) for r in _read_batch(connector, batch, sleep))
        except RateLimited:
            read.unread.extend(asins[start:])
            read.errors.append(f"Amazon is throttling catalog requests; {len(asins) - start} ASIN(s) got no rank.")
            break
        except ConnectorError as exc:
            read.unread.extend(batch)
            read.errors.append(f"Best-seller rank of {', '.join(batch)}: {exc}")
    _write(channel, day, by_asin, found, read)
    return read


def _write(
    channel: Channel, day: date, by_asin: dict[str, list[int]], found: dict[str, ItemSalesRank], read: SalesRankRead
) -> None:
    """Upsert the ranked listings' rank onto their row of `day` (creating a row with only the rank); clear the
    rank of the day's existing rows of listings Amazon ranks nowhere (no empty row is created for them)."""
    now = timezone.now()
    unread = set(read.unread)
    rows: list[PerformanceMetric] = []
    unranked: list[int] = []
    for asin, listing_ids in by_asin.items():
        if asin in unread:
            continue
        best = found[asin].best if asin in found else None
        if best is None:
            unranked.extend(listing_ids)
            continue
        category = best.title[:CATEGORY_MAX]
        rows.extend(
            PerformanceMetric(listing_id=listing_id, report_date=day, bsr=best.rank, bsr_category=category,
                              currency=channel.currency, source=MetricSource.AMAZON_REPORT, fetched_at=now)
            for listing_id in listing_ids
        )  # fmt: skip
    read.ranked, read.unranked = len(rows), len(unranked)
    with transaction.atomic():
        PerformanceMetric.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["listing", "report_date"], update_fields=BSR_FIELDS
        )
        PerformanceMetric.objects.filter(listing_id__in=unranked, report_date=day).update(bsr=None, bsr_category="")
