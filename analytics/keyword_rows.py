"""Rows of Amazon's Brand Analytics keyword reports as the keyword imports take them (docs/analytics.md#keywords).

Plain frozen dataclasses: whatever reads a report (the Reports API connector, a file) turns each row into one of
these, and `analytics.services.keywords` stores them. Shares are fractions 0-1, as the reports give them."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class SearchTermRow:
    """One row of the Search Terms report: a search term, its Search Frequency Rank (1 = the most searched term
    of the period; a RANK, never a count of searches) and one of the top clicked ASINs with its click and
    conversion shares."""

    search_term: str
    search_frequency_rank: int
    clicked_asin: str
    click_share: Decimal | None = None
    conversion_share: Decimal | None = None
    department: str = ""
    report_date: date | None = None
    click_share_rank: int | None = None


@dataclass(frozen=True)
class QueryPerformanceRow:
    """One row of the Search Query Performance report: a search query that led shoppers to one of our ASINs,
    the query's volume (the number of searches: a count) and our ASIN's shares of impressions, clicks and
    purchases; the counts, when given, yield our conversion rate (purchases / clicks)."""

    asin: str
    search_query: str
    search_query_volume: int | None = None
    impression_share: Decimal | None = None
    click_share: Decimal | None = None
    purchase_share: Decimal | None = None
    asin_click_count: int | None = None
    asin_purchase_count: int | None = None
    search_query_score: int | None = None
    report_date: date | None = None
