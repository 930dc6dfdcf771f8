"""Shopee orders over real HTTP: get_order_list windows, get_order_detail and signed pushes
(docs/marketplaces/shopee.md#orders)."""

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests

from syncing.connectors.orders import WebhookRejected
from syncing.connectors.shopee.orders import verify_webhook

from .order_helpers import find, pull_all, stock

PARTNER_KEY = "sandbox-shopee-partner-key"
DAY = 86400


@pytest.fixture
def shopee(connect, make_payload):
    conn = connect("shopee")
    conn.push_listing(make_payload(sku="MUG-001", quantity=5))
    conn.push_listing(make_payload(sku="CUP-002", quantity=3, title="Ceramic cup 200 ml"))
    return conn


def test_place_pay_ship_cancel_refund(shopee, buyer):
    _, placed = buyer("place", "shopee", lines=[{"sku": "MUG-001", "quantity": 2}], paid=False)
    order_id = placed["order_id"]
    assert stock(shopee, "MUG-001") == 3
    order = find(shopee, order_id)
    assert (order.status, order.raw_status) == ("unpaid", "UNPAID")
    assert [(line.sku, line.quantity) for line in order.lines] == [("MUG-001", 2)]
    assert order.currency == "MYR"
    buyer("pay", "shopee", order_id)
    assert find(shopee, order_id).status == "paid"
    buyer("ship", "shopee", order_id, lines=[{"sku": "MUG-001", "quantity": 1}])
    order = find(shopee, order_id)
    assert (order.status, order.lines[0].shipped_quantity) == ("partially_shipped", 1)
    buyer("ship", "shopee", order_id)
    assert find(shopee, order_id).status == "shipped"
    buyer("refund", "shopee", order_id, lines=[{"sku": "MUG-001", "quantity": 1, "restock": True}])
    order = find(shopee, order_id)
    assert (order.status, order.raw_status) == ("partially_refunded", "TO_RETURN")
    assert stock(shopee, "MUG-001") == 4

    _, other = buyer("place", "shopee", lines=[{"sku": "CUP-002", "quantity": 3}])
    status, body = buyer("cancel", "shopee", other["order_id"], lines=[{"sku": "CUP-002", "quantity": 1}])
    assert status == 400
    assert "whole orders" in body["error"]
    buyer("cancel", "shopee", other["order_id"])
    order = find(shopee, other["order_id"])
    assert (order.status, order.lines[0].cancelled_quantity) == ("cancelled", 3)
    assert stock(shopee, "CUP-002") == 3


def test_refused_beyond_advertised(shopee, buyer):
    status, body = buyer("place", "shopee", lines=[{"sku": "CUP-002", "quantity": 4}])
    assert (status, body["error"]) == (400, "order.item_out_of_stock")
    status, body = buyer("place", "shopee", lines=[{"sku": "NOPE", "quantity": 1}])
    assert (status, body["error"]) == (400, "order.item_not_found")
    assert stock(shopee, "CUP-002") == 3


def test_window_limit_enforced_and_walked(shopee, buyer, sandbox, monkeypatch):
    monkeypatch.setattr("syncing.connectors.shopee.orders.LIST_PAGE", 1)
    sandbox.advance_clock(-40 * DAY)
    first = buyer("place", "shopee", lines=[{"sku": "MUG-001", "quantity": 1}])[1]["order_id"]
    sandbox.advance_clock(20 * DAY)
    second = buyer("place", "shopee", lines=[{"sku": "MUG-001", "quantity": 1}])[1]["order_id"]
    third = buyer("place", "shopee", lines=[{"sku": "MUG-001", "quantity": 1}])[1]["order_id"]
    sandbox.advance_clock(20 * DAY)
    fourth = buyer("place", "shopee", lines=[{"sku": "CUP-002", "quantity": 1}])[1]["order_id"]

    since = datetime.now(UTC) - timedelta(days=45)
    found = [o.external_id for o in pull_all(shopee, since)]
    assert found == [first, second, third, fourth]
    calls = [e for e in sandbox.log("shopee") if e["path"] == "/api/v2/order/get_order_list"]
    assert all(int(e["query"]["time_to"]) - int(e["query"]["time_from"]) <= 15 * DAY for e in calls)
    assert any(e["query"]["cursor"] for e in calls)  # paged inside a window too
    recent = datetime.now(UTC) - timedelta(days=10)
    assert [o.external_id for o in pull_all(shopee, recent)] == [fourth]

    account = sandbox.account("shopee")
    client = shopee.client
    now = int(time.time())
    params = {"time_range_field": "update_time", "time_from": now - 16 * DAY, "time_to": now, "page_size": 10}
    with pytest.raises(Exception) as refused:
        client.call("GET", "/api/v2/order/get_order_list", params=params)
    assert getattr(refused.value, "code", "") == "order.order_list_invalid_time"
    assert account["shop_id"] == shopee.config.shop_id


def test_push_signature_good_bad_missing(shopee, buyer, receiver, subscribe):
    assert subscribe("shopee", receiver.url)["secret"] == PARTNER_KEY
    _, placed = buyer("place", "shopee", lines=[{"sku": "MUG-001", "quantity": 1}])
    delivery = receiver.received.get(timeout=5)
    event = verify_webhook(delivery["body"], delivery["headers"], receiver.url, PARTNER_KEY)
    assert (event.order_id, event.event, event.raw_status) == (placed["order_id"], "3", "READY_TO_SHIP")
    with pytest.raises(WebhookRejected):
        verify_webhook(delivery["body"], delivery["headers"], receiver.url + "x", PARTNER_KEY)
    with pytest.raises(WebhookRejected):
        verify_webhook(delivery["body"], delivery["headers"], receiver.url, "wrong-key")
    tampered = json.dumps({**json.loads(delivery["body"]), "shop_id": 1}).encode()
    with pytest.raises(WebhookRejected):
        verify_webhook(tampered, delivery["headers"], receiver.url, PARTNER_KEY)
    with pytest.raises(WebhookRejected) as missing:
        verify_webhook(delivery["body"], {}, receiver.url, PARTNER_KEY)
    assert missing.value.code == "missing_signature"


def test_control_api_lists_orders(shopee, buyer, sandbox):
    _, placed = buyer("place", "shopee", lines=[{"sku": "MUG-001", "quantity": 1}])
    listed = requests.get(f"{sandbox.base_url}/_control/orders", params={"marketplace": "shopee"}, timeout=5).json()
    assert [o["order_id"] for o in listed["orders"]] == [placed["order_id"]]
    assert listed["orders"][0]["status"] == "READY_TO_SHIP"
