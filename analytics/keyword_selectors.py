"""Reads of the keywords (docs/analytics.md#keywords): the list the tab and the API show, and the primary
keywords the listing score uses."""

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db.models import F, Q, QuerySet

from .keyword_filters import KeywordFilterSet
from .models import Keyword

PRIMARY_FALLBACK = 3  # without a primary keyword, this many tracked keywords with the largest search volume


def keyword_list(*, filters: Any = None) -> QuerySet[Keyword]:
    queryset = Keyword.objects.select_related("listing", "listing__channel")
    return KeywordFilterSet(filters, queryset).qs if filters is not None else queryset


def _by_volume(queryset: QuerySet[Keyword]) -> QuerySet[Keyword]:
    return queryset.order_by(F("search_volume").desc(nulls_last=True), "keyword_normalized")


def primary_keywords(listing: Any, *, fallback: int = PRIMARY_FALLBACK) -> list[Keyword]:
    """The listing's primary keywords; when none is marked, its `fallback` tracked keywords with the largest
    search volume (unknown volumes last, then alphabetical)."""
    primary = list(Keyword.objects.filter(listing=listing, is_primary=True).order_by("keyword_normalized"))
    if primary:
        return primary
    return list(_by_volume(Keyword.objects.filter(listing=listing, is_tracked=True))[:fallback])


def primary_keywords_bulk(listing_ids: Sequence[int], *, fallback: int = PRIMARY_FALLBACK) -> dict[int, list[str]]:
    """`primary_keywords` for many listings in one query: {listing id: normalised keywords} (scores in chunks)."""
    wanted = Keyword.objects.filter(Q(is_tracked=True) | Q(is_primary=True), listing_id__in=list(listing_ids))
    rows = _by_volume(wanted).values_list("listing_id", "keyword_normalized", "is_primary")
    primary: dict[int, list[str]] = defaultdict(list)
    tracked: dict[int, list[str]] = defaultdict(list)
    for listing_id, keyword, is_primary in rows:
        (primary if is_primary else tracked)[listing_id].append(keyword)
    out = {}
    for listing_id in listing_ids:
        out[listing_id] = sorted(primary[listing_id]) or tracked[listing_id][:fallback]
    return out
