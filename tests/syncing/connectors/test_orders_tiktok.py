"""TikTok Shop orders over real HTTP: order search by update time (full orders, one line item per unit) and
signed order status webhooks (docs/marketplaces/tiktok.md#orders)."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from syncing.connectors.orders import WebhookRejected
from syncing.connectors.tiktok.orders import verify_webhook

from .order_helpers import find, line_quantities, pull_all, stock

APP_KEY, APP_SECRET = "tts-sandbox-app", "sandbox-tiktok-secret"


@pytest.fixture
def tiktok(connect, make_payload):
    conn = connect("tiktok", currency="USD")
    conn.push_listing(make_payload(sku="MUG-001", quantity=5, currency="USD", category_id="600123"))
    conn.push_listing(
        make_payload(sku="CUP-002", quantity=3, title="Ceramic cup 200 ml", currency="USD", category_id="600123")
    )
    return conn


def test_place_pay_ship_cancel_refund(tiktok, buyer):
    _, placed = buyer(
        "place", "tiktok", lines=[{"sku": "MUG-001", "quantity": 3}, {"sku": "CUP-002", "quantity": 2}], paid=False
    )
    order_id = placed["order_id"]
    assert (stock(tiktok, "MUG-001"), stock(tiktok, "CUP-002")) == (2, 1)
    order = find(tiktok, order_id)
    assert (order.status, order.raw_status, order.currency) == ("unpaid", "UNPAID", "USD")
    assert line_quantities(order) == {"MUG-001": (3, 0, 0, 0), "CUP-002": (2, 0, 0, 0)}
    buyer("pay", "tiktok", order_id)
    assert find(tiktok, order_id).status == "paid"
    buyer("cancel", "tiktok", order_id, lines=[{"sku": "CUP-002", "quantity": 1}])
    assert line_quantities(find(tiktok, order_id))["CUP-002"] == (2, 0, 1, 0)
    assert stock(tiktok, "CUP-002") == 2
    buyer("ship", "tiktok", order_id, lines=[{"sku": "MUG-001", "quantity": 3}])
    order = find(tiktok, order_id)
    assert (order.status, order.raw_status) == ("partially_shipped", "PARTIALLY_SHIPPING")
    buyer("ship", "tiktok", order_id)
    assert find(tiktok, order_id).status == "shipped"
    buyer("refund", "tiktok", order_id, lines=[{"sku": "MUG-001", "quantity": 1, "restock": True}])
    order = find(tiktok, order_id)
    assert (order.status, order.raw_status) == ("partially_refunded", "IN_TRANSIT")
    assert line_quantities(order)["MUG-001"] == (3, 3, 0, 1)
    assert stock(tiktok, "MUG-001") == 3
    buyer(
        "cancel",
        "tiktok",
        (other := buyer("place", "tiktok", lines=[{"sku": "MUG-001", "quantity": 1}])[1])["order_id"],
    )
    assert find(tiktok, other["order_id"]).status == "cancelled"


def test_refused_beyond_advertised(tiktok, buyer):
    status, body = buyer("place", "tiktok", lines=[{"sku": "CUP-002", "quantity": 4}])
    assert (status, body["code"]) == (400, 16019001)
    status, body = buyer("place", "tiktok", lines=[{"sku": "NOPE", "quantity": 1}])
    assert (status, body["code"]) == (400, 12019013)


def test_paging_and_updated_since(tiktok, buyer, sandbox, monkeypatch):
    monkeypatch.setattr("syncing.connectors.tiktok.orders.PAGE_SIZE", 2)
    ids = [buyer("place", "tiktok", lines=[{"sku": "MUG-001", "quantity": 1}])[1]["order_id"] for _ in range(3)]
    first = tiktok.pull_orders()
    assert len(first.items) == 2
    assert first.next_cursor
    assert [o.external_id for o in pull_all(tiktok)] == ids
    sandbox.advance_clock(3600)
    buyer("ship", "tiktok", ids[0])
    since = datetime.now(UTC) + timedelta(minutes=30)
    assert [(o.external_id, o.status) for o in pull_all(tiktok, since)] == [(ids[0], "shipped")]


def test_webhook_signature_good_bad_missing(tiktok, buyer, receiver, subscribe):
    assert subscribe("tiktok", receiver.url, shop_id="7000001")["secret"] == APP_SECRET
    _, placed = buyer("place", "tiktok", lines=[{"sku": "MUG-001", "quantity": 1}])
    buyer("cancel", "tiktok", placed["order_id"])
    deliveries = [receiver.received.get(timeout=5), receiver.received.get(timeout=5)]
    events = [verify_webhook(d["body"], d["headers"], APP_KEY, APP_SECRET) for d in deliveries]
    assert sorted(e.raw_status for e in events) == ["AWAITING_SHIPMENT", "CANCEL"]
    assert {e.order_id for e in events} == {placed["order_id"]}
    delivery = deliveries[0]
    with pytest.raises(WebhookRejected):
        verify_webhook(delivery["body"], delivery["headers"], APP_KEY, "wrong-secret")
    tampered = json.dumps({**json.loads(delivery["body"]), "type": 2}).encode()
    with pytest.raises(WebhookRejected):
        verify_webhook(tampered, delivery["headers"], APP_KEY, APP_SECRET)
    with pytest.raises(WebhookRejected) as missing:
        verify_webhook(delivery["body"], {}, APP_KEY, APP_SECRET)
    assert missing.value.code == "missing_signature"
