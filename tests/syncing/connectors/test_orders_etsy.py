"""Etsy orders over real HTTP: getShopReceipts by min_last_modified and Standard-Webhooks-signed order events
(docs/marketplaces/etsy.md#orders)."""

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from syncing.connectors.etsy.orders import verify_webhook
from syncing.connectors.orders import WebhookRejected

from .order_helpers import find, pull_all, stock


@pytest.fixture
def etsy(connect, make_payload):
    conn = connect("etsy", currency="USD")
    extra = {"currency": "USD", "category_id": "1062", "attributes": {"tags": "mug,stoneware"}}
    conn.push_listing(make_payload(sku="MUG-001", quantity=5, **extra))
    conn.push_listing(make_payload(sku="CUP-002", quantity=3, title="Ceramic cup 200 ml", **extra))
    return conn


def test_place_pay_ship_refund_cancel(etsy, buyer):
    _, placed = buyer(
        "place", "etsy", lines=[{"sku": "MUG-001", "quantity": 2}, {"sku": "CUP-002", "quantity": 1}], paid=False
    )
    order_id = placed["order_id"]
    assert (stock(etsy, "MUG-001"), stock(etsy, "CUP-002")) == (3, 2)
    order = find(etsy, order_id)
    assert (order.status, order.raw_status, order.currency) == ("unpaid", "open", "USD")
    assert {line.sku: line.quantity for line in order.lines} == {"MUG-001": 2, "CUP-002": 1}
    assert order.total == order.lines[0].unit_price * 2 + order.lines[1].unit_price
    buyer("pay", "etsy", order_id)
    assert find(etsy, order_id).status == "paid"
    buyer("ship", "etsy", order_id, lines=[{"sku": "CUP-002", "quantity": 1}])
    order = find(etsy, order_id)
    assert order.status == "partially_shipped"
    assert {line.sku: line.shipped_quantity for line in order.lines} == {"MUG-001": 0, "CUP-002": 1}
    buyer("ship", "etsy", order_id)
    assert find(etsy, order_id).status == "shipped"
    buyer("refund", "etsy", order_id, lines=[{"sku": "MUG-001", "quantity": 1, "restock": True}])
    order = find(etsy, order_id)
    assert (order.status, order.raw_status) == ("partially_refunded", "partially refunded")
    assert stock(etsy, "MUG-001") == 4
    buyer("refund", "etsy", order_id)
    order = find(etsy, order_id)
    assert order.status == "refunded"
    assert all(line.refunded_quantity == line.quantity for line in order.lines)

    _, other = buyer("place", "etsy", lines=[{"sku": "CUP-002", "quantity": 1}])
    assert buyer("cancel", "etsy", other["order_id"], lines=[{"sku": "CUP-002", "quantity": 1}])[0] == 400
    buyer("cancel", "etsy", other["order_id"])
    order = find(etsy, other["order_id"])
    assert (order.status, order.lines[0].cancelled_quantity) == ("cancelled", 1)


def test_refused_beyond_advertised(etsy, buyer):
    status, body = buyer("place", "etsy", lines=[{"sku": "CUP-002", "quantity": 4}])
    assert status == 400
    assert "Only 3" in body["error"]
    assert buyer("place", "etsy", lines=[{"sku": "NOPE", "quantity": 1}])[0] == 404


def test_paging_and_updated_since(etsy, buyer, sandbox, monkeypatch):
    monkeypatch.setattr("syncing.connectors.etsy.orders.LIMIT", 2)
    ids = [buyer("place", "etsy", lines=[{"sku": "MUG-001", "quantity": 1}])[1]["order_id"] for _ in range(3)]
    first = etsy.pull_orders()
    assert len(first.items) == 2
    assert first.next_cursor == "2"
    assert [o.external_id for o in pull_all(etsy)] == ids
    sandbox.advance_clock(3600)
    buyer("ship", "etsy", ids[2])
    since = datetime.now(UTC) + timedelta(minutes=30)
    assert [(o.external_id, o.status) for o in pull_all(etsy, since)] == [(ids[2], "shipped")]


def test_webhook_signature_good_bad_missing(etsy, buyer, receiver, subscribe):
    secret = subscribe("etsy", receiver.url)["secret"]
    assert secret.startswith("whsec_")
    _, placed = buyer("place", "etsy", lines=[{"sku": "MUG-001", "quantity": 1}])
    delivery = receiver.received.get(timeout=5)
    event = verify_webhook(delivery["body"], delivery["headers"], secret)
    assert (event.order_id, event.event) == (placed["order_id"], "order.paid")
    with pytest.raises(WebhookRejected):
        verify_webhook(delivery["body"], delivery["headers"], "whsec_b3RoZXItc2VjcmV0")
    tampered = json.dumps({**json.loads(delivery["body"]), "shop_id": 1}).encode()
    with pytest.raises(WebhookRejected):
        verify_webhook(tampered, delivery["headers"], secret)
    with pytest.raises(WebhookRejected):  # replayed an hour later
        verify_webhook(delivery["body"], delivery["headers"], secret, now=lambda: time.time() + 3600)
    headers = {k: v for k, v in delivery["headers"].items() if k.lower() != "webhook-signature"}
    with pytest.raises(WebhookRejected) as missing:
        verify_webhook(delivery["body"], headers, secret)
    assert missing.value.code == "missing_signature"
