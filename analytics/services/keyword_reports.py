"""Keyword figures from Amazon's Brand Analytics Search Terms report, through the Reports API
(docs/analytics.md#keywords): request the last whole week, poll, download, and hand the rows to the keyword import.

Search Frequency Rank is a rank (1 = the most searched term of the week), stored as such by the import."""

import logging
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from analytics.keyword_rows import SearchTermRow
from channels.models import Channel
from common.errors import ApplicationError
from syncing.connectors.amazon.reports import SEARCH_TERMS, SearchTermsReport
from syncing.connectors.base import ConnectorError
from syncing.services.connection import connector_for

from .keyword_imports import KeywordImportResult, keywords_import_search_terms
from .performance import reports_poll
from .report_schedules import scheduled_reports

logger = logging.getLogger(__name__)


def last_whole_week(today: date) -> tuple[date, date]:
    """The Sunday..Saturday week before the one `today` falls in (Brand Analytics weeks start on Sunday)."""
    this_sunday = today - timedelta(days=(today.weekday() + 1) % 7)
    return this_sunday - timedelta(days=7), this_sunday - timedelta(days=1)


def keywords_search_terms_pull(
    *, channel: Channel, today: date | None = None, sleep: Callable[[float], None] = time.sleep
) -> KeywordImportResult:
    """The Search Terms report of the last whole week for an Amazon channel, imported as keywords of our listings
    whose ASIN is a clicked ASIN of a term. Refused for other marketplaces, a paused channel, a report Amazon
    refuses or cannot produce, or one still running after the poll rounds (run again later)."""
    if channel.marketplace != "amazon":
        raise ApplicationError(f"{channel} is not an Amazon channel: the Search Terms report is Amazon's.")
    if not channel.is_active:
        raise ApplicationError(f"Channel {channel} is paused; reconnect or activate it first.")
    start, end = last_whole_week(today or timezone.localdate())
    connector: Any = connector_for(channel)
    status = scheduled_reports(connector, channel, SEARCH_TERMS, start).get((start, end))
    if status is None or not status.is_final:  # no schedule made this week's report (yet): ask for one
        try:
            report_id = status.report_id if status else connector.create_report(
                SEARCH_TERMS, start, end, {"reportPeriod": "WEEK"})  # fmt: skip
        except ConnectorError as exc:
            raise ApplicationError(f"{channel.name}: Amazon refused the Search Terms report request: {exc}") from exc
        status = reports_poll(connector, {"week": report_id}, sleep).get("week")
    if status is None:
        raise ApplicationError(f"{channel.name}: the Search Terms report of {start}..{end} is still being prepared.")
    if status.processing_status != "DONE":
        raise ApplicationError(
            f"{channel.name}: Amazon ended the Search Terms report of {start}..{end} as {status.processing_status}."
        )
    try:
        report: SearchTermsReport = connector.fetch_report(status.document_id, SEARCH_TERMS)
    except ConnectorError as exc:
        raise ApplicationError(f"{channel.name}: the Search Terms report could not be downloaded: {exc}") from exc
    rows = [
        SearchTermRow(
            search_term=row.search_term,
            search_frequency_rank=row.search_frequency_rank or 0,
            clicked_asin=row.clicked_asin,
            click_share=row.click_share,
            conversion_share=row.conversion_share,
            department=row.department,
            report_date=report.end or end,
            click_share_rank=row.click_share_rank,
        )
        for row in report.rows
        if row.search_frequency_rank
    ]
    return keywords_import_search_terms(channel, rows)


def keywords_search_terms_weekly() -> dict[int, KeywordImportResult]:
    """The weekly schedule: last week's Search Terms report for every active Amazon channel; a channel that fails
    is logged and the others go on."""
    results: dict[int, KeywordImportResult] = {}
    for channel in Channel.objects.filter(is_active=True, marketplace="amazon").order_by("pk"):
        try:
            results[channel.pk] = keywords_search_terms_pull(channel=channel)
        except ApplicationError as exc:
            logger.warning("Search Terms pull of channel %s failed: %s", channel.pk, exc)
    return results
