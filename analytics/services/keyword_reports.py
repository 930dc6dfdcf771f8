"""Keyword figures from Amazon's Brand Analytics reports through the Reports API (docs/analytics.md#keywords):
Search Terms and Search Query Performance of the last whole week; request, poll, download, and hand the rows to
the keyword imports. Both run weekly for every active Amazon channel, and "Pull now" queues either for one channel
(docs/analytics.md#keyword-reports-pull-now).

Search Frequency Rank is a rank (1 = the most searched term of the week), stored as such by the import."""

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from analytics.keyword_rows import QueryPerformanceRow, SearchTermRow
from analytics.models import KeywordReportPull, KeywordReportPullStatus, QueryPerformanceCursor
from analytics.tasks import keyword_report_pull_task
from channels.models import Channel
from common.enqueue import enqueue
from common.errors import ApplicationError
from listings.models import Listing
from syncing.connectors.amazon.reports import (
    SEARCH_QUERY_PERFORMANCE,
    SEARCH_TERMS,
    SearchQueryPerformanceReport,
    SearchTermsReport,
)
from syncing.connectors.base import ConnectorError, RateLimited
from syncing.services.connection import connector_for

from .keyword_imports import KeywordImportResult, keywords_import_query_performance, keywords_import_search_terms
from .keyword_pulls import keyword_pull_close, keyword_pull_open, keyword_pull_take
from .performance import PULL_TASK_TIMEOUT_SECONDS, reports_poll
from .report_schedules import scheduled_reports

logger = logging.getLogger(__name__)


def _check_channel(channel: Channel, what: str) -> None:
    if channel.marketplace != "amazon":
        raise ApplicationError(f"{channel} is not an Amazon channel: {what} is Amazon's.")
    if not channel.is_active:
        raise ApplicationError(f"Channel {channel} is paused; reconnect or activate it first.")


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
    _check_channel(channel, "the Search Terms report")
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
    """Last week's Search Terms report for every active Amazon channel, each recorded as a pull (the weekly
    schedule runs it through `keywords_weekly`); a channel that fails is logged and the others go on."""
    return _weekly("search_terms")  # type: ignore[return-value]


# --- Search Query Performance: one report per batch of our ASINs ---

SQP_ASIN_CHARS = 200  # reportOptions.asin: space-separated ASINs, at most 200 characters
SQP_MAX_REPORTS = 15  # createReport's burst: more batches than this wait for the next run


@dataclass
class QueryPerformancePull:
    """What one Search Query Performance pull did: the week, the reports asked for, our ASINs in them and those
    left for the next run (throttled or still processing), where it started and where the next run starts
    (empty: from the first ASIN), and the keyword import's result."""

    channel_id: int
    first: date
    last: date
    reports: int = 0
    asins: int = 0
    asins_pending: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    result: KeywordImportResult = field(default_factory=KeywordImportResult)
    started_at_asin: str = ""
    next_asin: str = ""


def asin_batches(asins: Iterable[str], limit: int | None = None) -> list[str]:
    """Our distinct ASINs, in the order given, packed into space-separated strings of at most `limit`
    (SQP_ASIN_CHARS) characters."""
    limit = limit or SQP_ASIN_CHARS
    batches: list[str] = []
    for asin in dict.fromkeys(asins):
        if batches and len(batches[-1]) + 1 + len(asin) <= limit:
            batches[-1] += f" {asin}"
        else:
            batches.append(asin)
    return batches


def channel_asins(channel: Channel) -> list[str]:
    """The ASINs of the channel's published listings (those Amazon has given one), sorted."""
    ids = Listing.objects.filter(channel=channel).exclude(external_id="").values_list("marketplace_ids", flat=True)
    return sorted({str(i["asin"]) for i in ids if isinstance(i, dict) and i.get("asin")})


def rotated(asins: list[str], start: str) -> list[str]:
    """The sorted `asins` from the first one at or after `start`, wrapping round to those before it."""
    return [a for a in asins if a >= start] + [a for a in asins if a < start]


def _next_asin(ordered: list[str], pending: list[str]) -> str:
    """Where the next run starts: the first ASIN of this run's order left pending; empty when none was (every
    ASIN was read this run, so the next starts from the first)."""
    left = set(pending)
    return next((a for a in ordered if a in left), "")


def keywords_query_performance_pull(
    *, channel: Channel, today: date | None = None, sleep: Callable[[float], None] = time.sleep
) -> QueryPerformancePull:
    """The Search Query Performance report of the last whole week for our ASINs on an Amazon channel (one report
    per batch of ASINs), imported into the keywords: search volume and its trend, shares, conversion. Refused for
    other marketplaces and a paused channel; batches Amazon throttles or has not finished are named pending.

    A run asks at most SQP_MAX_REPORTS reports, so it starts where the channel's last run stopped (its
    QueryPerformanceCursor) and stores where the next one starts: over successive runs every ASIN is read."""
    _check_channel(channel, "the Search Query Performance report")
    start, end = last_whole_week(today or timezone.localdate())
    pull = QueryPerformancePull(channel.pk, start, end)
    asins = channel_asins(channel)
    cursor = QueryPerformanceCursor.objects.filter(channel=channel).first()
    ordered = rotated(asins, cursor.next_asin if cursor else "")
    pull.started_at_asin = ordered[0] if ordered else ""
    batches = asin_batches(ordered)
    pull.asins = len(ordered)
    connector: Any = connector_for(channel)
    requested = _request_reports(channel, connector, batches, start, end, pull)
    pull.reports = len(requested)
    pull.result = keywords_import_query_performance(channel, _read_reports(connector, requested, pull, sleep))
    pull.next_asin = _next_asin(ordered, pull.asins_pending)
    QueryPerformanceCursor.objects.update_or_create(
        channel=channel,
        defaults={"next_asin": pull.next_asin, "asins_total": len(asins), "last_run_at": timezone.now()},
    )
    return pull


def _request_reports(
    channel: Channel, connector: Any, batches: list[str], start: date, end: date, pull: QueryPerformancePull
) -> dict[str, str]:
    """createReport for the first SQP_MAX_REPORTS batches; the rest, and all from a throttled one on, pending."""
    requested: dict[str, str] = {}
    for n, batch in enumerate(batches):
        if n >= SQP_MAX_REPORTS:
            pull.asins_pending.extend(batch.split())
            continue
        try:
            options = {"reportPeriod": "WEEK", "asin": batch}
            requested[batch] = connector.create_report(SEARCH_QUERY_PERFORMANCE, start, end, options)
        except RateLimited:
            pull.errors.append("Amazon is throttling report requests; the other ASINs wait for the next run.")
            pull.asins_pending.extend(a for b in batches[n:] for a in b.split())
            break
        except ConnectorError as exc:
            message = f"{channel.name}: Amazon refused the Search Query Performance report: {exc}"
            raise ApplicationError(message) from exc
    return requested


def _read_reports(
    connector: Any, requested: dict[str, str], pull: QueryPerformancePull, sleep: Callable[[float], None]
) -> list[QueryPerformanceRow]:
    """Poll the batches' reports and read the finished ones; a batch still running, FATAL or not downloaded is
    pending, a CANCELLED one had no data this week."""
    finished = reports_poll(connector, requested, sleep)
    rows: list[QueryPerformanceRow] = []
    for batch in requested:
        status = finished.get(batch)
        if status is None or status.processing_status == "FATAL":
            pull.asins_pending.extend(batch.split())
            if status is not None:
                pull.errors.append(f"Amazon could not produce the report of {batch} (FATAL).")
        elif status.processing_status == "DONE":
            try:
                report = connector.fetch_report(status.document_id, SEARCH_QUERY_PERFORMANCE)
            except ConnectorError as exc:
                pull.errors.append(f"The report of {batch} could not be downloaded: {exc}")
                pull.asins_pending.extend(batch.split())
                continue
            rows.extend(_query_rows(report, pull.last))
    return rows


def _query_rows(report: SearchQueryPerformanceReport, end: date) -> list[QueryPerformanceRow]:
    return [
        QueryPerformanceRow(
            asin=row.asin,
            search_query=row.search_query,
            search_query_volume=row.search_query_volume,
            impression_share=row.impressions.asin_share,
            click_share=row.clicks.asin_share,
            purchase_share=row.purchases.asin_share,
            asin_click_count=row.clicks.asin,
            asin_purchase_count=row.purchases.asin,
            search_query_score=row.search_query_score,
            report_date=row.end or report.end or end,
        )
        for row in report.rows
    ]


def keywords_query_performance_weekly() -> dict[int, QueryPerformancePull]:
    """Last week's Search Query Performance for every active Amazon channel, each recorded as a pull; a channel
    that fails is logged and the others go on."""
    return _weekly("search_query_performance")  # type: ignore[return-value]


def keywords_weekly() -> dict[str, dict[int, Any]]:
    """The weekly schedule (docs/analytics.md#keywords): both keyword reports, one after the other, so the two never
    run at once on a channel (a channel holds one pull at a time)."""
    return {report: _weekly(report) for report in KEYWORD_REPORTS}


def _weekly(report: str) -> dict[int, Any]:
    """`report` for every active Amazon channel, each a recorded running pull, so a "Pull now" meanwhile is refused
    ("already running"). A channel whose pull fails, or that has a pull queued or running already, is logged and
    skipped; the others go on."""
    outcomes: dict[int, Any] = {}
    for channel in Channel.objects.filter(is_active=True, marketplace="amazon").order_by("pk"):
        try:
            pull = keyword_pull_open(channel=channel, report=report, status=KeywordReportPullStatus.RUNNING)
            outcomes[channel.pk] = _recorded(pull, channel, report)
        except ApplicationError as exc:
            logger.warning("%s pull of channel %s not done: %s", KEYWORD_REPORTS[report], channel.pk, exc)
    return outcomes


# --- "Pull now": queue one of the two for a worker ---

KEYWORD_REPORTS = {"search_terms": "Search Terms", "search_query_performance": "Search Query Performance"}


def _check_report(report: str) -> None:
    if report not in KEYWORD_REPORTS:
        raise ValidationError({"report": f"Pull one of {', '.join(KEYWORD_REPORTS)}; not {report!r}."})


def _recorded(pull: KeywordReportPull, channel: Channel, report: str) -> KeywordImportResult | QueryPerformancePull:
    """Run the pull `pull` records and close it, done with its counts or failed with the error (raised again)."""
    try:
        if report == "search_terms":
            outcome: KeywordImportResult | QueryPerformancePull = keywords_search_terms_pull(channel=channel)
        else:
            outcome = keywords_query_performance_pull(channel=channel)
    except Exception as exc:
        keyword_pull_close(pull, failed=True, message=str(exc))
        raise
    result = outcome.result if isinstance(outcome, QueryPerformancePull) else outcome
    keyword_pull_close(pull, failed=False, message=f"{result.rows} rows: {result.created} added, {result.updated} "
                       f"updated, {len(result.errors)} refused.")  # fmt: skip
    return outcome


def keyword_report_pull(*, channel: Channel, report: str, pull_id: int | None = None) -> KeywordImportResult:
    """Pull last week's `report` ("search_terms" or "search_query_performance") for the channel now, recorded as
    a KeywordReportPull: the queued row `pull_id` (the task; nothing is done when it is no longer queued), or a
    new running row (the command, refused while the channel has a pull queued or running)."""
    _check_report(report)
    if pull_id is not None:
        pull = keyword_pull_take(pull_id)
        if pull is None:
            logger.info("Keyword report pull %s is no longer queued; not pulled again.", pull_id)
            return KeywordImportResult()
    else:
        pull = keyword_pull_open(channel=channel, report=report, status=KeywordReportPullStatus.RUNNING)
    outcome = _recorded(pull, channel, report)
    return outcome.result if isinstance(outcome, QueryPerformancePull) else outcome


@transaction.atomic
def keyword_report_pull_queue(*, channel: Channel, report: str, user: Any = None) -> str:
    """Queue a pull of last week's keyword report for the channel; never pulls in the caller's request. Refused
    with nothing queued: an unknown report (on `report`), a channel that is not Amazon (on `channel`), a paused
    channel, a channel with a pull already queued or running ("already queued since …"). Answers the message to
    show."""
    _check_report(report)
    if channel.marketplace != "amazon":
        raise ValidationError({"channel": f"{channel} is not an Amazon channel: keyword reports are Amazon's."})
    if not channel.is_active:
        raise ApplicationError(f"Channel {channel.name} is paused; activate it before pulling its keyword reports.")
    pull = keyword_pull_open(channel=channel, report=report, status=KeywordReportPullStatus.QUEUED, user=user)
    enqueue(
        keyword_report_pull_task,
        channel.pk,
        report,
        pull.pk,
        group=f"keyword-reports-{channel.pk}",
        timeout=PULL_TASK_TIMEOUT_SECONDS,
    )
    return f"Pull of last week's {KEYWORD_REPORTS[report]} report queued for {channel.name}."
