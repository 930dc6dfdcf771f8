"""Shopify orders over real HTTP: the buyer control API, the GraphQL `orders` query and signed webhooks
(docs/marketplaces/shopify.md#orders)."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from syncing.connectors.orders import WebhookRejected
from syncing.connectors.shopify.orders import verify_webhook

from .order_helpers import find, pull_all, stock


def one(conn, order_id):
    return find(conn, f"gid://shopify/Order/{order_id}")


SECRET = "sandbox-shopify-secret"  # the demo app's client secret


@pytest.fixture
def shopify(connect, make_payload):
    conn = connect("shopify")
    conn.push_listing(make_payload(sku="MUG-001", quantity=5))
    conn.push_listing(make_payload(sku="CUP-002", quantity=3, title="Ceramic cup 200 ml"))
    return conn


def test_place_pay_ship_partial_refund(shopify, buyer):
    status, placed = buyer("place", "shopify", lines=[{"sku": "MUG-001", "quantity": 2}], paid=False)
    assert status == 200, placed
    assert stock(shopify, "MUG-001") == 3  # reserved at checkout
    order = one(shopify, placed["order_id"])
    assert (order.status, order.raw_status) == ("unpaid", "PENDING/UNFULFILLED")
    assert order.lines[0].sku == "MUG-001"
    assert order.lines[0].quantity == 2
    assert order.currency == "USD"
    assert order.total > 0

    assert buyer("pay", "shopify", placed["order_id"])[0] == 200
    assert one(shopify, placed["order_id"]).status == "paid"
    buyer("ship", "shopify", placed["order_id"], lines=[{"sku": "MUG-001", "quantity": 1}])
    order = one(shopify, placed["order_id"])
    assert order.status == "partially_shipped"
    assert order.lines[0].shipped_quantity == 1
    buyer("ship", "shopify", placed["order_id"])
    assert one(shopify, placed["order_id"]).status == "shipped"

    buyer("refund", "shopify", placed["order_id"], lines=[{"sku": "MUG-001", "quantity": 1, "restock": True}])
    order = one(shopify, placed["order_id"])
    assert order.status == "partially_refunded"
    assert (order.lines[0].refunded_quantity, order.lines[0].restocked_quantity) == (1, 1)
    assert stock(shopify, "MUG-001") == 4
    buyer("refund", "shopify", placed["order_id"], lines=[{"sku": "MUG-001", "quantity": 1, "restock": False}])
    order = one(shopify, placed["order_id"])
    assert order.status == "refunded"
    assert order.lines[0].refunded_quantity == 2
    assert stock(shopify, "MUG-001") == 4


def test_partial_cancel_then_cancel(shopify, buyer):
    _, placed = buyer("place", "shopify", lines=[{"sku": "MUG-001", "quantity": 2}, {"sku": "CUP-002", "quantity": 1}])
    buyer("cancel", "shopify", placed["order_id"], lines=[{"sku": "MUG-001", "quantity": 1}])
    order = one(shopify, placed["order_id"])
    assert order.status == "paid"
    assert {line.sku: line.cancelled_quantity for line in order.lines} == {"MUG-001": 1, "CUP-002": 0}
    assert stock(shopify, "MUG-001") == 4
    buyer("cancel", "shopify", placed["order_id"])
    order = one(shopify, placed["order_id"])
    assert order.status == "cancelled"
    assert {line.sku: line.cancelled_quantity for line in order.lines} == {"MUG-001": 2, "CUP-002": 1}
    assert (stock(shopify, "MUG-001"), stock(shopify, "CUP-002")) == (5, 3)


def test_refused_beyond_advertised_and_unknown_sku(shopify, buyer):
    status, body = buyer("place", "shopify", lines=[{"sku": "MUG-001", "quantity": 6}])
    assert status == 422
    assert body["errors"][0]["extensions"]["code"] == "MERCHANDISE_NOT_ENOUGH_STOCK"
    status, body = buyer("place", "shopify", lines=[{"sku": "NOPE", "quantity": 1}])
    assert status == 422
    assert "NOPE" in body["errors"][0]["message"]
    assert stock(shopify, "MUG-001") == 5
    assert pull_all(shopify) == []


def test_paging_and_updated_since(shopify, buyer, sandbox, monkeypatch):
    monkeypatch.setattr("syncing.connectors.shopify.orders.ORDERS_PAGE", 2)
    ids = [buyer("place", "shopify", lines=[{"sku": "CUP-002", "quantity": 1}])[1]["order_id"] for _ in range(3)]
    first = shopify.pull_orders()
    assert len(first.items) == 2
    assert first.next_cursor
    assert [o.external_id for o in pull_all(shopify)] == [f"gid://shopify/Order/{i}" for i in ids]
    sandbox.advance_clock(3600)
    buyer("ship", "shopify", ids[1])
    since = datetime.now(UTC) + timedelta(minutes=30)
    assert [o.external_id for o in pull_all(shopify, since)] == [f"gid://shopify/Order/{ids[1]}"]


def test_webhook_signature_good_bad_missing(shopify, buyer, receiver, subscribe):
    assert subscribe("shopify", receiver.url)["secret"] == SECRET
    _, placed = buyer("place", "shopify", lines=[{"sku": "MUG-001", "quantity": 1}])
    delivery = receiver.received.get(timeout=5)
    event = verify_webhook(delivery["body"], delivery["headers"], SECRET)
    assert event.order_id == f"gid://shopify/Order/{placed['order_id']}"
    assert event.event == "orders/paid"
    assert event.raw_status == "paid"
    assert event.delivery_id
    with pytest.raises(WebhookRejected) as bad:
        verify_webhook(delivery["body"], delivery["headers"], "another-secret")
    assert bad.value.code == "bad_signature"
    tampered = json.dumps({**json.loads(delivery["body"]), "id": 1}).encode()
    with pytest.raises(WebhookRejected):
        verify_webhook(tampered, delivery["headers"], SECRET)
    headers = {k: v for k, v in delivery["headers"].items() if k.lower() != "x-shopify-hmac-sha256"}
    with pytest.raises(WebhookRejected) as missing:
        verify_webhook(delivery["body"], headers, SECRET)
    assert missing.value.code == "missing_signature"

    buyer("refund", "shopify", placed["order_id"])
    refund = receiver.received.get(timeout=5)
    event = verify_webhook(refund["body"], refund["headers"], SECRET)
    assert (event.event, event.order_id) == ("refunds/create", f"gid://shopify/Order/{placed['order_id']}")
