"""Amazon SP-API Reports 2021-06-30: create a report, poll it, get its document, download and parse it
(docs/marketplaces/amazon.md#reports). No Django; plain frozen dataclasses out.

Three report types are parsed: GET_SALES_AND_TRAFFIC_REPORT (`parse_sales_and_traffic`),
GET_BRAND_ANALYTICS_SEARCH_TERMS_REPORT (`parse_search_terms`) and
GET_BRAND_ANALYTICS_SEARCH_QUERY_PERFORMANCE_REPORT (`parse_search_query_performance`). Percentages stay as the
reports give them: the Sales and Traffic ones are 0-100, the Brand Analytics shares are fractions 0-1.
"""

import datetime as dt
import gzip
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from ..base import ConnectorError, RetryableError

REPORTS_PATH = "/reports/2021-06-30/reports"
REPORT_PATH = "/reports/2021-06-30/reports/{report_id}"
DOCUMENT_PATH = "/reports/2021-06-30/documents/{document_id}"
SCHEDULES_PATH = "/reports/2021-06-30/schedules"
SCHEDULE_PATH = "/reports/2021-06-30/schedules/{schedule_id}"
# getReports: reportTypes 1-10, pageSize 1-100 (default 10), reports kept 90 days; nextToken alone on later pages.
LIST_TYPES_MAX = 10
LIST_PAGE_SIZE_MAX = 100
LIST_PAGES_MAX = 20  # a bound on one listing: 20 pages of 100 is more than 90 days of daily reports
# createReportSchedule's periods (ISO 8601 durations; the model's enum).
SCHEDULE_PERIODS = ("PT5M", "PT15M", "PT30M", "PT1H", "PT2H", "PT4H", "PT8H", "PT12H", "P1D", "P2D", "P3D",
                    "PT84H", "P7D", "P14D", "P15D", "P18D", "P30D", "P1M")  # fmt: skip
SALES_AND_TRAFFIC = "GET_SALES_AND_TRAFFIC_REPORT"
SEARCH_TERMS = "GET_BRAND_ANALYTICS_SEARCH_TERMS_REPORT"
SEARCH_QUERY_PERFORMANCE = "GET_BRAND_ANALYTICS_SEARCH_QUERY_PERFORMANCE_REPORT"
FINAL_STATUSES = frozenset({"DONE", "CANCELLED", "FATAL"})


# --- the report and its document ---


@dataclass(frozen=True)
class ReportStatus:
    """A report as getReport answers it."""

    report_id: str
    report_type: str
    processing_status: str  # IN_QUEUE, IN_PROGRESS, DONE, CANCELLED (also: no data), FATAL
    document_id: str = ""
    data_start: dt.date | None = None
    data_end: dt.date | None = None
    schedule_id: str = ""  # reportScheduleId: the schedule that created it, if any
    created: dt.datetime | None = None

    @property
    def is_final(self) -> bool:
        return self.processing_status in FINAL_STATUSES


@dataclass(frozen=True)
class ReportPage:
    """One page of getReports; `next_token` is empty on the last page."""

    reports: tuple[ReportStatus, ...]
    next_token: str = ""


@dataclass(frozen=True)
class ReportSchedule:
    """A report schedule as getReportSchedules answers it."""

    schedule_id: str
    report_type: str
    period: str  # ISO 8601 duration, one of SCHEDULE_PERIODS
    options: tuple[tuple[str, str], ...] = ()
    next_creation: dt.datetime | None = None


@dataclass(frozen=True)
class ReportDocument:
    document_id: str
    url: str  # pre-signed, valid 5 minutes
    compression: str = ""  # "GZIP" or ""


def create_body(
    report_type: str, marketplace_id: str, start: dt.date, end: dt.date, options: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The createReport body for the whole days start..end (UTC)."""
    body: dict[str, Any] = {
        "reportType": report_type,
        "marketplaceIds": [marketplace_id],
        "dataStartTime": f"{start.isoformat()}T00:00:00Z",
        "dataEndTime": f"{end.isoformat()}T23:59:59Z",
    }
    if options:
        body["reportOptions"] = {str(k): str(v) for k, v in options.items()}
    return body


def report_status(data: Mapping[str, Any]) -> ReportStatus:
    return ReportStatus(
        report_id=str(data.get("reportId") or ""),
        report_type=str(data.get("reportType") or ""),
        processing_status=str(data.get("processingStatus") or ""),
        document_id=str(data.get("reportDocumentId") or ""),
        data_start=_date(data.get("dataStartTime")),
        data_end=_date(data.get("dataEndTime")),
        schedule_id=str(data.get("reportScheduleId") or ""),
        created=_time(data.get("createdTime")),
    )


def list_query(
    report_types: Sequence[str],
    *,
    statuses: Sequence[str] = (),
    created_since: dt.datetime | None = None,
    created_until: dt.datetime | None = None,
    page_size: int = LIST_PAGE_SIZE_MAX,
) -> dict[str, str]:
    """The query of a first getReports page (arrays comma-separated). Later pages send only `nextToken`."""
    if not 1 <= len(report_types) <= LIST_TYPES_MAX:
        raise ValueError(f"getReports takes 1 to {LIST_TYPES_MAX} report types.")
    if not 1 <= page_size <= LIST_PAGE_SIZE_MAX:
        raise ValueError(f"getReports pageSize is 1 to {LIST_PAGE_SIZE_MAX}.")
    query = {"reportTypes": ",".join(report_types), "pageSize": str(page_size)}
    if statuses:
        query["processingStatuses"] = ",".join(statuses)
    if created_since is not None:
        query["createdSince"] = _iso_z(created_since)
    if created_until is not None:
        query["createdUntil"] = _iso_z(created_until)
    return query


def report_page(data: Mapping[str, Any]) -> ReportPage:
    return ReportPage(
        reports=tuple(report_status(row) for row in _rows(data.get("reports"))),
        next_token=str(data.get("nextToken") or ""),
    )


def schedule_body(
    report_type: str,
    marketplace_id: str,
    period: str,
    options: Mapping[str, str] | None = None,
    next_creation: dt.datetime | None = None,
) -> dict[str, Any]:
    """The createReportSchedule body; `period` must be one of SCHEDULE_PERIODS."""
    if period not in SCHEDULE_PERIODS:
        raise ValueError(f"Amazon schedules reports every {', '.join(SCHEDULE_PERIODS)}; not {period!r}.")
    body: dict[str, Any] = {"reportType": report_type, "marketplaceIds": [marketplace_id], "period": period}
    if options:
        body["reportOptions"] = {str(k): str(v) for k, v in options.items()}
    if next_creation is not None:
        body["nextReportCreationTime"] = _iso_z(next_creation)
    return body


def report_schedules(data: Mapping[str, Any]) -> list[ReportSchedule]:
    return [
        ReportSchedule(
            schedule_id=str(row.get("reportScheduleId") or ""),
            report_type=str(row.get("reportType") or ""),
            period=str(row.get("period") or ""),
            options=tuple(sorted((str(k), str(v)) for k, v in _mapping(row.get("reportOptions")).items())),
            next_creation=_time(row.get("nextReportCreationTime")),
        )
        for row in _rows(data.get("reportSchedules"))
    ]


def report_document(data: Mapping[str, Any]) -> ReportDocument:
    url = str(data.get("url") or "")
    if not url:
        raise RetryableError("Amazon: the report document has no URL.", code="malformed_response")
    return ReportDocument(
        document_id=str(data.get("reportDocumentId") or ""),
        url=url,
        compression=str(data.get("compressionAlgorithm") or ""),
    )


def decode_document(raw: bytes, compression: str = "") -> Any:
    """The document's JSON, gunzipped first when `compression` is GZIP (or the bytes are gzip anyway)."""
    if compression.upper() == "GZIP" or raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise ConnectorError("Amazon: the report document is not valid GZIP.", code="bad_document") from exc
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ConnectorError("Amazon: the report document is not valid JSON.", code="bad_document") from exc


# --- GET_SALES_AND_TRAFFIC_REPORT ---


@dataclass(frozen=True)
class AsinSalesTraffic:
    """One `salesAndTrafficByAsin` entry (summed over the report's days). Percentages 0-100."""

    parent_asin: str
    child_asin: str
    sku: str
    units_ordered: int | None
    ordered_product_sales: Decimal | None
    currency: str
    total_order_items: int | None
    sessions: int | None
    page_views: int | None
    session_pct: Decimal | None
    page_views_pct: Decimal | None
    buy_box_pct: Decimal | None
    unit_session_pct: Decimal | None


@dataclass(frozen=True)
class DateSalesTraffic:
    """One `salesAndTrafficByDate` entry: the whole shop on one day (or week or month). Percentages 0-100."""

    date: dt.date
    units_ordered: int | None
    ordered_product_sales: Decimal | None
    currency: str
    sessions: int | None
    page_views: int | None
    buy_box_pct: Decimal | None
    unit_session_pct: Decimal | None


@dataclass(frozen=True)
class SalesAndTrafficReport:
    start: dt.date | None
    end: dt.date | None
    date_granularity: str
    asin_granularity: str
    by_asin: tuple[AsinSalesTraffic, ...]
    by_date: tuple[DateSalesTraffic, ...]


def parse_sales_and_traffic(document: Mapping[str, Any]) -> SalesAndTrafficReport:
    """The Sales and Traffic document; a figure absent from it stays None (not zero)."""
    spec = _mapping(document.get("reportSpecification"))
    options = _mapping(spec.get("reportOptions"))
    by_asin = []
    for entry in _rows(document.get("salesAndTrafficByAsin")):
        sales, traffic = _mapping(entry.get("salesByAsin")), _mapping(entry.get("trafficByAsin"))
        amount, currency = _amount(sales.get("orderedProductSales"))
        by_asin.append(
            AsinSalesTraffic(
                parent_asin=str(entry.get("parentAsin") or ""),
                child_asin=str(entry.get("childAsin") or ""),
                sku=str(entry.get("sku") or ""),
                units_ordered=_int(sales.get("unitsOrdered")),
                ordered_product_sales=amount,
                currency=currency,
                total_order_items=_int(sales.get("totalOrderItems")),
                sessions=_int(traffic.get("sessions")),
                page_views=_int(traffic.get("pageViews")),
                session_pct=_decimal(traffic.get("sessionPercentage")),
                page_views_pct=_decimal(traffic.get("pageViewsPercentage")),
                buy_box_pct=_decimal(traffic.get("buyBoxPercentage")),
                unit_session_pct=_decimal(traffic.get("unitSessionPercentage")),
            )
        )
    by_date = []
    for entry in _rows(document.get("salesAndTrafficByDate")):
        day = _date(entry.get("date"))
        if day is None:
            continue
        sales, traffic = _mapping(entry.get("salesByDate")), _mapping(entry.get("trafficByDate"))
        amount, currency = _amount(sales.get("orderedProductSales"))
        by_date.append(
            DateSalesTraffic(
                date=day,
                units_ordered=_int(sales.get("unitsOrdered")),
                ordered_product_sales=amount,
                currency=currency,
                sessions=_int(traffic.get("sessions")),
                page_views=_int(traffic.get("pageViews")),
                buy_box_pct=_decimal(traffic.get("buyBoxPercentage")),
                unit_session_pct=_decimal(traffic.get("unitSessionPercentage")),
            )
        )
    return SalesAndTrafficReport(
        start=_date(spec.get("dataStartTime")),
        end=_date(spec.get("dataEndTime")),
        date_granularity=str(options.get("dateGranularity") or ""),
        asin_granularity=str(options.get("asinGranularity") or ""),
        by_asin=tuple(by_asin),
        by_date=tuple(sorted(by_date, key=lambda d: d.date)),
    )


# --- GET_BRAND_ANALYTICS_SEARCH_TERMS_REPORT ---


@dataclass(frozen=True)
class SearchTermRow:
    """One clicked ASIN of a search term. `search_frequency_rank` is a rank (1 = searched most), not a volume;
    shares are fractions 0-1."""

    department: str
    search_term: str
    search_frequency_rank: int | None
    clicked_asin: str
    click_share_rank: int | None
    click_share: Decimal | None
    conversion_share: Decimal | None


@dataclass(frozen=True)
class SearchTermsReport:
    report_period: str
    start: dt.date | None
    end: dt.date | None
    rows: tuple[SearchTermRow, ...]


def parse_search_terms(document: Mapping[str, Any]) -> SearchTermsReport:
    """The Brand Analytics Search Terms document (`dataByDepartmentAndSearchTerm`): the top clicked ASINs of each
    search term. Terms keep the report's spelling; callers normalise them."""
    spec = _mapping(document.get("reportSpecification"))
    rows = tuple(
        SearchTermRow(
            department=str(row.get("departmentName") or ""),
            search_term=str(row.get("searchTerm") or ""),
            search_frequency_rank=_int(row.get("searchFrequencyRank")),
            clicked_asin=str(row.get("clickedAsin") or ""),
            click_share_rank=_int(row.get("clickShareRank")),
            click_share=_decimal(row.get("clickShare")),
            conversion_share=_decimal(row.get("conversionShare")),
        )
        for row in _rows(document.get("dataByDepartmentAndSearchTerm"))
        if row.get("searchTerm")
    )
    return SearchTermsReport(
        report_period=str(_mapping(spec.get("reportOptions")).get("reportPeriod") or ""),
        start=_date(spec.get("dataStartTime")),
        end=_date(spec.get("dataEndTime")),
        rows=rows,
    )


# --- GET_BRAND_ANALYTICS_SEARCH_QUERY_PERFORMANCE_REPORT ---


@dataclass(frozen=True)
class FunnelStage:
    """One step of the search funnel for a query: every ASIN's count and ours, our share (fraction 0-1)."""

    total: int | None
    asin: int | None
    asin_share: Decimal | None


@dataclass(frozen=True)
class SearchQueryRow:
    """One query that led buyers to one of our ASINs. `search_query_score` ranks the ASIN's queries (1 = best);
    `search_query_volume` counts searches."""

    asin: str
    start: dt.date | None
    end: dt.date | None
    search_query: str
    search_query_score: int | None
    search_query_volume: int | None
    impressions: FunnelStage
    clicks: FunnelStage
    cart_adds: FunnelStage
    purchases: FunnelStage


@dataclass(frozen=True)
class SearchQueryPerformanceReport:
    report_period: str
    start: dt.date | None
    end: dt.date | None
    rows: tuple[SearchQueryRow, ...]


def _stage(data: Any, total: str, asin: str, share: str) -> FunnelStage:
    values = _mapping(data)
    return FunnelStage(
        total=_int(values.get(total)), asin=_int(values.get(asin)), asin_share=_decimal(values.get(share))
    )


def parse_search_query_performance(document: Mapping[str, Any]) -> SearchQueryPerformanceReport:
    """The Brand Analytics Search Query Performance document (`dataByAsin`)."""
    spec = _mapping(document.get("reportSpecification"))
    rows = []
    for row in _rows(document.get("dataByAsin")):
        query = _mapping(row.get("searchQueryData"))
        if not query.get("searchQuery"):
            continue
        rows.append(
            SearchQueryRow(
                asin=str(row.get("asin") or ""),
                start=_date(row.get("startDate")),
                end=_date(row.get("endDate")),
                search_query=str(query["searchQuery"]),
                search_query_score=_int(query.get("searchQueryScore")),
                search_query_volume=_int(query.get("searchQueryVolume")),
                impressions=_stage(
                    row.get("impressionData"), "totalQueryImpressionCount", "asinImpressionCount", "asinImpressionShare"
                ),  # fmt: skip
                clicks=_stage(row.get("clickData"), "totalClickCount", "asinClickCount", "asinClickShare"),
                cart_adds=_stage(row.get("cartAddData"), "totalCartAddCount", "asinCartAddCount", "asinCartAddShare"),
                purchases=_stage(
                    row.get("purchaseData"), "totalPurchaseCount", "asinPurchaseCount", "asinPurchaseShare"
                ),  # fmt: skip
            )
        )
    return SearchQueryPerformanceReport(
        report_period=str(_mapping(spec.get("reportOptions")).get("reportPeriod") or ""),
        start=_date(spec.get("dataStartTime")),
        end=_date(spec.get("dataEndTime")),
        rows=tuple(rows),
    )


PARSERS = {
    SALES_AND_TRAFFIC: parse_sales_and_traffic,
    SEARCH_TERMS: parse_search_terms,
    SEARCH_QUERY_PERFORMANCE: parse_search_query_performance,
}


# --- small readers (a value of the wrong type reads as absent) ---


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _rows(value: Any) -> list[Mapping[str, Any]]:
    return [row for row in value if isinstance(row, Mapping)] if isinstance(value, list) else []


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _amount(value: Any) -> tuple[Decimal | None, str]:
    money = _mapping(value)
    amount = _decimal(money.get("amount"))
    return (amount.quantize(Decimal("0.01")) if amount is not None else None), str(money.get("currencyCode") or "")


def _date(value: Any) -> dt.date | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _iso_z(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
