"""What every connector in `CONNECTORS` promises, over real HTTP against the sandbox.

One test per promise (auth, faults, timeout, lost create, drift, throttling, offers, paging, rate-limit hook),
run for each marketplace; `MARKETS` in markets.py holds what differs between them (credential names, error
codes, paths, payload fields), one row per marketplace. Each marketplace's own behaviour (signing vectors,
mapping quirks, review states) is tested in its test_<code>*.py.
"""

import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import requests

from syncing.connectors import CONNECTORS
from syncing.connectors.base import (
    InvalidCredentials,
    OfferUpdate,
    RateLimited,
    RetryableError,
)
from syncing.connectors.shopify.client import CostMirror

from .markets import MARKETS, Refusal


def test_every_registered_connector_has_a_row():
    assert sorted(m.code for m in MARKETS) == sorted(CONNECTORS)


def _raises(refusal: Refusal, call: Callable[[], Any]) -> Exception:
    with pytest.raises(refusal.error) as caught:
        call()
    error = caught.value
    assert (error.code, error.http_status, bool(error.request_id)) == (
        refusal.code,
        refusal.http_status,
        refusal.request_id,
    )
    assert refusal.message in error.message
    return error


# --- auth ---


def test_wrong_secret_is_refused(market, make_connector):
    _raises(market.wrong_secret_refusal, make_connector(**market.wrong_secret).check_credentials)


def test_missing_credentials_are_named_before_any_request(market, make_connector, sandbox):
    conn = make_connector(**dict.fromkeys(market.missing, " "))
    with pytest.raises(InvalidCredentials, match=r"missing credential\(s\): " + ", ".join(market.missing)) as caught:
        conn.check_credentials()
    assert caught.value.code == "missing_credentials"
    assert sandbox.log(market.code) == []


def test_expired_access_token_is_refreshed_once_and_saved(market, make_connector, sandbox, saved_tokens):
    # given a connector that has made a call, and an access token that has lived its lifetime since
    account = market.expiring_account(sandbox) if market.expiring_account else sandbox.account(market.code)
    conn = make_connector(account=account)
    conn.check_credentials()
    old = {**account["credentials"], **(saved_tokens[-1] if saved_tokens else {})}
    saved_tokens.clear()
    before = len(sandbox.log(market.code))
    sandbox.advance_clock(market.access_lifetime + 1)
    # when it calls again
    conn.check_credentials()
    # then it refreshed once, retried, and handed the new tokens (names the channel accepts) to be saved
    assert [(e["path"], e["status"]) for e in sandbox.log(market.code)[before:]] == market.refresh_log
    [tokens] = saved_tokens
    assert set(tokens) == market.saved_keys
    assert set(tokens) <= set(conn.credential_fields) | set(conn.optional_credential_fields)
    assert tokens["access_token"] != old["access_token"]
    if market.refresh_rotates is not None:
        assert (tokens["refresh_token"] != old["refresh_token"]) == market.refresh_rotates
    now = sandbox.sandbox.clock.now() if market.expiry_on_marketplace_clock else time.time()
    lifetime = float(tokens["access_token_expires_at"]) - now
    assert market.access_lifetime - 15 < lifetime <= market.access_lifetime + 1
    conn.check_credentials()
    assert len(saved_tokens) == 1


def test_stored_expiry_that_has_passed_refreshes_before_the_call(market, make_connector, sandbox, saved_tokens):
    account = market.expiring_account(sandbox) if market.expiring_account else sandbox.account(market.code)
    make_connector(account=account, access_token_expires_at="1000").check_credentials()
    assert [(e["path"], e["status"]) for e in sandbox.log(market.code)] == market.refresh_log[1:]
    assert len(saved_tokens) == 1


def test_refused_refresh_token_means_authorise_again(market, make_connector, sandbox, saved_tokens):
    account = market.expiring_account(sandbox) if market.expiring_account else sandbox.account(market.code)
    conn = make_connector(account=account)
    sandbox.expire_tokens(market.code, account["shop_id"], "both")
    error = _raises(market.refresh_refusal, conn.check_credentials)
    assert not isinstance(error, InvalidCredentials)
    assert saved_tokens == []


def test_secrets_reach_neither_our_log_nor_the_wire_log(market, make_connector, sandbox, saved_tokens, caplog):
    # given a call and a token refresh, logged at DEBUG
    caplog.set_level("DEBUG")
    account = market.expiring_account(sandbox) if market.expiring_account else sandbox.account(market.code)
    conn = make_connector(account=account)
    conn.check_credentials()
    sandbox.advance_clock(market.access_lifetime + 1)
    conn.check_credentials()
    # then no secret the connector holds or received shows in either log
    secrets = {
        value
        for credentials in (account["credentials"], *saved_tokens)
        for name, value in credentials.items()
        if name in conn.sensitive_fields and value
    }
    assert secrets
    wire = str(sandbox.log(market.code))
    assert [s for s in secrets if s in caplog.text or s in wire] == []


# --- faults and timeouts ---


def test_server_errors_are_retryable_and_pass(market, conn, sandbox):
    # given a connector whose token is in hand
    conn.check_credentials()
    for status, code in market.server_errors:
        # when one answer is a server error
        sandbox.set_faults(market.code, status_5xx=status, times=1)
        with pytest.raises(RetryableError) as caught:
            conn.check_credentials()
        # then the failure is retryable, with the marketplace's code, and the next call goes through
        assert (caught.value.code, caught.value.http_status) == (code, status)
        conn.check_credentials()


@pytest.mark.parametrize(
    ("fault", "code", "message"),
    [
        ("malformed_json", "malformed_response", "not valid JSON"),
        ("drop_connection", "connection_error", "connection failed or closed without an answer"),
    ],
)
def test_broken_answers_are_retryable_and_pass(market, conn, sandbox, fault, code, message):
    conn.check_credentials()
    sandbox.set_faults(market.code, times=1, **{fault: True})
    with pytest.raises(RetryableError, match=message) as caught:
        conn.check_credentials()
    assert caught.value.code == code
    conn.check_credentials()


def test_timeout_is_retryable(market, make_connector, sandbox):
    conn = make_connector(timeout=0.3)
    conn.check_credentials()
    sandbox.set_faults(market.code, latency_ms=1000, times=1)
    logged = len(sandbox.log())
    with pytest.raises(RetryableError, match="no answer within 0.3 s") as caught:
        conn.check_credentials()
    assert caught.value.code == "timeout"
    # The sandbox still serves the abandoned request a moment later (taking a rate token and writing its log
    # entry); wait for it, so that it cannot land in the next test of the same marketplace.
    deadline = time.monotonic() + 5
    while len(sandbox.log()) <= logged and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(sandbox.log()) == logged + 1


def test_throttling_is_rate_limited_with_the_wait(market, conn, sandbox):
    conn.check_credentials()
    sandbox.set_rate(market.code, rate=market.throttle.rate, burst=1)
    conn.check_credentials()
    if isinstance(getattr(getattr(conn, "client", None), "mirror", None), CostMirror):
        conn.client.mirror = CostMirror()  # Shopify's client would wait for the points: as another process, send
    with pytest.raises(RateLimited) as caught:
        conn.check_credentials()
    error = caught.value
    throttle = market.throttle
    assert (error.code, error.http_status, bool(error.request_id)) == (
        throttle.code,
        throttle.http_status,
        throttle.request_id,
    )
    assert market.throttle.retry_after - market.throttle.early <= error.retry_after <= market.throttle.retry_after


# --- listings ---


@pytest.mark.parametrize(
    "market", [m for m in MARKETS if m.lost_create_path is not None], ids=lambda m: m.code, indirect=True
)
def test_lost_create_answer_is_recovered_by_sku(market, conn, payload, sandbox):
    # given a create whose answer is lost after the marketplace stored the listing
    conn.check_credentials()
    sandbox.set_faults(market.code, lose_response_after_create=True, path_contains=market.lost_create_path, times=1)
    with pytest.raises(RetryableError):
        conn.push_listing(payload("LOST-1"))
    # then a look-up by our SKU finds it, so a retry does not create it twice
    found = conn.find_by_sku("LOST-1")
    assert found is not None
    assert found.sku == ("LOST-1" if market.lost_create_has_sku else "")
    [stored] = sandbox.items(market.code)
    assert found.external_id == str(stored[market.item_id])


def test_drift_on_the_marketplace_is_read_back(market, conn, payload, sandbox):
    created = conn.push_listing(payload())
    sandbox.edit_item(market.code, created.external_id, **market.drift)
    remote = conn.get_listing(created.external_id)
    assert (remote.title, remote.price, remote.quantity) == market.drift_seen


def test_offers_succeed_or_fail_item_by_item(market, conn, payload):
    # given two listings
    first = conn.push_listing(payload("A-1")).external_id
    second = conn.push_listing(payload("B-2")).external_id
    # when one offer is fine, one is refused and one names a listing the marketplace does not have
    results = conn.update_offers(
        [
            OfferUpdate(sku="A-1", external_id=first, price=Decimal("9.90"), quantity=3),
            OfferUpdate(sku="B-2", external_id=second, **market.bad_offer),
            OfferUpdate(sku="C-3", external_id=market.unknown_id, quantity=1),
        ]
    )
    # then each has its own result, and only the fine one changed anything
    assert [(r.sku, r.ok) for r in results] == [("A-1", True), ("B-2", False), ("C-3", False)]
    for result, failure in zip(results[1:], (market.bad_offer_failure, market.unknown_failure), strict=True):
        assert (result.error_code, result.message) == (failure.code, failure.message)
    remote = conn.get_listing(first)
    assert (remote.price, remote.quantity) == (Decimal("9.90"), 3)
    untouched = conn.get_listing(second)
    assert (untouched.price, untouched.quantity) == (Decimal("12.50"), 7)


@pytest.mark.parametrize("market", [m for m in MARKETS if m.sku_mismatch], ids=lambda m: m.code, indirect=True)
def test_offer_for_a_sku_the_product_lacks_fails_alone(market, conn, payload):
    # given a one-SKU product and two offers for it (a single offer would be taken for a renamed SKU)
    product = conn.push_listing(payload("MUG-001")).external_id
    results = conn.update_offers(
        [
            OfferUpdate(sku="MUG-001", external_id=product, quantity=2),
            OfferUpdate(sku="MUG-404", external_id=product, quantity=1),
        ]
    )
    # then the SKU the product lacks fails alone
    assert [(r.ok, r.error_code) for r in results] == [(True, ""), (False, market.sku_mismatch.code)]
    assert results[1].message == market.sku_mismatch.message.format(product=product)
    assert conn.get_listing(product).quantity == 2


def test_pull_pages_through_every_listing_and_find_by_sku(market, conn, payload):
    # given five listings, one of them taken off sale, and pages of two
    ids = [conn.push_listing(payload(f"SKU-{n}")).external_id for n in range(5)]
    conn.deactivate_listing(ids[0])
    conn.page_size = 2
    # when we page through them
    seen, cursor, pages = [], None, 0
    while True:
        page = conn.pull_listings(cursor)
        pages += 1
        seen.extend((item.external_id, item.status) for item in page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    # then every listing comes once, the deactivated one as inactive
    pulled = [i for i, _ in seen]
    assert (pulled if market.pull_in_order else sorted(pulled)) == (ids if market.pull_in_order else sorted(ids))
    assert pages == market.pull_pages
    assert dict(seen)[ids[0]] == "inactive"
    assert conn.find_by_sku("SKU-3").external_id == ids[3]
    assert conn.find_by_sku("NOPE") is None


# --- rate limiting ---


def test_every_request_calls_before_request(market, make_connector, payload, monkeypatch):
    # given a connector built with a before_request hook, and a count of what actually goes over HTTP
    costs: list[int] = []
    sent: list[str] = []
    send = requests.Session.request

    def counting(self, method, url, *args, **kwargs):
        sent.append(url)
        return send(self, method, url, *args, **kwargs)

    monkeypatch.setattr(requests.Session, "request", counting)
    conn = make_connector(before_request=costs.append)
    # when it runs every operation
    conn.check_credentials()
    external_id = conn.push_listing(payload()).external_id
    conn.push_listing(payload(external_id=external_id, title="Stoneware mug"))
    conn.update_offers([OfferUpdate(sku="MUG-001", external_id=external_id, price=Decimal("9"), quantity=1)])
    conn.get_listing(external_id)
    conn.find_by_sku("MUG-001")
    conn.pull_listings()
    conn.deactivate_listing(external_id)
    conn.delete_listing(external_id)
    # then the hook was told of every request before it went, at one token each
    assert len(sent) >= 9
    assert costs == [1] * len(sent)
