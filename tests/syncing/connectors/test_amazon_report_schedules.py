"""getReports and report schedules through the Amazon connector against the sandbox over HTTP
(docs/marketplaces/amazon.md#reports): paging with nextToken alone, the documented limits, a schedule's reports
picked up from the list, replacement and cancellation."""

import datetime as dt

import pytest

from syncing.connectors.amazon import reports
from syncing.connectors.base import NotFound, RateLimited, Rejected

CODE = "amazon"


@pytest.fixture
def conn(connect):
    return connect(CODE, currency="USD", language="en", country="US")


def sandbox_now(sandbox):
    return dt.datetime.fromtimestamp(sandbox.sandbox.clock.now(), dt.UTC)


def test_list_reports_follows_next_token_and_sends_it_alone(conn, sandbox):
    day = sandbox_now(sandbox).date()
    created = [conn.create_report(reports.SALES_AND_TRAFFIC, day, day) for _ in range(3)]

    first = conn.get_reports([reports.SALES_AND_TRAFFIC], page_size=2)
    everything = conn.list_reports([reports.SALES_AND_TRAFFIC])
    paged = [conn.get_reports(next_token=first.next_token)]

    assert [r.report_id for r in first.reports] == created[::-1][:2]
    assert first.next_token
    assert [r.report_id for r in paged[0].reports] == created[:1]
    assert paged[0].next_token == ""
    assert [r.report_id for r in everything] == created[::-1]
    assert {(r.processing_status, r.schedule_id) for r in everything} == {("IN_QUEUE", "")}
    assert all(r.created is not None and r.created.tzinfo is not None for r in everything)
    queries = [e["query"] for e in sandbox.log(CODE) if e.get("op") == "getReports"]
    next_pages = [q for q in queries if "nextToken" in q]
    assert [set(q) for q in next_pages] == [{"nextToken"}]
    assert queries[0]["pageSize"] == "2"


def test_list_query_keeps_to_the_documented_limits(conn):
    with pytest.raises(Rejected, match="1 to 10 report types"):
        conn.get_reports([f"T{i}" for i in range(11)])
    with pytest.raises(Rejected, match="pageSize is 1 to 100"):
        conn.get_reports([reports.SALES_AND_TRAFFIC], page_size=101)
    with pytest.raises(Rejected, match="Invalid input in processing status"):
        conn.get_reports([reports.SALES_AND_TRAFFIC], statuses=["FINISHED"])  # the sandbox refuses it


def test_a_schedule_round_trip_and_its_reports_in_the_list(conn, sandbox):
    first_run = sandbox_now(sandbox) + dt.timedelta(minutes=5)
    schedule_id = conn.create_report_schedule(
        reports.SALES_AND_TRAFFIC, "P1D", {"dateGranularity": "DAY", "asinGranularity": "SKU"}, first_run
    )
    [schedule] = conn.get_report_schedules([reports.SALES_AND_TRAFFIC])
    assert (schedule.schedule_id, schedule.period) == (schedule_id, "P1D")
    assert dict(schedule.options) == {"asinGranularity": "SKU", "dateGranularity": "DAY"}
    assert schedule.next_creation == first_run.replace(microsecond=0)

    sandbox.advance_clock(86_400 + 600)  # two runs, both processed on the clock

    found = conn.list_reports([reports.SALES_AND_TRAFFIC], statuses=["DONE"])
    assert [(r.schedule_id, r.data_start) for r in found] == [
        (schedule_id, first_run.date()),
        (schedule_id, first_run.date() - dt.timedelta(days=1)),
    ]
    assert conn.fetch_report(found[0].document_id, reports.SALES_AND_TRAFFIC).asin_granularity == "SKU"

    replacement = conn.create_report_schedule(reports.SALES_AND_TRAFFIC, "P7D", next_creation=first_run)
    assert [s.schedule_id for s in conn.get_report_schedules([reports.SALES_AND_TRAFFIC])] == [replacement]
    conn.cancel_report_schedule(replacement)
    assert conn.get_report_schedules([reports.SALES_AND_TRAFFIC]) == []
    with pytest.raises(NotFound):
        conn.cancel_report_schedule(replacement)


def test_schedule_bad_input_is_rejected(conn, sandbox):
    with pytest.raises(Rejected, match="not 'P6D'"):
        conn.create_report_schedule(reports.SALES_AND_TRAFFIC, "P6D")
    with pytest.raises(Rejected, match="reportPeriod must be one of"):
        conn.create_report_schedule(reports.SEARCH_TERMS, "P7D", {"reportPeriod": "YEAR"})
    assert [e for e in sandbox.log(CODE) if e.get("op") == "createReportSchedule"][-1]["status"] == 400


def test_get_reports_throttled_is_rate_limited(conn, sandbox):
    seller = sandbox.account(CODE)["shop_id"]
    sandbox.set_rate(CODE, rate=0.0001, burst=1, shop_id=f"{seller}:getReports")
    conn.get_reports([reports.SALES_AND_TRAFFIC])
    with pytest.raises(RateLimited):
        conn.get_reports([reports.SALES_AND_TRAFFIC])


def test_parsers_read_a_schedule_list_and_a_page_without_the_network():
    page = reports.report_page({"reports": [{"reportId": "1", "reportType": "X", "processingStatus": "DONE",
                                             "reportScheduleId": "S1", "createdTime": "2026-11-02T00:30:00Z"}, "junk"],
                                "nextToken": "abc"})  # fmt: skip
    assert page.reports[0].schedule_id == "S1"
    assert page.reports[0].created == dt.datetime(2026, 11, 2, 0, 30, tzinfo=dt.UTC)
    assert page.next_token == "abc"
    row = {"reportScheduleId": "S1", "reportType": "X", "period": "P1D", "nextReportCreationTime": "bad"}
    [schedule] = reports.report_schedules({"reportSchedules": [row]})
    assert (schedule.schedule_id, schedule.options, schedule.next_creation) == ("S1", (), None)
