"""The Amazon Reports API through the connector against the sandbox over HTTP: create, poll, document, download
(GZIP or plain) and the parsers of the three report types (docs/marketplaces/amazon.md#reports)."""

import datetime as dt
from decimal import Decimal

import pytest

from syncing.connectors.amazon import reports
from syncing.connectors.base import Rejected, RetryableError

CODE = "amazon"


@pytest.fixture
def conn(connect):
    return connect(CODE, currency="USD", language="en", country="US")


@pytest.fixture
def listed(conn, make_payload):
    """Two listed SKUs in the sandbox shop; returns {sku: asin}."""
    for sku, title in (("MUG-1", "Nordic Ceramic Coffee Mug 350 ml"), ("MUG-2", "Nordic Travel Mug Black")):
        conn.push_listing(make_payload(sku=sku, title=title, currency="USD", category_id="DRINKING_CUP"))
    return {sku: conn.get_listing(sku).marketplace_ids["asin"] for sku in ("MUG-1", "MUG-2")}


def today(sandbox):
    return dt.datetime.fromtimestamp(sandbox.sandbox.clock.now(), dt.UTC).date()


def poll(conn, report_id, rounds=5):
    for _ in range(rounds):
        status = conn.get_report(report_id)
        if status.is_final:
            return status
    raise AssertionError(f"report {report_id} still {status.processing_status}")


def test_sales_and_traffic_round_trip(conn, sandbox, listed):
    day = today(sandbox)
    sandbox.set_reports(traffic=[{"sku": "MUG-1", "date": day.isoformat(), "sessions": 50, "page_views": 80,
                                  "buy_box_pct": 88.5}])  # fmt: skip
    report_id = conn.create_report(reports.SALES_AND_TRAFFIC, day, day, {"asinGranularity": "SKU"})
    first = conn.get_report(report_id)
    assert (first.processing_status, first.is_final, first.document_id) == ("IN_QUEUE", False, "")
    done = poll(conn, report_id)
    assert done.processing_status == "DONE"
    assert (done.data_start, done.data_end) == (day, day)

    parsed = conn.fetch_report(done.document_id, reports.SALES_AND_TRAFFIC)

    assert isinstance(parsed, reports.SalesAndTrafficReport)
    assert (parsed.start, parsed.end, parsed.asin_granularity) == (day, day, "SKU")
    mug = next(row for row in parsed.by_asin if row.sku == "MUG-1")
    assert mug.child_asin == listed["MUG-1"]
    assert (mug.sessions, mug.page_views, mug.buy_box_pct) == (50, 80, Decimal("88.5"))
    assert (mug.units_ordered, mug.ordered_product_sales, mug.currency) == (0, Decimal("0.00"), "USD")
    assert [d.date for d in parsed.by_date] == [day]


def test_plain_document_and_an_expired_url(conn, sandbox, listed):
    sandbox.set_reports(compression="", polls_to_done=0)
    day = today(sandbox)
    done = poll(conn, conn.create_report(reports.SALES_AND_TRAFFIC, day, day))
    document = conn.get_report_document(done.document_id)
    assert document.compression == ""
    assert "salesAndTrafficByAsin" in conn.download_report_document(document)
    sandbox.advance_clock(301)
    with pytest.raises(RetryableError) as caught:
        conn.download_report_document(document)
    assert caught.value.code == "url_expired"


def test_a_day_without_data_is_cancelled(conn, sandbox, listed):
    day = today(sandbox) - dt.timedelta(days=2)
    sandbox.set_reports(missing_days=[day.isoformat()])
    done = poll(conn, conn.create_report(reports.SALES_AND_TRAFFIC, day, day))
    assert (done.processing_status, done.document_id) == ("CANCELLED", "")


def test_search_terms_round_trip_keeps_the_rank_a_rank(conn, sandbox, listed):
    sandbox.set_reports(search_terms=[{"term": "coffee mug", "rank": 7}])
    day = today(sandbox) - dt.timedelta(days=1)
    done = poll(conn, conn.create_report(reports.SEARCH_TERMS, day, day, {"reportPeriod": "DAY"}))
    parsed = conn.fetch_report(done.document_id, reports.SEARCH_TERMS)
    assert isinstance(parsed, reports.SearchTermsReport)
    assert (parsed.report_period, parsed.start) == ("DAY", day)
    rows = [r for r in parsed.rows if r.search_term == "coffee mug"]
    assert {r.search_frequency_rank for r in rows} == {7}
    assert rows[0].click_share_rank == 1
    assert Decimal(0) < rows[0].click_share < Decimal(1)


def test_search_query_performance_round_trip(conn, sandbox, listed):
    start = today(sandbox) - dt.timedelta(days=(today(sandbox).weekday() + 1) % 7 + 7)
    options = {"reportPeriod": "WEEK", "asin": listed["MUG-1"]}
    done = poll(conn, conn.create_report(reports.SEARCH_QUERY_PERFORMANCE, start, start + dt.timedelta(days=6),
                                         options))  # fmt: skip
    parsed = conn.fetch_report(done.document_id, reports.SEARCH_QUERY_PERFORMANCE)
    assert parsed.report_period == "WEEK"
    first = parsed.rows[0]
    assert (first.asin, first.search_query_score) == (listed["MUG-1"], 1)
    assert first.search_query_volume > 0
    assert first.clicks.asin <= first.clicks.total
    assert Decimal(0) <= first.purchases.asin_share <= Decimal(1)


def test_a_bad_request_is_rejected(conn, listed):
    with pytest.raises(Rejected) as caught:
        conn.create_report(reports.SEARCH_TERMS, dt.date(2026, 5, 4), dt.date(2026, 5, 12), {"reportPeriod": "WEEK"})
    assert "one whole period" in caught.value.message


# --- the parsers, without the network ---


def test_parse_sales_and_traffic_leaves_absent_figures_none():
    parsed = reports.parse_sales_and_traffic(
        {
            "reportSpecification": {"dataStartTime": "2026-11-01", "dataEndTime": "2026-11-01",
                                    "reportOptions": {"asinGranularity": "CHILD"}},
            "salesAndTrafficByAsin": [{"parentAsin": "B0P", "childAsin": "B0C", "salesByAsin": {"unitsOrdered": 2},
                                       "trafficByAsin": {"sessions": "x"}}, "junk"],
            "salesAndTrafficByDate": [{"date": "not a date"}],
        }
    )  # fmt: skip
    [row] = parsed.by_asin
    assert (row.child_asin, row.sku, row.units_ordered) == ("B0C", "", 2)
    assert (row.sessions, row.ordered_product_sales, row.buy_box_pct) == (None, None, None)
    assert parsed.by_date == ()


def test_decode_document_refuses_a_broken_body():
    with pytest.raises(Exception, match="not valid GZIP"):
        reports.decode_document(b"\x1f\x8bnot gzip", "GZIP")
    with pytest.raises(Exception, match="not valid JSON"):
        reports.decode_document(b"{", "")
