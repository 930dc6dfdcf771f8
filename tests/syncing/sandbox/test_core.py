"""The sandbox core over HTTP: control endpoints, faults, throttling buckets, clock, log, reset."""

import socket
import time

import pytest
import requests

from syncing.sandbox.clock import Clock
from syncing.sandbox.core import Faults, TokenBucket, redact_body
from syncing.sandbox.server import HOST, build_sandbox, discover_modules


def test_server_binds_loopback_only(sandbox):
    # given the session sandbox
    host, port = sandbox.server.httpd.server_address
    # then it listens on 127.0.0.1 only
    assert host == HOST == "127.0.0.1"
    assert sandbox.base_url == f"http://127.0.0.1:{port}"


def test_health_lists_registered_marketplaces(sandbox):
    body = requests.get(f"{sandbox.base_url}/_control/health", timeout=5).json()
    assert body["ok"] is True
    assert {"shopify", "lazada", "shopee"} <= set(body["marketplaces"])
    assert body["marketplaces"] == [cls.code for cls in discover_modules()]


def test_unknown_prefix_is_404_with_message(sandbox):
    response = requests.get(f"{sandbox.base_url}/ebay/items", timeout=5)
    assert response.status_code == 404
    assert "No marketplace at /ebay" in response.json()["error"]


def test_control_rejects_unknown_fault_option(sandbox):
    response = requests.post(
        f"{sandbox.base_url}/_control/faults", json={"marketplace": "shopee", "boom": 1}, timeout=5
    )
    assert response.status_code == 400
    assert "Unknown fault option(s): boom" in response.json()["error"]


def test_control_rejects_unknown_marketplace_and_bad_values(sandbox):
    url = f"{sandbox.base_url}/_control"
    bad_market = requests.post(f"{url}/faults", json={"marketplace": "ebay", "status_5xx": 503}, timeout=5)
    bad_status = requests.post(f"{url}/faults", json={"marketplace": "shopee", "status_5xx": 404}, timeout=5)
    bad_rate = requests.post(f"{url}/rate", json={"marketplace": "shopee"}, timeout=5)
    bad_review = requests.post(f"{url}/review", json={"marketplace": "shopee", "outcome": "maybe"}, timeout=5)
    assert (bad_market.status_code, bad_status.status_code, bad_rate.status_code, bad_review.status_code) == (400,) * 4
    assert "Unknown marketplace 'ebay'" in bad_market.json()["error"]
    assert "status_5xx must be a 5xx" in bad_status.json()["error"]
    assert "'rate' is required" in bad_rate.json()["error"]
    assert "outcome must be" in bad_review.json()["error"]


def test_drop_connection_fault_over_http_then_clears_after_times(sandbox):
    # given a fault limited to one request
    requests.post(
        f"{sandbox.base_url}/_control/faults",
        json={"marketplace": "shopee", "drop_connection": True, "times": 1},
        timeout=5,
    )
    # when two requests arrive, the first has its connection closed without an answer
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{sandbox.url('shopee')}/api/v2/product/get_item_list", timeout=5)
    second = requests.get(f"{sandbox.url('shopee')}/api/v2/product/get_item_list", timeout=5)
    # then the second reaches the marketplace (which complains about the missing signature)
    assert second.status_code == 400
    assert second.json()["error"] == "error_param"
    log = sandbox.log("shopee")
    assert [entry.get("fault") for entry in log] == ["drop_connection", None]
    assert [entry["status"] for entry in log] == [None, 400]


def test_status_5xx_and_malformed_json_faults(sandbox):
    sandbox.set_faults("shopee", status_5xx=503, times=1)
    first = requests.get(f"{sandbox.url('shopee')}/api/v2/x", timeout=5)
    sandbox.set_faults("shopee", malformed_json=True, times=1)
    second = requests.get(f"{sandbox.url('shopee')}/api/v2/x", timeout=5)
    assert first.status_code == 503
    assert first.json()["error"] == "error_server"
    assert second.status_code == 200
    with pytest.raises(ValueError):
        second.json()


def test_error_rate_one_hits_every_request_and_path_filter_limits_it(sandbox):
    sandbox.set_faults("shopee", error_rate=1.0, path_contains="add_item")
    hit = requests.post(f"{sandbox.url('shopee')}/api/v2/product/add_item", timeout=5)
    missed = requests.get(f"{sandbox.url('shopee')}/api/v2/product/get_item_list", timeout=5)
    assert hit.status_code == 500
    assert missed.status_code == 400


def test_latency_fault_makes_client_time_out(sandbox):
    sandbox.set_faults("shopee", latency_ms=600, times=1)
    with pytest.raises(requests.Timeout):
        requests.get(f"{sandbox.url('shopee')}/api/v2/x", timeout=0.2)
    # The server still answers (and logs) the slow request after the client gave up; wait for it, so that its log
    # entry cannot land in the next test's fresh log.
    deadline = time.monotonic() + 5
    while not sandbox.log() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(sandbox.log()) == 1


def test_reset_clears_faults_log_and_items(sandbox):
    sandbox.set_faults("shopee", status_5xx=500)
    requests.get(f"{sandbox.url('shopee')}/api/v2/x", timeout=5)
    assert len(sandbox.log()) == 1
    response = requests.post(f"{sandbox.base_url}/_control/reset", json={}, timeout=5)
    assert response.json() == {"ok": True}
    assert sandbox.log() == []
    assert requests.get(f"{sandbox.url('shopee')}/api/v2/x", timeout=5).status_code == 400


def test_log_endpoint_filters_by_marketplace_and_redacts_tokens(sandbox):
    requests.get(f"{sandbox.url('shopee')}/api/v2/x", params={"access_token": "secret-token", "sign": "abc"}, timeout=5)
    requests.get(f"{sandbox.url('lazada')}/products/get", timeout=5)
    entries = requests.get(f"{sandbox.base_url}/_control/log", params={"marketplace": "shopee"}, timeout=5).json()
    assert len(entries["entries"]) == 1
    assert entries["entries"][0]["query"]["access_token"] == "***"
    assert entries["entries"][0]["query"]["sign"] == "***"
    assert "secret-token" not in str(sandbox.log())


def test_redact_body_masks_json_and_form_tokens():
    assert redact_body(b'{"refresh_token": "r1", "n": [{"access_token": "a"}]}') == (
        '{"refresh_token": "***", "n": [{"access_token": "***"}]}'
    )
    assert redact_body(b"access_token=abc&x=1") == '{"access_token": "***", "x": "1"}'


def test_static_image_is_png(sandbox):
    response = requests.get(f"{sandbox.base_url}/_static/mug.png", timeout=5)
    assert response.status_code == 200
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")


def test_clock_advance_and_speed():
    clock = Clock()
    start = clock.now()
    clock.advance(3600)
    assert 3600 <= clock.now() - start < 3601
    clock.set_speed(1000)
    assert clock.speed == 1000
    with pytest.raises(ValueError, match="positive"):
        clock.set_speed(0)
    clock.reset()
    assert abs(clock.now() - clock.wall()) < 1


def test_clock_control_endpoint(sandbox):
    before = sandbox.sandbox.clock.now()
    body = requests.post(f"{sandbox.base_url}/_control/clock", json={"advance": 7200}, timeout=5).json()
    assert body["now"] - before >= 7200
    assert body["speed"] == 1.0


def test_token_bucket_waits_exactly_for_missing_tokens():
    bucket = TokenBucket(rate=2.0, burst=2.0, now=100.0)
    assert bucket.take(100.0) == 0.0
    assert bucket.take(100.0) == 0.0
    assert bucket.take(100.0) == pytest.approx(0.5)
    assert bucket.take(100.5) == 0.0
    assert bucket.available(101.0) == pytest.approx(1.0)


def test_faults_validation():
    with pytest.raises(ValueError, match="error_rate"):
        Faults.from_dict({"error_rate": 2})
    assert Faults.from_dict({"times": 2}).active() is True
    assert Faults.from_dict({"times": 0}).active() is False


def test_build_sandbox_loads_demo_accounts_and_reset_restores_them():
    sandbox = build_sandbox()
    sandbox.expire_tokens("shopee", "600001", "both")
    sandbox.reset()
    module = sandbox.modules["shopee"]
    assert module.tokens.valid("access", "sandbox-shopee-access") is not None  # type: ignore[attr-defined]


def test_port_is_free_after_stop():
    from syncing.sandbox.server import SandboxServer

    server = SandboxServer(port=0).start()
    port = server.port
    server.stop()
    probe = socket.socket()
    try:
        probe.bind((HOST, port))
    finally:
        probe.close()


def control(sandbox, action, body):
    return requests.post(f"{sandbox.base_url}/_control/{action}", json=body, timeout=5)


def test_http_control_accounts_expire_rate_review_and_items(sandbox):
    # given a new Shopee shop registered over HTTP
    credentials = control(
        sandbox,
        "accounts",
        {"marketplace": "shopee", "shop_id": "600777", "credentials": {"partner_id": "200001", "partner_key": "k"}},
    ).json()["credentials"]
    assert credentials["access_token"].startswith("acc-")
    module = sandbox.sandbox.modules["shopee"]
    # when its tokens are expired, and rate and review are set over HTTP
    assert control(
        sandbox, "expire_tokens", {"marketplace": "shopee", "shop_id": "600777", "which": "both"}
    ).json() == {"ok": True}
    assert control(sandbox, "rate", {"marketplace": "shopee", "rate": 2, "burst": 3}).json() == {"ok": True}
    assert control(sandbox, "review", {"marketplace": "shopee", "delay_seconds": 30}).json() == {"ok": True}
    # then the sandbox state reflects it
    assert module.tokens.valid("access", credentials["access_token"]) is None
    assert sandbox.sandbox.bucket_state("shopee", "600777")[1].burst == 3.0
    assert module.review_delay == 30.0
    items = requests.get(f"{sandbox.base_url}/_control/items", params={"marketplace": "shopee"}, timeout=5).json()
    assert items == {"items": []}


def test_http_control_edit_item_and_bad_which(sandbox):
    bad = control(sandbox, "expire_tokens", {"marketplace": "shopee", "shop_id": "600001", "which": "all"})
    missing = control(sandbox, "edit_item", {"marketplace": "shopee"})
    unknown = control(sandbox, "explode", {})
    assert (bad.status_code, missing.status_code, unknown.status_code) == (400, 400, 400)
    assert "which must be" in bad.json()["error"]
    assert missing.json()["error"] == "'item_id' is required."
    assert unknown.json()["error"] == "Unknown control action POST /_control/explode."


def test_reset_of_one_marketplace_keeps_the_others(sandbox):
    sandbox.set_faults("shopee", status_5xx=500)
    sandbox.set_faults("lazada", status_5xx=500)
    requests.get(f"{sandbox.url('lazada')}/x", timeout=5)
    control(sandbox, "reset", {"marketplace": "shopee"})
    assert requests.get(f"{sandbox.url('shopee')}/api/v2/x", timeout=5).status_code == 400
    assert requests.get(f"{sandbox.url('lazada')}/x", timeout=5).status_code == 500
    assert {e["marketplace"] for e in sandbox.log()} == {"lazada", "shopee"}


def test_clock_speed_scales_token_lifetimes(sandbox):
    module = sandbox.sandbox.modules["shopee"]
    token = module.tokens.issue("access", "600001", 3600)
    sandbox.set_clock_speed(1_000_000)  # an hour of sandbox time passes in about 4 ms
    deadline = time.monotonic() + 2
    while module.tokens.valid("access", token.value) is not None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert module.tokens.valid("access", token.value) is None


def test_lose_response_fault_counts_creates_only(sandbox):
    # given a lose-response fault for one request, and a request that creates nothing
    sandbox.set_faults("shopify", lose_response_after_create=True, times=1)
    query = requests.post(
        f"{sandbox.url('shopify')}/admin/api/2026-01/graphql.json",
        json={"query": "query { shop { name } }"},
        headers={"X-Shopify-Access-Token": "shpat_sandbox_demo_token"},
        timeout=5,
    )
    # when a create follows, its answer is lost; the next create is answered
    create = {
        "query": "mutation c($product: ProductCreateInput!) { productCreate(product: $product) { product { id } } }"
    }
    with pytest.raises(requests.ConnectionError):
        requests.post(
            f"{sandbox.url('shopify')}/admin/api/2026-01/graphql.json",
            json={**create, "variables": {"product": {"title": "Mug"}}},
            headers={"X-Shopify-Access-Token": "shpat_sandbox_demo_token"},
            timeout=5,
        )
    second = requests.post(
        f"{sandbox.url('shopify')}/admin/api/2026-01/graphql.json",
        json={**create, "variables": {"product": {"title": "Mug 2"}}},
        headers={"X-Shopify-Access-Token": "shpat_sandbox_demo_token"},
        timeout=5,
    )
    assert query.status_code == 200
    assert second.json()["data"]["productCreate"]["product"]["title"] == "Mug 2"
    assert len(sandbox.items("shopify")) == 2
