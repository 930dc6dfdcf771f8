"""Amazon SP-API Reports 2021-06-30 in the sandbox (docs/sandbox.md#amazon-reports).

`POST /reports/2021-06-30/reports` answers 202 `{"reportId"}`; `GET .../reports/{id}` moves the report
IN_QUEUE -> IN_PROGRESS -> DONE, one step per poll or per STEP_SECONDS of sandbox time, whichever comes first;
`GET .../documents/{id}` answers `{reportDocumentId, url, compressionAlgorithm?}` with a pre-signed URL (5 minutes)
served by this module (optionally GZIP). Responses are not wrapped in `payload`.

Report types are a registry: `BUILDERS[report_type]` builds the document (a JSON-ready dict) from a
`ReportContext`, or returns None when there is no data (the report then ends CANCELLED, as Amazon's does). Add a
type with `@register("GET_...")`. The Amazon module hands every request here that its other parts did not take;
this module never imports the connectors.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..core import RateSetting, Response

REPORTS = "/reports/2021-06-30/reports"
REPORT = re.compile(r"/reports/2021-06-30/reports/(?P<id>[^/]+)")
DOCUMENT = re.compile(r"/reports/2021-06-30/documents/(?P<id>[^/]+)")
DOWNLOAD = re.compile(r"/_report-documents/(?P<id>[^/]+)")  # the "pre-signed S3" URL of a document
URL_TTL = 300  # the document URL expires after 5 minutes (sandbox seconds)
STEP_SECONDS = 30.0  # sandbox seconds per status step when nobody polls
MARKETPLACES_MAX = 25
# Default usage plans, rate per second / burst (docs/marketplaces/amazon.md#reports).
RATES = {
    "createReport": RateSetting(0.0167, 15),
    "getReport": RateSetting(2.0, 15),
    "getReportDocument": RateSetting(0.0167, 15),
    "cancelReport": RateSetting(0.0222, 10),
    "getReports": RateSetting(0.0222, 10),
    "createReportSchedule": RateSetting(0.0222, 10),
    "getReportSchedules": RateSetting(0.0222, 10),
    "getReportSchedule": RateSetting(0.0222, 10),
    "cancelReportSchedule": RateSetting(0.0222, 10),
}
# Served by amazon_report_schedules.py: the list and the schedules.
SCHEDULE_OPERATIONS = frozenset(
    {"getReports", "createReportSchedule", "getReportSchedules", "getReportSchedule", "cancelReportSchedule"}
)
LIST_OPERATIONS = frozenset({"getReports", "getReportSchedules"})  # GET only
STATUS_STEPS = ("IN_QUEUE", "IN_PROGRESS", "DONE")
FINAL = ("DONE", "CANCELLED", "FATAL")
SALES_AND_TRAFFIC = "GET_SALES_AND_TRAFFIC_REPORT"
SEARCH_TERMS = "GET_BRAND_ANALYTICS_SEARCH_TERMS_REPORT"
SEARCH_QUERY_PERFORMANCE = "GET_BRAND_ANALYTICS_SEARCH_QUERY_PERFORMANCE_REPORT"
STOP_WORDS = frozenset({"and", "the", "for", "with", "of", "in", "on", "to", "a", "an", "by", "set", "size", "one"})


class ReportError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


# --- state ---


@dataclass
class ReportsState:
    """Reports, documents and the test controls of one Amazon module (emptied by its reset)."""

    reports: dict[str, dict[str, Any]] = field(default_factory=dict)
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    missing_days: set[dt.date] = field(default_factory=set)  # no data at all for these days
    traffic: dict[tuple[str, dt.date], dict[str, Any]] = field(default_factory=dict)  # (sku or asin, day) -> values
    search_terms: dict[str, int] = field(default_factory=dict)  # seeded term -> search frequency rank
    polls_to_done: int = 2  # GETs that answer before DONE (IN_QUEUE, IN_PROGRESS)
    compression: str = "GZIP"  # or "" (plain JSON)
    fatal: bool = False  # every new report ends FATAL
    secret: str = field(default_factory=lambda: secrets.token_hex(16))
    number: int = 0
    schedules: dict[str, dict[str, Any]] = field(default_factory=dict)  # amazon_report_schedules.py
    list_tokens: dict[str, tuple[str, dict[str, Any], int]] = field(default_factory=dict)  # getReports nextToken

    def control(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """`POST /_control/reports` (marketplace amazon): see docs/sandbox.md#amazon-reports."""
        unknown = set(data) - {"marketplace", "missing_days", "traffic", "search_terms", "polls_to_done",
                               "compression", "fatal", "clear"}  # fmt: skip
        if unknown:
            raise ValueError(f"Unknown report control option(s): {', '.join(sorted(unknown))}.")
        if data.get("clear"):
            self.missing_days.clear()
            self.traffic.clear()
            self.search_terms.clear()
        for text in data.get("missing_days") or []:
            self.missing_days.add(_day(text, "missing_days"))
        for entry in data.get("traffic") or []:
            key = str(entry.get("sku") or entry.get("asin") or "")
            if not key:
                raise ValueError("Each 'traffic' entry needs 'sku' or 'asin'.")
            values = {k: entry[k] for k in ("sessions", "page_views", "buy_box_pct") if entry.get(k) is not None}
            if any(not isinstance(v, int | float) or v < 0 for v in values.values()):
                raise ValueError("'sessions', 'page_views' and 'buy_box_pct' must be numbers >= 0.")
            self.traffic[(key, _day(str(entry.get("date") or ""), "date"))] = values
        for entry in data.get("search_terms") or []:
            term, rank = str(entry.get("term") or "").strip().lower(), entry.get("rank")
            if not term or not isinstance(rank, int) or rank < 1:
                raise ValueError("Each 'search_terms' entry needs 'term' and an integer 'rank' >= 1.")
            self.search_terms[term] = rank
        if "polls_to_done" in data:
            polls = data["polls_to_done"]
            if not isinstance(polls, int) or polls < 0:
                raise ValueError("'polls_to_done' must be an integer >= 0.")
            self.polls_to_done = polls
        if "compression" in data:
            if data["compression"] not in ("GZIP", "", None):
                raise ValueError("'compression' must be \"GZIP\" or empty.")
            self.compression = str(data["compression"] or "")
        if "fatal" in data:
            self.fatal = bool(data["fatal"])
        return {
            "missing_days": sorted(d.isoformat() for d in self.missing_days),
            "traffic": len(self.traffic),
            "search_terms": len(self.search_terms),
            "polls_to_done": self.polls_to_done,
            "compression": self.compression,
            "fatal": self.fatal,
        }


def _day(text: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise ValueError(f"'{name}' must be a date YYYY-MM-DD, not {text!r}.") from None


def _parse_time(text: Any, name: str) -> dt.datetime:
    if not isinstance(text, str):
        raise ReportError(400, "InvalidInput", f"'{name}' must be an ISO 8601 date-time.")
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ReportError(400, "InvalidInput", f"'{name}' is not a valid ISO 8601 date-time: {text}.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _iso(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def _hash(*parts: Any) -> int:
    text = ":".join(str(p) for p in parts)
    return int(hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:12], 16)


def _money(amount: Decimal | float, currency: str) -> dict[str, Any]:
    return {"amount": float(Decimal(str(amount)).quantize(Decimal("0.01"))), "currencyCode": currency}


# --- what a builder sees ---


@dataclass
class ReportContext:
    """The request and the seller's state, in plain values."""

    report_type: str
    seller: str
    marketplace_id: str
    currency: str
    start: dt.date
    end: dt.date
    options: dict[str, str]
    listings: list[dict[str, Any]]  # {sku, asin, parent_asin, title, price, is_parent}
    orders: list[dict[str, Any]]  # the order book's neutral orders of the seller
    catalog: list[dict[str, Any]]  # other sellers' items {asin, title}
    state: ReportsState

    def days(self) -> list[dt.date]:
        return [d for d in _days(self.start, self.end) if d not in self.state.missing_days]

    def specification(self, **options: str) -> dict[str, Any]:
        return {
            "reportType": self.report_type,
            "reportOptions": {**self.options, **options},
            "dataStartTime": self.start.isoformat(),
            "dataEndTime": self.end.isoformat(),
            "marketplaceIds": [self.marketplace_id],
        }


Builder = Callable[[ReportContext], dict[str, Any] | None]
BUILDERS: dict[str, Builder] = {}
# Each report type's check of its request (reportOptions, periods), raising ReportError.
VALIDATORS: dict[str, Callable[[dt.date, dt.date, dict[str, str]], None]] = {}


def register(report_type: str, validate: Callable[[dt.date, dt.date, dict[str, str]], None] | None = None) -> Any:
    """Register the document builder of a report type (and optionally its request check)."""

    def decorate(builder: Builder) -> Builder:
        BUILDERS[report_type] = builder
        if validate is not None:
            VALIDATORS[report_type] = validate
        return builder

    return decorate


# --- GET_SALES_AND_TRAFFIC_REPORT ---


def _units_by_day(context: ReportContext) -> dict[tuple[str, dt.date], tuple[int, Decimal, int]]:
    """(sku, UTC day) -> (units, sales, order items) of the orders placed that day, cancelled units left out."""
    out: dict[tuple[str, dt.date], tuple[int, Decimal, int]] = {}
    for order in context.orders:
        if order.get("cancelled_at") is not None:
            continue
        day = dt.datetime.fromtimestamp(order["placed_at"], dt.UTC).date()
        for line in order["lines"]:
            units = int(line["quantity"]) - int(line.get("cancelled", 0))
            if units <= 0:
                continue
            held = out.get((line["sku"], day), (0, Decimal("0"), 0))
            out[(line["sku"], day)] = (held[0] + units, held[1] + Decimal(line["unit_price"]) * units, held[2] + 1)
    return out


def _traffic(context: ReportContext, listing: Mapping[str, Any], day: dt.date, units: int) -> dict[str, float]:
    """Deterministic sessions, page views and buy box % of one listing on one day (or the seeded values)."""
    h = _hash(listing["asin"], day.isoformat())
    sessions = max(units * 4, 20 + h % 180)
    page_views = sessions + (h // 7) % (sessions // 2 + 1)
    buy_box = float(70 + (h // 13) % 31)
    seeded = context.state.traffic.get((listing["sku"], day)) or context.state.traffic.get((listing["asin"], day))
    if seeded:
        sessions = int(seeded.get("sessions", sessions))
        page_views = int(seeded.get("page_views", max(page_views, sessions)))
        buy_box = float(seeded.get("buy_box_pct", buy_box))
    return {"sessions": sessions, "page_views": page_views, "buy_box": buy_box}


def _pct(part: float, whole: float) -> float:
    return round(part * 100 / whole, 2) if whole else 0.0


def _sales_traffic_validate(start: dt.date, end: dt.date, options: dict[str, str]) -> None:
    if options.get("dateGranularity", "DAY") not in ("DAY", "WEEK", "MONTH"):
        raise ReportError(400, "InvalidInput", "reportOptions.dateGranularity must be DAY, WEEK or MONTH.")
    if options.get("asinGranularity", "PARENT") not in ("PARENT", "CHILD", "SKU"):
        raise ReportError(400, "InvalidInput", "reportOptions.asinGranularity must be PARENT, CHILD or SKU.")


@register(SALES_AND_TRAFFIC, _sales_traffic_validate)
def sales_and_traffic(context: ReportContext) -> dict[str, Any] | None:
    """`salesAndTrafficByDate` (one entry per day with data) and `salesAndTrafficByAsin` (summed over the days)."""
    days = context.days()
    listings = [item for item in context.listings if not item["is_parent"]]
    if not days:
        return None
    granularity = context.options.get("asinGranularity", "PARENT")
    sold = _units_by_day(context)
    cur = context.currency
    per_asin: dict[str, dict[str, Any]] = {}
    by_date = []
    for day in days:
        day_rows = []
        for item in listings:
            units, sales, order_items = sold.get((item["sku"], day), (0, Decimal("0"), 0))
            day_rows.append((item, units, sales, order_items, _traffic(context, item, day, units)))
        total_sessions = sum(r[4]["sessions"] for r in day_rows)
        total_views = sum(r[4]["page_views"] for r in day_rows)
        units_day = sum(r[1] for r in day_rows)
        sales_day = sum((r[2] for r in day_rows), Decimal("0"))
        items_day = sum(r[3] for r in day_rows)
        by_date.append(_date_entry(day, units_day, sales_day, items_day, day_rows, cur))
        for item, units, sales, order_items, traffic in day_rows:
            key = {"PARENT": item["parent_asin"], "CHILD": item["asin"]}.get(granularity, item["sku"])
            row = per_asin.setdefault(key, {"item": item, "units": 0, "sales": Decimal("0"), "order_items": 0,
                                            "sessions": 0, "page_views": 0, "buy_box_views": 0.0,
                                            "all_sessions": 0, "all_views": 0})  # fmt: skip
            row["units"] += units
            row["sales"] += sales
            row["order_items"] += order_items
            row["sessions"] += traffic["sessions"]
            row["page_views"] += traffic["page_views"]
            row["buy_box_views"] += traffic["buy_box"] * traffic["page_views"]
            row["all_sessions"] += total_sessions
            row["all_views"] += total_views
    by_asin = [_asin_entry(row, granularity, cur) for row in per_asin.values()]
    return {
        "reportSpecification": context.specification(
            dateGranularity=context.options.get("dateGranularity", "DAY"), asinGranularity=granularity
        ),
        "salesAndTrafficByDate": by_date,
        "salesAndTrafficByAsin": by_asin,
    }


def _date_entry(day: dt.date, units: int, sales: Decimal, order_items: int, rows: list, cur: str) -> dict[str, Any]:
    sessions = sum(r[4]["sessions"] for r in rows)
    views = sum(r[4]["page_views"] for r in rows)
    buy_box = sum(r[4]["buy_box"] * r[4]["page_views"] for r in rows) / views if views else 0.0
    mobile_sessions, mobile_views = sessions * 3 // 5, views * 3 // 5
    return {
        "date": day.isoformat(),
        "salesByDate": {
            "orderedProductSales": _money(sales, cur),
            "averageSalesPerOrderItem": _money(sales / order_items if order_items else 0, cur),
            "averageSellingPrice": _money(sales / units if units else 0, cur),
            "claimsAmount": _money(0, cur),
            "shippedProductSales": _money(0, cur),
            "unitsOrdered": units,
            "totalOrderItems": order_items,
            "unitsRefunded": 0,
            "claimsGranted": 0,
            "unitsShipped": 0,
            "ordersShipped": 0,
            "averageUnitsPerOrderItem": round(units / order_items, 2) if order_items else 0.0,
            "refundRate": 0.0,
        },
        "trafficByDate": {
            "browserPageViews": views - mobile_views,
            "mobileAppPageViews": mobile_views,
            "pageViews": views,
            "browserSessions": sessions - mobile_sessions,
            "mobileAppSessions": mobile_sessions,
            "sessions": sessions,
            "buyBoxPercentage": round(buy_box, 2),
            "orderItemSessionPercentage": _pct(order_items, sessions),
            "unitSessionPercentage": _pct(units, sessions),
            "averageOfferCount": len(rows),
            "averageParentItems": len({r[0]["parent_asin"] for r in rows}),
            "feedbackReceived": 0,
            "negativeFeedbackReceived": 0,
            "receivedNegativeFeedbackRate": 0.0,
        },
    }


def _asin_entry(row: Mapping[str, Any], granularity: str, cur: str) -> dict[str, Any]:
    item = row["item"]
    sessions, views = row["sessions"], row["page_views"]
    mobile_sessions, mobile_views = sessions * 3 // 5, views * 3 // 5
    entry: dict[str, Any] = {"parentAsin": item["parent_asin"]}
    if granularity in ("CHILD", "SKU"):
        entry["childAsin"] = item["asin"]
    if granularity == "SKU":
        entry["sku"] = item["sku"]
    entry["salesByAsin"] = {
        "unitsOrdered": row["units"],
        "orderedProductSales": _money(row["sales"], cur),
        "totalOrderItems": row["order_items"],
    }
    entry["trafficByAsin"] = {
        "browserSessions": sessions - mobile_sessions,
        "mobileAppSessions": mobile_sessions,
        "sessions": sessions,
        "browserSessionPercentage": _pct(sessions - mobile_sessions, row["all_sessions"]),
        "mobileAppSessionPercentage": _pct(mobile_sessions, row["all_sessions"]),
        "sessionPercentage": _pct(sessions, row["all_sessions"]),
        "browserPageViews": views - mobile_views,
        "mobileAppPageViews": mobile_views,
        "pageViews": views,
        "browserPageViewsPercentage": _pct(views - mobile_views, row["all_views"]),
        "mobileAppPageViewsPercentage": _pct(mobile_views, row["all_views"]),
        "pageViewsPercentage": _pct(views, row["all_views"]),
        "buyBoxPercentage": round(row["buy_box_views"] / views, 2) if views else 0.0,
        "unitSessionPercentage": _pct(row["units"], sessions),
    }
    return entry


# --- Brand Analytics: search terms and search query performance ---


def _period_validate(allowed: tuple[str, ...]) -> Callable[[dt.date, dt.date, dict[str, str]], None]:
    """reportPeriod must be one of `allowed`, and the dates one whole period: requests cannot span periods."""

    def validate(start: dt.date, end: dt.date, options: dict[str, str]) -> None:
        period = options.get("reportPeriod", "")
        if period not in allowed:
            raise ReportError(400, "InvalidInput", f"reportOptions.reportPeriod must be one of {', '.join(allowed)}.")
        first, last = _period_bounds(period, start)
        if (start, end) != (first, last):
            raise ReportError(
                400, "InvalidInput",
                f"A {period} report must run from {first.isoformat()} to {last.isoformat()} (one whole period).",
            )  # fmt: skip

    return validate


def _period_bounds(period: str, day: dt.date) -> tuple[dt.date, dt.date]:
    if period == "DAY":
        return day, day
    if period == "WEEK":  # Sunday .. Saturday
        first = day - dt.timedelta(days=(day.weekday() + 1) % 7)
        return first, first + dt.timedelta(days=6)
    months = 1 if period == "MONTH" else 3  # else QUARTER
    first = day.replace(month=(day.month - 1) // months * months + 1, day=1)
    year, month = divmod(first.month - 1 + months, 12)
    return first, dt.date(first.year + year, month + 1, 1) - dt.timedelta(days=1)


def _words(title: str) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9]+", title.lower()) if len(w) > 2 and w not in STOP_WORDS]


def _terms_of(title: str) -> list[str]:
    """Search terms a buyer might type for an item: its first two words, then word pairs, then single words."""
    words = _words(title)
    terms = [" ".join(words[:2])] if len(words) >= 2 else []
    terms += [f"{a} {b}" for a, b in zip(words[1:], words[2:], strict=False)][:3]
    terms += words[:3]
    return list(dict.fromkeys(t for t in terms if t))


def _rank(context: ReportContext, term: str) -> int:
    """Search Frequency Rank: 1 is the most searched term of the period (a rank, not a volume)."""
    return context.state.search_terms.get(term) or 1 + _hash("sfr", term, context.start.isoformat()) % 250_000


def _clicked(context: ReportContext, term: str) -> list[str]:
    words = set(term.split())
    items = [*context.listings, *context.catalog]
    hits = [i["asin"] for i in items if not i.get("is_parent") and words <= set(_words(i["title"]))]
    return sorted(dict.fromkeys(hits), key=lambda asin: _hash("click", term, asin))[:3]


def _all_terms(context: ReportContext) -> list[str]:
    terms: dict[str, None] = dict.fromkeys(context.state.search_terms)
    for item in context.listings:
        if not item["is_parent"]:
            terms.update(dict.fromkeys(_terms_of(item["title"])))
    return list(terms)


@register(SEARCH_TERMS, _period_validate(("DAY", "WEEK", "MONTH", "QUARTER")))
def search_terms(context: ReportContext) -> dict[str, Any] | None:
    """`dataByDepartmentAndSearchTerm`: the top three clicked ASINs of each search term, with shares (fractions)."""
    if not context.days():
        return None
    rows = []
    for term in _all_terms(context):
        clicked = _clicked(context, term)
        shares = [0.42, 0.21, 0.09][: len(clicked)]
        for position, (asin, share) in enumerate(zip(clicked, shares, strict=True), start=1):
            rows.append({
                "departmentName": "Amazon.com",
                "searchTerm": term,
                "searchFrequencyRank": _rank(context, term),
                "clickedAsin": asin,
                "clickShareRank": position,
                "clickShare": share,
                "conversionShare": round(share * (0.8 + (_hash("conv", term, asin) % 40) / 100), 4),
            })  # fmt: skip
    rows.sort(key=lambda r: (r["searchFrequencyRank"], r["clickShareRank"]))
    return {"reportSpecification": context.specification(), "dataByDepartmentAndSearchTerm": rows}


def _sqp_validate(start: dt.date, end: dt.date, options: dict[str, str]) -> None:
    asins = options.get("asin", "")
    if not asins.strip() or len(asins) > 200:
        raise ReportError(400, "InvalidInput", "reportOptions.asin: a space-separated list of ASINs, 200 characters.")
    _period_validate(("WEEK", "MONTH", "QUARTER"))(start, end, options)


def _funnel(volume: int, h: int, cur: str, price: float) -> dict[str, Any]:
    """Impressions, clicks, cart adds and purchases of a query, all ASINs and ours (shares are fractions)."""
    stages: dict[str, tuple[int, int]] = {}
    steps = (("impression", 12.0), ("click", 0.35), ("cartAdd", 0.12), ("purchase", 0.06))
    for n, (name, per_search) in enumerate(steps):
        total = int(volume * per_search)
        stages[name] = (total, max(0, total * (5 + (h >> (4 * n)) % 20) // 100))
    impressions, clicks, carts, purchases = (stages[k] for k in ("impression", "click", "cartAdd", "purchase"))

    def share(pair: tuple[int, int]) -> float:
        return round(pair[1] / pair[0], 4) if pair[0] else 0.0

    def rate(count: int) -> float:
        return round(count / volume, 4) if volume else 0.0

    median = _money(price, cur)
    return {
        "impressionData": {"totalQueryImpressionCount": impressions[0], "asinImpressionCount": impressions[1],
                           "asinImpressionShare": share(impressions)},
        "clickData": {"totalClickCount": clicks[0], "totalClickRate": rate(clicks[0]), "asinClickCount": clicks[1],
                      "asinClickShare": share(clicks), "totalMedianClickPrice": median, "asinMedianClickPrice": median,
                      "totalSameDayShippingClickCount": clicks[0] // 10,
                      "totalOneDayShippingClickCount": clicks[0] // 5,
                      "totalTwoDayShippingClickCount": clicks[0] // 3},
        "cartAddData": {"totalCartAddCount": carts[0], "totalCartAddRate": rate(carts[0]),
                        "asinCartAddCount": carts[1], "asinCartAddShare": share(carts),
                        "totalMedianCartAddPrice": median, "asinMedianCartAddPrice": median,
                        "totalSameDayShippingCartAddCount": carts[0] // 10,
                        "totalOneDayShippingCartAddCount": carts[0] // 5,
                        "totalTwoDayShippingCartAddCount": carts[0] // 3},
        "purchaseData": {"totalPurchaseCount": purchases[0], "totalPurchaseRate": rate(purchases[0]),
                         "asinPurchaseCount": purchases[1], "asinPurchaseShare": share(purchases),
                         "totalMedianPurchasePrice": median, "asinMedianPurchasePrice": median,
                         "totalSameDayShippingPurchaseCount": purchases[0] // 10,
                         "totalOneDayShippingPurchaseCount": purchases[0] // 5,
                         "totalTwoDayShippingPurchaseCount": purchases[0] // 3},
    }  # fmt: skip


@register(SEARCH_QUERY_PERFORMANCE, _sqp_validate)
def search_query_performance(context: ReportContext) -> dict[str, Any] | None:
    """`dataByAsin`: per requested ASIN of ours, the queries that led to it with the whole search funnel;
    `searchQueryScore` ranks the queries of an ASIN (1 = best), `searchQueryVolume` is a count of searches."""
    if not context.days():
        return None
    wanted = context.options.get("asin", "").split()
    ours = {i["asin"]: i for i in context.listings if not i["is_parent"]}
    rows = []
    for asin in wanted:
        item = ours.get(asin)
        if item is None:
            continue
        queries = [(term, 200 + _hash("vol", term, context.start.isoformat()) % 20_000) for term in
                   _terms_of(item["title"])]  # fmt: skip
        queries.sort(key=lambda q: -q[1])
        for score, (term, volume) in enumerate(queries, start=1):
            rows.append({
                "startDate": context.start.isoformat(),
                "endDate": context.end.isoformat(),
                "asin": asin,
                "searchQueryData": {"searchQuery": term, "searchQueryScore": score, "searchQueryVolume": volume},
                **_funnel(volume, _hash("funnel", term, asin), context.currency, item["price"]),
            })  # fmt: skip
    if not rows:
        return None
    return {"reportSpecification": context.specification(), "dataByAsin": rows}


# --- the endpoints ---


def route(path: str, method: str) -> tuple[str, str] | None:
    """(operation, id) for the paths served here; None for any other."""
    from .amazon_report_schedules import route as schedule_route

    if (found := schedule_route(path, method)) is not None:
        return found
    if path == REPORTS:
        return ("createReport", "") if method == "POST" else ("getReports", "")
    if match := REPORT.fullmatch(path):
        return ("cancelReport" if method == "DELETE" else "getReport"), match["id"]
    if match := DOCUMENT.fullmatch(path):
        return "getReportDocument", match["id"]
    if match := DOWNLOAD.fullmatch(path):
        return "download", match["id"]
    return None


def serve(module: Any, req: Any) -> Response | None:
    """The Amazon module's entry for the Reports paths (None for any other path). `module` is the AmazonModule."""
    found = route(req.path, req.method)
    if found is None:
        return None
    op, ident = found
    if op == "download":
        return _download(module, req, ident)
    rate_headers: dict[str, str] = {}
    try:
        if req.method not in ("GET", "POST", "DELETE") or (op in LIST_OPERATIONS and req.method != "GET"):
            raise ReportError(405, "MethodNotAllowed", f"{req.method} {req.path} is not supported by the sandbox.")
        seller = _seller(module, req)
        req.log.update(shop_id=seller, op=op)
        wait, rate_headers = module.operation_gate(f"{seller}:{op}")
        if wait > 0:
            raise ReportError(429, "QuotaExceeded", "You exceeded your quota for the requested resource.")
        state: ReportsState = module.reports
        from . import amazon_report_schedules as schedules

        schedules.tick(module, state)  # scheduled reports appear on the sandbox clock
        if op in SCHEDULE_OPERATIONS:
            status, payload = schedules.handle(module, state, seller, op, ident, req)
            return module._json(status, payload, rate_headers, created=status == 201)
        if op == "createReport":
            return module._json(202, {"reportId": _create(module, state, seller, req)}, rate_headers, created=True)
        if op == "getReport":
            return module._json(200, _view(_advance(module, state, _owned(state, seller, ident))), rate_headers)
        if op == "cancelReport":
            report = _advance(module, state, _owned(state, seller, ident))
            if report["processingStatus"] != "IN_QUEUE":
                raise ReportError(400, "InvalidInput", f"Report {ident} is {report['processingStatus']}: only a "
                                  "report IN_QUEUE can be cancelled.")  # fmt: skip
            _finish(module, report, "CANCELLED")
            return module._json(200, {}, rate_headers)
        return module._json(200, _document_view(module, state, seller, ident, req), rate_headers)
    except ReportError as exc:
        body = {"errors": [{"code": exc.code, "message": exc.message, "details": ""}]}
        return module._json(exc.status, body, rate_headers)


def _seller(module: Any, req: Any) -> str:
    denied = "Access to requested resource is denied."
    token = module.tokens.get("access", req.header("x-amz-access-token"))
    if token is None:
        raise ReportError(403, "Unauthorized", denied + " The access token you provided is revoked, malformed or "
                          "invalid.")  # fmt: skip
    if module.tokens.expired(token):
        raise ReportError(403, "Unauthorized", denied + " The access token you provided has expired.")
    return str(token.shop_id)


def _create(module: Any, state: ReportsState, seller: str, req: Any) -> str:
    try:
        body = req.json()
    except ValueError:
        raise ReportError(400, "InvalidInput", "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise ReportError(400, "InvalidInput", "The request body must be a JSON object.")
    report_type = body.get("reportType")
    if report_type not in BUILDERS:
        raise ReportError(400, "InvalidInput", f"Invalid reportType: {report_type}.")
    ids = body.get("marketplaceIds")
    if not isinstance(ids, list) or not 1 <= len(ids) <= MARKETPLACES_MAX:
        raise ReportError(400, "InvalidInput", f"'marketplaceIds' must list 1 to {MARKETPLACES_MAX} marketplaces.")
    if ids != [module.sellers[seller]["marketplace_id"]]:
        raise ReportError(400, "InvalidInput", f"Invalid marketplaceIds: {','.join(map(str, ids))}.")
    options = body.get("reportOptions") or {}
    if not isinstance(options, dict) or any(not isinstance(v, str) for v in options.values()):
        raise ReportError(400, "InvalidInput", "'reportOptions' must be a map of strings to strings.")
    yesterday = dt.datetime.fromtimestamp(module.now(), dt.UTC).date() - dt.timedelta(days=1)
    start = _parse_time(body["dataStartTime"], "dataStartTime").date() if "dataStartTime" in body else yesterday
    end = _parse_time(body["dataEndTime"], "dataEndTime").date() if "dataEndTime" in body else max(start, yesterday)
    if end < start:
        raise ReportError(400, "InvalidInput", "'dataEndTime' must not be before 'dataStartTime'.")
    if report_type in VALIDATORS:
        VALIDATORS[report_type](start, end, options)
    return new_report(state, seller, report_type, ids, start, end, options, module.now())


def new_report(
    state: ReportsState, seller: str, report_type: str, ids: list[str], start: dt.date, end: dt.date,
    options: Mapping[str, str], created: float, schedule_id: str = "",
) -> str:  # fmt: skip
    """Record a report IN_QUEUE created at `created` (sandbox time); a schedule's report names its schedule."""
    state.number += 1
    report_id = str(50_000_000_000 + state.number)
    state.reports[report_id] = {
        "reportId": report_id, "reportType": report_type, "processingStatus": "IN_QUEUE",
        "createdTime": _iso(created), "dataStartTime": f"{start.isoformat()}T00:00:00+00:00",
        "dataEndTime": f"{end.isoformat()}T23:59:59+00:00", "marketplaceIds": list(ids), "_seller": seller,
        "_created": created, "_polls": 0, "_start": start, "_end": end, "_options": dict(options),
        "_fatal": state.fatal,
    }  # fmt: skip
    if schedule_id:
        state.reports[report_id]["reportScheduleId"] = schedule_id
    return report_id


def _owned(state: ReportsState, seller: str, report_id: str) -> dict[str, Any]:
    report = state.reports.get(report_id)
    if report is None or report["_seller"] != seller:
        raise ReportError(404, "NotFound", f"Report {report_id} is not found.")
    return report


def _advance(module: Any, state: ReportsState, report: dict[str, Any], count_poll: bool = True) -> dict[str, Any]:
    """Move a report on by this poll (getReport; the list does not count as one) or by the sandbox time passed;
    build its document when it gets DONE."""
    if report["processingStatus"] in FINAL:
        return report
    elapsed = module.now() - report["_created"]
    step = max(report["_polls"] - state.polls_to_done + (2 if count_poll else 1), int(elapsed // STEP_SECONDS))
    report["_polls"] += 1 if count_poll else 0
    if state.polls_to_done == 0:
        step = 2
    status = STATUS_STEPS[min(max(step, 0), 2)]
    if status != "IN_QUEUE" and "processingStartTime" not in report:
        report["processingStartTime"] = _iso(module.now())
    if status != "DONE":
        report["processingStatus"] = status
        return report
    if report["_fatal"]:
        _finish(module, report, "FATAL")
        return report
    document = BUILDERS[report["reportType"]](_context(module, state, report))
    if document is None:
        _finish(module, report, "CANCELLED")  # Amazon cancels a report that has no data
        return report
    document_id = f"amzn1.spdoc.1.4.na.{secrets.token_hex(8)}"
    raw = json.dumps(document).encode()
    state.documents[document_id] = {
        "seller": report["_seller"],
        "compression": state.compression,
        "body": gzip.compress(raw) if state.compression == "GZIP" else raw,
    }
    report["reportDocumentId"] = document_id
    _finish(module, report, "DONE")
    return report


def _finish(module: Any, report: dict[str, Any], status: str) -> None:
    report["processingStatus"] = status
    report.setdefault("processingStartTime", _iso(module.now()))
    report["processingEndTime"] = _iso(module.now())


def _view(report: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in report.items() if not k.startswith("_")}


def _context(module: Any, state: ReportsState, report: Mapping[str, Any]) -> ReportContext:
    seller = report["_seller"]
    from .amazon import CURRENCY_BY_MARKETPLACE

    marketplace = module.sellers[seller]["marketplace_id"]
    return ReportContext(
        report_type=report["reportType"],
        seller=seller,
        marketplace_id=marketplace,
        currency=CURRENCY_BY_MARKETPLACE.get(marketplace, "USD"),
        start=report["_start"],
        end=report["_end"],
        options=dict(report["_options"]),
        listings=list(_listings(module, seller)),
        orders=module.order_book.for_shop(seller),
        catalog=[{"asin": i["asin"], "title": i["title"]} for i in module.catalog.items.values()],
        state=state,
    )


def _listings(module: Any, seller: str) -> Iterable[dict[str, Any]]:
    """The seller's processed listings as plain values (a child's parent ASIN is its parent listing's ASIN)."""
    own = {sku: item for (s, sku), item in module.listings.items() if s == seller and item.get("live")}
    for sku, item in sorted(own.items()):
        attributes = item["live"]["attributes"]
        level = _first(attributes.get("parentage_level"))
        parent_sku = _first(attributes.get("child_parent_sku_relationship"), "parent_sku")
        parent = own.get(str(parent_sku)) if parent_sku else None
        offer = attributes.get("purchasable_offer") or []
        try:
            price = float(offer[0]["our_price"][0]["schedule"][0]["value_with_tax"]) if offer else 0.0
        except (KeyError, IndexError, TypeError, ValueError):
            price = 0.0
        yield {
            "sku": sku,
            "asin": item["asin"],
            "parent_asin": parent["asin"] if parent else item["asin"],
            "title": str(_first(attributes.get("item_name")) or ""),
            "price": price,
            "is_parent": level == "parent",
        }


def _first(value: Any, key: str = "value") -> Any:
    if isinstance(value, list) and value and isinstance(value[0], Mapping):
        return value[0].get(key)
    return None


def _signature(state: ReportsState, document_id: str, expires: int) -> str:
    return hmac.new(state.secret.encode(), f"{document_id}:{expires}".encode(), hashlib.sha256).hexdigest()


def _document_view(module: Any, state: ReportsState, seller: str, document_id: str, req: Any) -> dict[str, Any]:
    document = state.documents.get(document_id)
    if document is None or document["seller"] != seller:
        raise ReportError(404, "NotFound", f"Report document {document_id} is not found.")
    expires = int(module.now()) + URL_TTL
    host = req.header("Host") or "127.0.0.1"
    url = (f"http://{host}/{module.code}/_report-documents/{document_id}?X-Amz-Expires={URL_TTL}"
           f"&X-Amz-Date={expires}&X-Amz-Signature={_signature(state, document_id, expires)}")  # fmt: skip
    view = {"reportDocumentId": document_id, "url": url}
    if document["compression"]:
        view["compressionAlgorithm"] = document["compression"]
    return view


def _download(module: Any, req: Any, document_id: str) -> Response:
    """The pre-signed URL: no token, an S3-style XML error when the signature is wrong or the URL expired."""
    state: ReportsState = module.reports
    document = state.documents.get(document_id)
    try:
        expires = int(req.arg("X-Amz-Date"))
    except ValueError:
        expires = 0
    if document is None or not hmac.compare_digest(req.arg("X-Amz-Signature"), _signature(state, document_id, expires)):
        return _s3_error(403, "AccessDenied", "Access Denied")
    if module.now() > expires:
        return _s3_error(403, "AccessDenied", "Request has expired")
    return Response(200, document["body"], {"Content-Type": "application/octet-stream"})


def _s3_error(status: int, code: str, message: str) -> Response:
    body = f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{message}</Message></Error>'
    return Response(status, body.encode(), {"Content-Type": "application/xml"})
