"""Amazon Reports API 2021-06-30 in the sandbox, part two: `getReports` (the list, with `nextToken` paging) and
report schedules (`createReportSchedule`, `getReportSchedules`, `getReportSchedule`, `cancelReportSchedule`),
docs/sandbox.md#amazon-reports.

A schedule creates its reports on the sandbox clock: every Reports call first runs `tick`, which creates the
reports whose `nextReportCreationTime` has passed (stamped with that time, so they are already processed when
enough sandbox time went by) and moves the schedule on by its period. Reports created by a schedule carry its
`reportScheduleId`. This module never imports the connectors.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Mapping
from typing import Any

from .amazon_reports import (
    BUILDERS,
    MARKETPLACES_MAX,
    VALIDATORS,
    ReportError,
    ReportsState,
    _advance,
    _iso,
    _parse_time,
    _period_bounds,
    _view,
    new_report,
)

SCHEDULES = "/reports/2021-06-30/schedules"
SCHEDULE = re.compile(r"/reports/2021-06-30/schedules/(?P<id>[^/]+)")
STATUSES = ("CANCELLED", "DONE", "FATAL", "IN_PROGRESS", "IN_QUEUE")
REPORT_TYPES_MAX = 10  # getReports and getReportSchedules: reportTypes 1-10
LIST_MARKETPLACES_MAX = 10  # getReports: marketplaceIds 1-10
PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX = 10, 100  # getReports pageSize 1-100, default 10
RETENTION_DAYS = 90  # "Reports are retained for a maximum of 90 days"; also createdSince's default
CATCH_UP_MAX = 50  # [U] at most this many reports per schedule when the clock jumps; older runs are skipped
DAY_SECONDS = 86_400
# The periods createReportSchedule accepts (reports_2021-06-30.json), in seconds; P1M is a calendar month.
PERIODS = {
    "PT5M": 300, "PT15M": 900, "PT30M": 1800, "PT1H": 3600, "PT2H": 7200, "PT4H": 14_400, "PT8H": 28_800,
    "PT12H": 43_200, "P1D": DAY_SECONDS, "P2D": 2 * DAY_SECONDS, "P3D": 3 * DAY_SECONDS, "PT84H": 84 * 3600,
    "P7D": 7 * DAY_SECONDS, "P14D": 14 * DAY_SECONDS, "P15D": 15 * DAY_SECONDS, "P18D": 18 * DAY_SECONDS,
    "P30D": 30 * DAY_SECONDS, "P1M": 0,
}  # fmt: skip


def route(path: str, method: str) -> tuple[str, str] | None:
    """(operation, id) for the schedule paths; None for any other."""
    if path == SCHEDULES:
        return ("createReportSchedule" if method == "POST" else "getReportSchedules"), ""
    if match := SCHEDULE.fullmatch(path):
        return ("cancelReportSchedule" if method == "DELETE" else "getReportSchedule"), match["id"]
    return None


def handle(module: Any, state: ReportsState, seller: str, op: str, ident: str, req: Any) -> tuple[int, Any]:
    """(status, body) of one of this module's operations."""
    if op == "getReports":
        return 200, list_reports(module, state, seller, req)
    if op == "createReportSchedule":
        return 201, {"reportScheduleId": create_schedule(module, state, seller, req)}
    if op == "getReportSchedules":
        types = _list_arg(req, "reportTypes")
        if not types or len(types) > REPORT_TYPES_MAX:
            raise ReportError(400, "InvalidInput", f"'reportTypes' is required: 1 to {REPORT_TYPES_MAX} report types.")
        found = [s for s in state.schedules.values() if s["_seller"] == seller and s["reportType"] in types]
        return 200, {"reportSchedules": [_view(s) for s in sorted(found, key=lambda s: s["reportScheduleId"])]}
    schedule = state.schedules.get(ident)
    if schedule is None or schedule["_seller"] != seller:
        raise ReportError(404, "NotFound", f"Report schedule {ident} is not found.")
    if op == "cancelReportSchedule":
        del state.schedules[ident]
        return 200, {}
    return 200, _view(schedule)


# --- getReports ---


def _list_arg(req: Any, name: str) -> list[str]:
    """An array query parameter: comma-separated (the model's default format) or repeated."""
    values = [v for raw in req.query.get(name, []) for v in raw.split(",")]
    return [v.strip() for v in values if v.strip()]


def list_reports(module: Any, state: ReportsState, seller: str, req: Any) -> dict[str, Any]:
    """One page of the seller's reports, newest first [U], and a `nextToken` when more match."""
    token = req.arg("nextToken")
    if token:
        if set(req.query) - {"nextToken"}:
            raise ReportError(400, "InvalidInput", "'nextToken' must be the only parameter of a next-page request.")
        held = state.list_tokens.pop(token, None)
        if held is None or held[0] != seller:
            raise ReportError(400, "InvalidInput", "Invalid or expired 'nextToken'.")
        _, filters, offset = held
    else:
        filters, offset = _list_filters(module, req), 0
    candidates = [r for r in state.reports.values() if r["_seller"] == seller and _matches(r, filters)]
    for report in candidates:  # a status may have moved on with the clock since the report was last read
        _advance(module, state, report, count_poll=False)
    statuses = filters["statuses"]
    matched = [r for r in candidates if not statuses or r["processingStatus"] in statuses]
    matched.sort(key=lambda r: (-r["_created"], r["reportId"]))
    page = matched[offset : offset + filters["page_size"]]
    body: dict[str, Any] = {"reports": [_view(r) for r in page]}
    if offset + filters["page_size"] < len(matched):
        next_token = secrets.token_urlsafe(24)
        state.list_tokens[next_token] = (seller, filters, offset + filters["page_size"])
        body["nextToken"] = next_token
    return body


def _list_filters(module: Any, req: Any) -> dict[str, Any]:
    types = _list_arg(req, "reportTypes")
    if not types:
        raise ReportError(400, "InvalidInput", "Either 'reportTypes' or 'nextToken' is required.")
    if len(types) > REPORT_TYPES_MAX:
        raise ReportError(400, "InvalidInput", f"'reportTypes' takes 1 to {REPORT_TYPES_MAX} report types.")
    statuses = _list_arg(req, "processingStatuses")
    if "processingStatuses" in req.query and not statuses:
        raise ReportError(400, "InvalidInput", "'processingStatuses' must list at least one status.")
    if bad := [s for s in statuses if s not in STATUSES]:
        raise ReportError(400, "InvalidInput", f"Invalid input in processing status: {', '.join(bad)}.")
    markets = _list_arg(req, "marketplaceIds")
    if "marketplaceIds" in req.query and not 1 <= len(markets) <= LIST_MARKETPLACES_MAX:
        raise ReportError(400, "InvalidInput", f"'marketplaceIds' takes 1 to {LIST_MARKETPLACES_MAX} marketplaces.")
    size_text = req.arg("pageSize", str(PAGE_SIZE_DEFAULT))
    if not size_text.isdigit() or not 1 <= int(size_text) <= PAGE_SIZE_MAX:
        raise ReportError(400, "InvalidInput", f"'pageSize' must be a whole number from 1 to {PAGE_SIZE_MAX}.")
    now = module.now()
    since = _time_arg(req, "createdSince", now - RETENTION_DAYS * DAY_SECONDS)
    until = _time_arg(req, "createdUntil", now)
    if since > until:
        raise ReportError(400, "InvalidInput", "'createdSince' must not be after 'createdUntil'.")
    since = max(since, now - RETENTION_DAYS * DAY_SECONDS)  # older reports are no longer kept
    return {"types": types, "statuses": statuses, "markets": markets, "page_size": int(size_text),
            "since": since, "until": until}  # fmt: skip


def _time_arg(req: Any, name: str, default: float) -> float:
    text = req.arg(name)
    return _parse_time(text, name).timestamp() if text else default


def _matches(report: Mapping[str, Any], filters: Mapping[str, Any]) -> bool:
    if report["reportType"] not in filters["types"]:
        return False
    if filters["markets"] and not set(filters["markets"]) & set(report["marketplaceIds"]):
        return False
    return filters["since"] <= report["_created"] <= filters["until"]


# --- schedules ---


def create_schedule(module: Any, state: ReportsState, seller: str, req: Any) -> str:
    """createReportSchedule; a schedule of the same type and marketplaces is cancelled and replaced."""
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
    period = body.get("period")
    if period not in PERIODS:
        raise ReportError(400, "InvalidInput", f"Invalid period: {period}. Use one of {', '.join(PERIODS)}.")
    options = body.get("reportOptions") or {}
    if not isinstance(options, dict) or any(not isinstance(v, str) for v in options.values()):
        raise ReportError(400, "InvalidInput", "'reportOptions' must be a map of strings to strings.")
    now = module.now()
    first = (
        _parse_time(body["nextReportCreationTime"], "nextReportCreationTime").timestamp()
        if body.get("nextReportCreationTime")
        else now
    )  # [U] without a time, the first report is created at once
    start, end = data_range(period, options, first)
    if report_type in VALIDATORS:
        VALIDATORS[report_type](start, end, options)
    for old_id, old in list(state.schedules.items()):
        if old["_seller"] == seller and old["reportType"] == report_type and old["marketplaceIds"] == ids:
            del state.schedules[old_id]
    state.number += 1
    schedule_id = str(70_000_000_000 + state.number)
    state.schedules[schedule_id] = {
        "reportScheduleId": schedule_id, "reportType": report_type, "marketplaceIds": ids,
        "reportOptions": dict(options), "period": period, "nextReportCreationTime": _iso(first),
        "_seller": seller, "_next": first,
    }  # fmt: skip
    return schedule_id


def data_range(period: str, options: Mapping[str, str], created: float) -> tuple[dt.date, dt.date]:
    """The days a scheduled report created at `created` covers [U]: with `reportPeriod`, the last whole period
    that ended before the creation day; otherwise the schedule's period in whole days up to the day before."""
    day = dt.datetime.fromtimestamp(created, dt.UTC).date()
    if options.get("reportPeriod"):
        first, last = _period_bounds(options["reportPeriod"], day - dt.timedelta(days=1))
        if last >= day:  # the period holding yesterday is not over: the one before it
            first, last = _period_bounds(options["reportPeriod"], first - dt.timedelta(days=1))
        return first, last
    days = max(1, (PERIODS.get(period) or 30 * DAY_SECONDS) // DAY_SECONDS)
    end = day - dt.timedelta(days=1)
    return end - dt.timedelta(days=days - 1), end


def _after(period: str, moment: float) -> float:
    if period != "P1M":
        return moment + PERIODS[period]
    when = dt.datetime.fromtimestamp(moment, dt.UTC)
    year, month = divmod(when.month, 12)
    try:
        return when.replace(year=when.year + year, month=month + 1).timestamp()
    except ValueError:  # the 31st in a shorter month: its last day
        following = when.replace(year=when.year + year, month=month + 1, day=1)
        return (following + dt.timedelta(days=32)).replace(day=1).timestamp() - DAY_SECONDS


def tick(module: Any, state: ReportsState) -> None:
    """Create the reports every schedule owes by now, each stamped with its own creation time."""
    now = module.now()
    for schedule in state.schedules.values():
        due: list[float] = []
        while schedule["_next"] <= now:
            due.append(schedule["_next"])
            schedule["_next"] = _after(schedule["period"], schedule["_next"])
        schedule["nextReportCreationTime"] = _iso(schedule["_next"])
        for moment in due[-CATCH_UP_MAX:]:
            start, end = data_range(schedule["period"], schedule["reportOptions"], moment)
            new_report(state, schedule["_seller"], schedule["reportType"], schedule["marketplaceIds"], start, end,
                       schedule["reportOptions"], moment, schedule_id=schedule["reportScheduleId"])  # fmt: skip
