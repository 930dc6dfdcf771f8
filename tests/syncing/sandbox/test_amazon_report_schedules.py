"""The sandbox's getReports and report schedules over raw HTTP (independent of the connector): the list's filters,
`nextToken` paging and its documented limits, schedules creating reports on the sandbox clock, replacement,
cancellation and bad input (docs/sandbox.md#amazon-reports)."""

import datetime as dt

import pytest
import requests

from tests.syncing.sandbox.test_amazon import MARKET, lwa
from tests.syncing.sandbox.test_amazon_reports import REPORTS, put_item, request_body, today

SCHEDULES = "/reports/2021-06-30/schedules"
SALES = "GET_SALES_AND_TRAFFIC_REPORT"
TERMS = "GET_BRAND_ANALYTICS_SEARCH_TERMS_REPORT"


@pytest.fixture
def api(sandbox):
    """(method, path, json=None, params=None) -> response, with a fresh access token of the demo seller (tests
    move the clock by days; a token lasts an hour)."""

    def call(method, path, payload=None, params=None):
        headers = {"x-amz-access-token": lwa(sandbox).json()["access_token"]}
        return requests.request(method, sandbox.url("amazon") + path, json=payload, params=params, headers=headers,
                                timeout=5)  # fmt: skip

    return call


def create(api, count, **body):
    ids = []
    for _ in range(count):
        answer = api("POST", REPORTS, request_body(**body))
        assert answer.status_code == 202, answer.text
        ids.append(answer.json()["reportId"])
    return ids


def error_of(answer):
    return answer.status_code, answer.json()["errors"][0]["code"], answer.json()["errors"][0]["message"]


def midnight_after(sandbox, days=1):
    return dt.datetime.combine(today(sandbox) + dt.timedelta(days=days), dt.time(0, 30), dt.UTC)


# --- getReports ---


def test_get_reports_pages_with_next_token_as_the_only_parameter(sandbox, api):
    ids = create(api, 5)

    first = api("GET", REPORTS, params={"reportTypes": SALES, "pageSize": "2"})

    assert first.status_code == 200
    assert first.headers["x-amzn-RateLimit-Limit"] == "0.0222"
    assert [r["reportId"] for r in first.json()["reports"]] == ids[::-1][:2]  # newest first
    token = first.json()["nextToken"]
    second = api("GET", REPORTS, params={"nextToken": token})
    third = api("GET", REPORTS, params={"nextToken": second.json()["nextToken"]})
    assert [r["reportId"] for r in second.json()["reports"]] == ids[::-1][2:4]
    assert [r["reportId"] for r in third.json()["reports"]] == ids[:1]
    assert "nextToken" not in third.json()
    with_filters = api("GET", REPORTS, params={"nextToken": second.json()["nextToken"], "reportTypes": SALES})
    assert error_of(with_filters)[:2] == (400, "InvalidInput")
    assert error_of(api("GET", REPORTS, params={"nextToken": token}))[2] == "Invalid or expired 'nextToken'."


def test_get_reports_filters_by_status_type_and_creation_time(sandbox, api):
    [old] = create(api, 1)
    sandbox.advance_clock(3600)  # the first report is DONE on the clock by now
    [new] = create(api, 1)
    since = dt.datetime.fromtimestamp(sandbox.sandbox.clock.now() - 60, dt.UTC).isoformat()

    done = api("GET", REPORTS, params={"reportTypes": SALES, "processingStatuses": "DONE"}).json()["reports"]
    recent = api("GET", REPORTS, params={"reportTypes": f"{SALES},{TERMS}", "createdSince": since}).json()
    other = api("GET", REPORTS, params={"reportTypes": TERMS}).json()

    assert [(r["reportId"], r["processingStatus"]) for r in done] == [(old, "DONE")]
    assert [r["reportId"] for r in recent["reports"]] == [new]
    assert other == {"reports": []}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        pytest.param({}, "Either 'reportTypes' or 'nextToken' is required.", id="nothing_case"),
        pytest.param({"reportTypes": ",".join(f"T{i}" for i in range(11))}, "'reportTypes' takes 1 to 10",
                     id="eleven_types_case"),
        pytest.param({"reportTypes": SALES, "processingStatuses": "BAD_VALUE"}, "Invalid input in processing status",
                     id="bad_status_case"),
        pytest.param({"reportTypes": SALES, "pageSize": "101"}, "'pageSize' must be a whole number from 1 to 100",
                     id="page_too_big_case"),
        pytest.param({"reportTypes": SALES, "pageSize": "0"}, "'pageSize'", id="page_zero_case"),
        pytest.param({"reportTypes": SALES, "createdSince": "yesterday"}, "'createdSince' is not a valid",
                     id="bad_time_case"),
        pytest.param({"reportTypes": SALES, "createdSince": "2026-12-02T00:00:00Z",
                      "createdUntil": "2026-12-01T00:00:00Z"}, "'createdSince' must not be after", id="reversed_case"),
        pytest.param({"reportTypes": SALES, "marketplaceIds": ",".join(["ATVPDKIKX0DER"] * 11)}, "'marketplaceIds'",
                     id="eleven_marketplaces_case"),
    ],
)  # fmt: skip
def test_get_reports_refuses_bad_input(api, params, message):
    status, code, text = error_of(api("GET", REPORTS, params=params))
    assert (status, code) == (400, "InvalidInput")
    assert message in text


def test_get_reports_has_its_own_bucket(sandbox, api):
    seller = sandbox.account("amazon")["shop_id"]
    sandbox.set_rate("amazon", rate=0.0001, burst=1, shop_id=f"{seller}:getReports")
    assert api("GET", REPORTS, params={"reportTypes": SALES}).status_code == 200
    throttled = api("GET", REPORTS, params={"reportTypes": SALES})
    assert error_of(throttled)[:2] == (429, "QuotaExceeded")
    assert api("POST", REPORTS, request_body()).status_code == 202  # createReport is another bucket


# --- schedules ---


def test_a_daily_schedule_creates_yesterdays_report_on_the_sandbox_clock(sandbox, api):
    put_item(sandbox, "MUG-1")
    first_run = midnight_after(sandbox)
    created = api("POST", SCHEDULES, {"reportType": SALES, "marketplaceIds": [MARKET], "period": "P1D",
                                      "reportOptions": {"dateGranularity": "DAY", "asinGranularity": "SKU"},
                                      "nextReportCreationTime": first_run.isoformat()})  # fmt: skip
    assert created.status_code == 201, created.text
    schedule_id = created.json()["reportScheduleId"]
    assert api("GET", REPORTS, params={"reportTypes": SALES}).json() == {"reports": []}  # not yet due

    sandbox.advance_clock(first_run.timestamp() - sandbox.sandbox.clock.now() + 2 * 86_400 + 120)

    reports = api("GET", REPORTS, params={"reportTypes": SALES}).json()["reports"]
    assert [(r["dataStartTime"][:10], r["dataEndTime"][:10]) for r in reports] == [
        ((first_run + dt.timedelta(days=d - 1)).date().isoformat(),) * 2 for d in (2, 1, 0)
    ]
    assert {r["reportScheduleId"] for r in reports} == {schedule_id}
    assert {r["processingStatus"] for r in reports} == {"DONE"}  # processed on the clock, nobody polled
    assert reports[-1]["createdTime"].startswith(first_run.strftime("%Y-%m-%dT%H:%M"))
    schedule = api("GET", f"{SCHEDULES}/{schedule_id}").json()
    assert schedule["nextReportCreationTime"].startswith((first_run + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H"))
    assert (schedule["period"], schedule["reportOptions"]["asinGranularity"]) == ("P1D", "SKU")


def test_a_weekly_search_terms_schedule_covers_the_last_whole_week(sandbox, api):
    put_item(sandbox, "MUG-1")
    answer = api("POST", SCHEDULES, {"reportType": TERMS, "marketplaceIds": [MARKET], "period": "P7D",
                                     "reportOptions": {"reportPeriod": "WEEK"}})  # fmt: skip
    assert answer.status_code == 201, answer.text
    [report] = api("GET", REPORTS, params={"reportTypes": TERMS}).json()["reports"]
    start, end = dt.date.fromisoformat(report["dataStartTime"][:10]), dt.date.fromisoformat(report["dataEndTime"][:10])
    assert (start.weekday(), (end - start).days) == (6, 6)  # Sunday .. Saturday
    assert end < today(sandbox) <= end + dt.timedelta(days=7)


def test_a_new_schedule_of_the_same_type_replaces_the_old_and_cancel_removes_it(sandbox, api):
    body = {"reportType": SALES, "marketplaceIds": [MARKET], "period": "P1D",
            "nextReportCreationTime": midnight_after(sandbox).isoformat()}  # fmt: skip
    first = api("POST", SCHEDULES, body).json()["reportScheduleId"]
    second = api("POST", SCHEDULES, {**body, "period": "P7D"}).json()["reportScheduleId"]

    listed = api("GET", SCHEDULES, params={"reportTypes": SALES}).json()["reportSchedules"]

    assert [(s["reportScheduleId"], s["period"]) for s in listed] == [(second, "P7D")]
    assert error_of(api("GET", f"{SCHEDULES}/{first}"))[:2] == (404, "NotFound")
    assert api("DELETE", f"{SCHEDULES}/{second}").status_code == 200
    assert api("GET", SCHEDULES, params={"reportTypes": SALES}).json() == {"reportSchedules": []}
    assert error_of(api("DELETE", f"{SCHEDULES}/{second}"))[:2] == (404, "NotFound")
    sandbox.advance_clock(3 * 86_400)
    assert api("GET", REPORTS, params={"reportTypes": SALES}).json() == {"reports": []}  # cancelled: no reports


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param({"reportType": "GET_NOTHING", "period": "P1D"}, "Invalid reportType", id="type_case"),
        pytest.param({"reportType": SALES, "period": "P6D"}, "Invalid period: P6D", id="period_case"),
        pytest.param({"reportType": SALES}, "Invalid period: None", id="no_period_case"),
        pytest.param({"reportType": SALES, "period": "P1D", "marketplaceIds": ["A1PA6795UKMFR9"]},
                     "Invalid marketplaceIds", id="foreign_marketplace_case"),
        pytest.param({"reportType": SALES, "period": "P1D", "reportOptions": {"dateGranularity": 1}},
                     "map of strings", id="options_case"),
        pytest.param({"reportType": TERMS, "period": "P7D", "reportOptions": {"reportPeriod": "YEAR"}},
                     "reportPeriod must be one of", id="brand_analytics_period_case"),
        pytest.param({"reportType": SALES, "period": "P1D", "nextReportCreationTime": "soon"},
                     "'nextReportCreationTime' is not a valid", id="time_case"),
    ],
)  # fmt: skip
def test_create_schedule_refuses_bad_input(api, body, message):
    answer = api("POST", SCHEDULES, {"marketplaceIds": [MARKET], **body})
    status, code, text = error_of(answer)
    assert (status, code) == (400, "InvalidInput")
    assert message in text
    assert api("GET", SCHEDULES, params={"reportTypes": f"{SALES},{TERMS}"}).json() == {"reportSchedules": []}


def test_get_schedules_needs_report_types(api):
    assert error_of(api("GET", SCHEDULES))[:2] == (400, "InvalidInput")
    assert error_of(api("DELETE", SCHEDULES))[0] == 405
