"""The sandbox's Amazon Reports API 2021-06-30 over raw HTTP (independent of the connector): the report lifecycle,
the pre-signed document, each report type's document shape, missing days, throttling and bad input."""

import datetime as dt
import gzip
import json

import pytest
import requests

from tests.syncing.sandbox.test_amazon import MARKET, body, item_url, lwa

REPORTS = "/reports/2021-06-30/reports"


@pytest.fixture
def api(sandbox):
    """(method, path, json=None) -> response, with the demo seller's access token."""
    headers = {"x-amz-access-token": lwa(sandbox).json()["access_token"]}

    def call(method, path, payload=None):
        return requests.request(method, sandbox.url("amazon") + path, json=payload, headers=headers, timeout=5)

    return call


def place_order(sandbox, sku, quantity):
    order = {"marketplace": "amazon", "lines": [{"sku": sku, "quantity": quantity}], "paid": True}
    answer = requests.post(f"{sandbox.base_url}/_control/orders", json=order, timeout=5)
    assert answer.status_code == 200, answer.text


def put_item(sandbox, sku, title="Nordic Ceramic Coffee Mug"):
    headers = {"x-amz-access-token": lwa(sandbox).json()["access_token"]}
    item = body(item_name=[{"value": title, "language_tag": "en_US", "marketplace_id": MARKET}])
    answer = requests.put(item_url(sandbox, sku), params={"marketplaceIds": MARKET}, json=item, headers=headers,
                          timeout=5)  # fmt: skip
    assert answer.status_code == 200, answer.text


def today(sandbox):
    return dt.datetime.fromtimestamp(sandbox.sandbox.clock.now(), dt.UTC).date()


def request_body(report_type="GET_SALES_AND_TRAFFIC_REPORT", start=None, end=None, **options):
    data = {"reportType": report_type, "marketplaceIds": [MARKET]}
    if start:
        data["dataStartTime"] = f"{start.isoformat()}T00:00:00Z"
    if end:
        data["dataEndTime"] = f"{end.isoformat()}T23:59:59Z"
    if options:
        data["reportOptions"] = options
    return data


def run_report(api, payload):
    created = api("POST", REPORTS, payload)
    assert created.status_code == 202, created.text
    report_id = created.json()["reportId"]
    statuses = []
    for _ in range(5):
        report = api("GET", f"{REPORTS}/{report_id}").json()
        statuses.append(report["processingStatus"])
        if report["processingStatus"] in ("DONE", "CANCELLED", "FATAL"):
            break
    return report, statuses


def download(api, report):
    document = api("GET", f"/reports/2021-06-30/documents/{report['reportDocumentId']}").json()
    raw = requests.get(document["url"], timeout=5)
    assert raw.status_code == 200
    content = gzip.decompress(raw.content) if document.get("compressionAlgorithm") == "GZIP" else raw.content
    return document, json.loads(content)


def test_report_lifecycle_in_queue_in_progress_done_and_gzip_document(sandbox, api):
    put_item(sandbox, "MUG-1")
    day = today(sandbox) - dt.timedelta(days=1)
    created = api("POST", REPORTS, request_body(start=day, end=day, asinGranularity="SKU"))
    assert created.status_code == 202
    assert set(created.json()) == {"reportId"}  # not wrapped in "payload"
    report, statuses = run_report(api, request_body(start=day, end=day, asinGranularity="SKU"))
    assert statuses == ["IN_QUEUE", "IN_PROGRESS", "DONE"]
    assert report["reportType"] == "GET_SALES_AND_TRAFFIC_REPORT"
    assert report["dataStartTime"].startswith(day.isoformat())
    assert {"createdTime", "processingStartTime", "processingEndTime", "reportDocumentId"} <= set(report)
    document, data = download(api, report)
    assert document["compressionAlgorithm"] == "GZIP"
    assert data["reportSpecification"]["reportOptions"]["asinGranularity"] == "SKU"
    assert [row["sku"] for row in data["salesAndTrafficByAsin"]] == ["MUG-1"]


def test_report_gets_done_on_the_sandbox_clock_without_polls(sandbox, api):
    put_item(sandbox, "MUG-1")
    report_id = api("POST", REPORTS, request_body()).json()["reportId"]
    sandbox.advance_clock(61)
    assert api("GET", f"{REPORTS}/{report_id}").json()["processingStatus"] == "DONE"


def test_sales_and_traffic_shape_counts_the_days_orders(sandbox, api):
    put_item(sandbox, "MUG-1")
    put_item(sandbox, "MUG-2", "Nordic Travel Mug Black")
    place_order(sandbox, "MUG-1", 3)
    day = today(sandbox)
    sandbox.set_reports(traffic=[{"sku": "MUG-1", "date": day.isoformat(), "sessions": 60, "page_views": 90,
                                  "buy_box_pct": 95}])  # fmt: skip
    report, _ = run_report(api, request_body(start=day, end=day, dateGranularity="DAY", asinGranularity="CHILD"))
    _, data = download(api, report)
    assert set(data) == {"reportSpecification", "salesAndTrafficByDate", "salesAndTrafficByAsin"}
    rows = {row["childAsin"]: row for row in data["salesAndTrafficByAsin"]}
    mug = next(row for row in rows.values() if row["salesByAsin"]["unitsOrdered"] == 3)
    assert "sku" not in mug  # CHILD granularity: no SKU
    assert mug["parentAsin"] == mug["childAsin"]
    assert mug["salesByAsin"]["orderedProductSales"] == {"amount": 28.5, "currencyCode": "USD"}
    assert mug["trafficByAsin"]["sessions"] == 60
    assert mug["trafficByAsin"]["pageViews"] == 90
    assert mug["trafficByAsin"]["buyBoxPercentage"] == 95.0
    assert mug["trafficByAsin"]["unitSessionPercentage"] == 5.0  # 3 units / 60 sessions, in percent
    [by_date] = data["salesAndTrafficByDate"]
    assert by_date["date"] == day.isoformat()
    assert by_date["salesByDate"]["unitsOrdered"] == 3
    assert by_date["trafficByDate"]["sessions"] == sum(r["trafficByAsin"]["sessions"] for r in rows.values())


def test_traffic_is_deterministic(sandbox, api):
    put_item(sandbox, "MUG-1")
    day = today(sandbox) - dt.timedelta(days=3)
    payload = request_body(start=day, end=day, asinGranularity="SKU")
    first = download(api, run_report(api, payload)[0])[1]["salesAndTrafficByAsin"]
    second = download(api, run_report(api, payload)[0])[1]["salesAndTrafficByAsin"]
    assert first == second
    assert first[0]["trafficByAsin"]["sessions"] >= 20


def test_missing_days_are_left_out_and_a_report_without_data_is_cancelled(sandbox, api):
    put_item(sandbox, "MUG-1")
    last = today(sandbox) - dt.timedelta(days=1)
    first = last - dt.timedelta(days=2)
    sandbox.set_reports(missing_days=[(first + dt.timedelta(days=1)).isoformat()])
    report, _ = run_report(api, request_body(start=first, end=last))
    _, data = download(api, report)
    assert [d["date"] for d in data["salesAndTrafficByDate"]] == [first.isoformat(), last.isoformat()]

    gap = first + dt.timedelta(days=1)
    cancelled, statuses = run_report(api, request_body(start=gap, end=gap))
    assert statuses[-1] == "CANCELLED"
    assert "reportDocumentId" not in cancelled


def test_plain_document_and_expired_url(sandbox, api):
    put_item(sandbox, "MUG-1")
    sandbox.set_reports(compression="", polls_to_done=0)
    report, statuses = run_report(api, request_body())
    assert statuses == ["DONE"]
    document = api("GET", f"/reports/2021-06-30/documents/{report['reportDocumentId']}").json()
    assert "compressionAlgorithm" not in document
    assert json.loads(requests.get(document["url"], timeout=5).content)["salesAndTrafficByAsin"]
    sandbox.advance_clock(301)  # the URL lives 5 minutes
    expired = requests.get(document["url"], timeout=5)
    assert expired.status_code == 403
    assert b"Request has expired" in expired.content
    tampered = requests.get(document["url"].replace("X-Amz-Signature=", "X-Amz-Signature=0"), timeout=5)
    assert tampered.status_code == 403


def test_search_terms_document_shape(sandbox, api):
    put_item(sandbox, "MUG-1")
    sandbox.set_reports(search_terms=[{"term": "coffee mug", "rank": 42}])
    day = today(sandbox) - dt.timedelta(days=1)
    report, _ = run_report(api, request_body("GET_BRAND_ANALYTICS_SEARCH_TERMS_REPORT", day, day, reportPeriod="DAY"))
    _, data = download(api, report)
    assert set(data) == {"reportSpecification", "dataByDepartmentAndSearchTerm"}
    rows = data["dataByDepartmentAndSearchTerm"]
    assert set(rows[0]) == {"departmentName", "searchTerm", "searchFrequencyRank", "clickedAsin", "clickShareRank",
                            "clickShare", "conversionShare"}  # fmt: skip
    mug = [r for r in rows if r["searchTerm"] == "coffee mug"]
    assert mug
    assert {r["searchFrequencyRank"] for r in mug} == {42}
    assert [r["clickShareRank"] for r in mug] == list(range(1, len(mug) + 1))
    assert all(0 < r["clickShare"] < 1 for r in rows)


def test_search_query_performance_document_shape(sandbox, api):
    put_item(sandbox, "MUG-1")
    asin = sandbox.items("amazon")[0]["summaries"][0]["asin"]
    start = today(sandbox) - dt.timedelta(days=(today(sandbox).weekday() + 1) % 7 + 7)  # last week's Sunday
    payload = request_body("GET_BRAND_ANALYTICS_SEARCH_QUERY_PERFORMANCE_REPORT", start, start + dt.timedelta(days=6),
                           reportPeriod="WEEK", asin=asin)  # fmt: skip
    report, _ = run_report(api, payload)
    _, data = download(api, report)
    row = data["dataByAsin"][0]
    assert row["asin"] == asin
    assert (row["startDate"], row["endDate"]) == (start.isoformat(), (start + dt.timedelta(days=6)).isoformat())
    assert set(row["searchQueryData"]) == {"searchQuery", "searchQueryScore", "searchQueryVolume"}
    assert row["searchQueryData"]["searchQueryScore"] == 1
    assert set(row) >= {"impressionData", "clickData", "cartAddData", "purchaseData"}
    assert row["clickData"]["asinClickCount"] <= row["clickData"]["totalClickCount"]
    assert row["purchaseData"]["asinMedianPurchasePrice"]["currencyCode"] == "USD"


@pytest.mark.parametrize(
    ("payload_case", "message"),
    [
        ({"reportType": "GET_NOTHING", "marketplaceIds": [MARKET]}, "Invalid reportType"),
        ({"reportType": "GET_SALES_AND_TRAFFIC_REPORT"}, "marketplaceIds"),
        ({"reportType": "GET_SALES_AND_TRAFFIC_REPORT", "marketplaceIds": ["A1F83G8C2ARO7P"]}, "Invalid marketplace"),
        ({**request_body(), "reportOptions": {"asinGranularity": 3}}, "map of strings"),
        ({**request_body(), "dataStartTime": "yesterday"}, "dataStartTime"),
        ({**request_body(), "dataStartTime": "2026-05-02T00:00:00Z", "dataEndTime": "2026-05-01T00:00:00Z"}, "before"),
        (
            request_body(
                "GET_BRAND_ANALYTICS_SEARCH_TERMS_REPORT",
                dt.date(2026, 5, 4),
                dt.date(2026, 5, 12),
                reportPeriod="WEEK",
            ),
            "one whole period",
        ),  # fmt: skip
        (
            request_body(
                "GET_BRAND_ANALYTICS_SEARCH_QUERY_PERFORMANCE_REPORT",
                dt.date(2026, 5, 3),
                dt.date(2026, 5, 9),
                reportPeriod="WEEK",
            ),
            "reportOptions.asin",
        ),  # fmt: skip
    ],
)
def test_bad_create_requests_are_400_invalid_input(api, payload_case, message):
    answer = api("POST", REPORTS, payload_case)
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["code"] == "InvalidInput"
    assert message in answer.json()["errors"][0]["message"]


def test_unknown_report_is_404_and_create_is_throttled_as_documented(sandbox, api):
    assert api("GET", f"{REPORTS}/123").status_code == 404
    answers = [api("POST", REPORTS, request_body()) for _ in range(16)]
    assert [a.status_code for a in answers] == [202] * 15 + [429]  # createReport: burst 15
    assert answers[-1].json()["errors"][0]["code"] == "QuotaExceeded"
    assert answers[0].headers["x-amzn-RateLimit-Limit"] == "0.0167"


def test_control_rejects_bad_input(sandbox):
    bad = {"marketplace": "amazon", "missing_days": ["soon"]}
    answer = requests.post(f"{sandbox.base_url}/_control/reports", json=bad, timeout=5)
    assert answer.status_code == 400
    assert "missing_days" in answer.json()["error"]
    other = requests.post(f"{sandbox.base_url}/_control/reports", json={"marketplace": "etsy"}, timeout=5)
    assert other.status_code == 400
