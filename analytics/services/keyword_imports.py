"""Imports of Amazon's Brand Analytics keyword reports (docs/analytics.md#report-rows): rows of our ASINs become
keywords of those listings. The Search Frequency Rank stays a rank; volumes, trends, shares and conversion come
from Search Query Performance."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from analytics.keyword_rows import QueryPerformanceRow, SearchTermRow
from analytics.keyword_text import KeywordError, clean_display, keyword_check
from analytics.models import Keyword, KeywordSource
from channels.models import Channel
from listings.models import Listing

TREND_LIMIT = Decimal("99999.99")  # the column holds 7 digits, 2 after the point
REPORT_MARKETPLACE = "amazon"  # Brand Analytics reports exist on Amazon only
WRITE_BATCH = 500


@dataclass
class KeywordImportResult:
    """What an import did: rows read, keywords added and updated, rows for none of our ASINs on the channel,
    rows older than what a keyword already holds (left alone) and refused rows with the reason."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unmatched: int = 0
    stale: int = 0
    errors: list[str] = field(default_factory=list)


def _share(value: Decimal | None, name: str) -> Decimal | None:
    if value is None:
        return None
    value = Decimal(str(value))
    if not 0 <= value <= 1:
        raise ValueError(f"{name} must be a fraction between 0 and 1 (got {value}).")
    return value.quantize(Decimal("0.0001"))


def _count(value: int | None, name: str, *, minimum: int = 0) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be a whole number of at least {minimum} (got {value!r}).")
    return value


def _listings_by_asin(channel: Channel, asins: set[str]) -> dict[str, list[int]]:
    if channel.marketplace != REPORT_MARKETPLACE:
        raise ValidationError(
            {"channel": f"Keyword reports come from Amazon Brand Analytics; {channel.name} is not an Amazon channel."}
        )
    found: dict[str, list[int]] = {}
    rows = Listing.objects.filter(channel=channel, marketplace_ids__asin__in=sorted(asins))
    for pk, ids in rows.values_list("pk", "marketplace_ids"):
        found.setdefault(str(ids.get("asin", "")).upper(), []).append(pk)
    return found


Apply = Callable[[Keyword, Any, bool], None]


def _import(channel: Channel, rows: Sequence[Any], asin_of: Callable[[Any], str], term_of: Callable[[Any], str],
            check: Callable[[Any], Any], apply: Apply) -> KeywordImportResult:  # fmt: skip
    """The shared part of both imports: match rows to our listings by ASIN, refuse bad rows with their number,
    upsert one keyword per (listing, normalised term) in bulk, never overwrite newer report figures."""
    result = KeywordImportResult(rows=len(rows))
    by_asin = _listings_by_asin(channel, {asin_of(r).strip().upper() for r in rows})
    checked: list[tuple[list[int], str, Any]] = []
    for n, row in enumerate(rows, start=1):
        try:
            normalized, values = keyword_check(term_of(row)), check(row)
        except (KeywordError, ValueError) as exc:
            result.errors.append(f"Row {n} ({term_of(row)!r}): {exc}")
            continue
        listing_ids = by_asin.get(asin_of(row).strip().upper(), [])
        if not listing_ids:
            result.unmatched += 1
            continue
        checked.append((listing_ids, normalized, (row, values)))
    all_ids = {pk for ids, _n, _r in checked for pk in ids}
    terms = {normalized for _ids, normalized, _r in checked}
    existing = {
        (k.listing_id, k.keyword_normalized): k
        for k in Keyword.objects.filter(listing_id__in=all_ids, keyword_normalized__in=terms)
    }
    created: dict[tuple[int, str], Keyword] = {}
    updated: dict[tuple[int, str], Keyword] = {}
    now = timezone.now()
    for listing_ids, normalized, (row, values) in checked:
        report_date: date | None = getattr(row, "report_date", None)
        for listing_id in listing_ids:
            key = (listing_id, normalized)
            keyword = created.get(key) or existing.get(key)
            if keyword is None:
                keyword = Keyword(listing_id=listing_id, keyword=clean_display(term_of(row)),
                                  keyword_normalized=normalized, source=KeywordSource.SUGGESTED)  # fmt: skip
                created[key] = keyword
            elif keyword.report_date and report_date and report_date < keyword.report_date:
                result.stale += 1
                continue
            elif key not in created:
                updated[key] = keyword
            newer = bool(keyword.report_date and report_date and report_date > keyword.report_date)
            apply(keyword, values, newer)
            keyword.report_date = report_date or keyword.report_date
            keyword.last_updated = now
    with transaction.atomic():
        Keyword.objects.bulk_create(list(created.values()), batch_size=WRITE_BATCH)
        names = ["search_frequency_rank", "search_volume", "search_volume_trend", "impression_share", "click_share",
                 "conversion_share", "conversion_rate", "report_date", "last_updated"]  # fmt: skip
        Keyword.objects.bulk_update(list(updated.values()), names, batch_size=WRITE_BATCH)
    result.created, result.updated = len(created), len(updated)
    return result


def _check_search_term(row: SearchTermRow) -> tuple[int, Decimal | None, Decimal | None]:
    rank = _count(row.search_frequency_rank, "search_frequency_rank", minimum=1)
    if rank is None:
        raise ValueError("search_frequency_rank is missing.")
    return rank, _share(row.click_share, "click_share"), _share(row.conversion_share, "conversion_share")


def _apply_search_term(keyword: Keyword, values: tuple[int, Decimal | None, Decimal | None], newer: bool) -> None:
    keyword.search_frequency_rank, keyword.click_share, keyword.conversion_share = values


def keywords_import_search_terms(channel: Channel, rows: Sequence[SearchTermRow]) -> KeywordImportResult:
    """Store the Search Terms report rows that name one of our ASINs on `channel` (Amazon) as keywords of that
    listing: the Search Frequency Rank goes to `search_frequency_rank` (a rank: `search_volume` is untouched),
    the click and conversion shares beside it. New terms are tracked keywords with source "suggested"."""
    return _import(channel, rows, lambda r: r.clicked_asin or "", lambda r: r.search_term or "",
                   _check_search_term, _apply_search_term)  # fmt: skip


@dataclass(frozen=True)
class _QueryValues:
    volume: int | None
    impression_share: Decimal | None
    click_share: Decimal | None
    purchase_share: Decimal | None
    conversion_rate: Decimal | None


def _check_query(row: QueryPerformanceRow) -> _QueryValues:
    clicks = _count(row.asin_click_count, "asin_click_count")
    purchases = _count(row.asin_purchase_count, "asin_purchase_count")
    rate = None
    if clicks and purchases is not None:
        rate = min(Decimal(purchases) / Decimal(clicks), Decimal(1)).quantize(Decimal("0.0001"))
    return _QueryValues(
        volume=_count(row.search_query_volume, "search_query_volume"),
        impression_share=_share(row.impression_share, "impression_share"),
        click_share=_share(row.click_share, "click_share"),
        purchase_share=_share(row.purchase_share, "purchase_share"),
        conversion_rate=rate,
    )


def _apply_query(keyword: Keyword, values: _QueryValues, newer: bool) -> None:
    old = keyword.search_volume
    if newer and old and values.volume is not None:
        change = (Decimal(values.volume - old) * 100 / Decimal(old)).quantize(Decimal("0.01"))
        keyword.search_volume_trend = max(min(change, TREND_LIMIT), -TREND_LIMIT)
    if values.volume is not None:
        keyword.search_volume = values.volume
    keyword.impression_share = values.impression_share
    keyword.click_share = values.click_share
    keyword.conversion_share = values.purchase_share
    if values.conversion_rate is not None:
        keyword.conversion_rate = values.conversion_rate


def keywords_import_query_performance(channel: Channel, rows: Sequence[QueryPerformanceRow]) -> KeywordImportResult:
    """Store the Search Query Performance rows of our ASINs on `channel` (Amazon): the query's volume becomes
    `search_volume` (a count of searches), its change against an earlier period `search_volume_trend` (%), our
    impression/click/purchase shares and, from the counts, our conversion rate (purchases / clicks)."""
    return _import(channel, rows, lambda r: r.asin or "", lambda r: r.search_query or "", _check_query, _apply_query)
