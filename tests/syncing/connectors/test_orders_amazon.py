"""Amazon orders over real HTTP: getOrders by LastUpdatedAfter under the 2-minute rule, NextToken paging with the
same filters, getOrderItems (docs/marketplaces/amazon.md#orders). Amazon sends no HTTP webhooks."""

from datetime import UTC, datetime, timedelta

import pytest
import requests

from syncing.connectors.base import ConnectorError, iso_z

from .order_helpers import find, pull_all, stock

CONFIG = {"currency": "USD", "language": "en", "country": "US"}
LATER = 300  # sandbox seconds to move on so new orders are older than the 2-minute rule's bound


def one(conn, sandbox, order_id):
    sandbox.advance_clock(LATER)
    return find(conn, order_id)


@pytest.fixture
def amazon(connect, make_payload):
    conn = connect("amazon", **CONFIG)
    conn.push_listing(make_payload(sku="MUG-001", quantity=5, currency="USD", category_id="DRINKING_CUP"))
    conn.push_listing(
        make_payload(sku="CUP-002", quantity=3, title="Ceramic cup 200 ml", currency="USD", category_id="DRINKING_CUP")
    )
    return conn


def test_place_pay_ship_cancel(amazon, buyer, sandbox):
    _, placed = buyer(
        "place", "amazon", lines=[{"sku": "MUG-001", "quantity": 2}, {"sku": "CUP-002", "quantity": 1}], paid=False
    )
    order_id = placed["order_id"]
    assert (stock(amazon, "MUG-001"), stock(amazon, "CUP-002")) == (3, 2)
    assert pull_all(amazon) == []  # updated less than two minutes ago: not visible yet
    order = one(amazon, sandbox, order_id)
    assert (order.status, order.raw_status) == ("unpaid", "Pending")
    assert order.lines[0].unit_price == 0  # no prices while Pending
    buyer("pay", "amazon", order_id)
    order = one(amazon, sandbox, order_id)
    assert (order.status, order.currency) == ("paid", "USD")
    assert {line.sku: (line.quantity, line.line_total > 0) for line in order.lines} == {
        "MUG-001": (2, True),
        "CUP-002": (1, True),
    }
    buyer("ship", "amazon", order_id, lines=[{"sku": "MUG-001", "quantity": 1}])
    order = one(amazon, sandbox, order_id)
    assert (order.status, order.raw_status) == ("partially_shipped", "PartiallyShipped")
    buyer("ship", "amazon", order_id)
    order = one(amazon, sandbox, order_id)
    assert order.status == "shipped"
    assert all(line.shipped_quantity == line.quantity for line in order.lines)
    # a refund is in the Finances API, not in Orders: the order stays Shipped (docs/marketplaces/amazon.md#orders)
    buyer("refund", "amazon", order_id, lines=[{"sku": "MUG-001", "quantity": 1, "restock": True}])
    assert one(amazon, sandbox, order_id).status == "shipped"
    assert stock(amazon, "MUG-001") == 4

    _, other = buyer("place", "amazon", lines=[{"sku": "CUP-002", "quantity": 2}])
    buyer("cancel", "amazon", other["order_id"])
    order = one(amazon, sandbox, other["order_id"])
    assert (order.status, order.lines[0].cancelled_quantity) == ("cancelled", 2)
    assert stock(amazon, "CUP-002") == 2


def test_refused_beyond_advertised(amazon, buyer):
    status, body = buyer("place", "amazon", lines=[{"sku": "CUP-002", "quantity": 4}])
    assert (status, body["errors"][0]["code"]) == (400, "QuantityUnavailable")
    assert buyer("place", "amazon", lines=[{"sku": "NOPE", "quantity": 1}])[0] == 400


def test_paging_updated_since_and_two_minute_rule(amazon, buyer, sandbox, monkeypatch):
    monkeypatch.setattr("syncing.connectors.amazon.orders.PAGE_SIZE", 2)
    ids = [buyer("place", "amazon", lines=[{"sku": "MUG-001", "quantity": 1}])[1]["order_id"] for _ in range(3)]
    sandbox.advance_clock(3600)
    buyer("ship", "amazon", ids[1])
    sandbox.advance_clock(LATER)
    first = amazon.pull_orders()
    assert len(first.items) == 2
    assert first.next_cursor
    assert sorted(o.external_id for o in pull_all(amazon)) == sorted(ids)
    since = datetime.now(UTC) + timedelta(minutes=30)
    assert [(o.external_id, o.status) for o in pull_all(amazon, since)] == [(ids[1], "shipped")]

    def get(**params):
        return amazon._authed(lambda: amazon.client.call("GET", "/orders/v0/orders", params=params))

    now = datetime.now(UTC) + timedelta(seconds=3600 + LATER)  # the sandbox clock
    with pytest.raises(ConnectorError) as too_late:
        get(
            MarketplaceIds="ATVPDKIKX0DER",
            LastUpdatedAfter=iso_z(now - timedelta(hours=3)),
            LastUpdatedBefore=iso_z(now),
        )
    assert "2 minutes" in too_late.value.message
    with pytest.raises(ConnectorError):  # the two families cannot be combined
        get(
            MarketplaceIds="ATVPDKIKX0DER", LastUpdatedAfter="2026-01-01T00:00:00Z", CreatedAfter="2026-01-01T00:00:00Z"
        )
    page = get(MarketplaceIds="ATVPDKIKX0DER", LastUpdatedAfter="2026-01-01T00:00:00Z", MaxResultsPerPage="1")
    with pytest.raises(ConnectorError):  # NextToken without the same filters
        get(
            MarketplaceIds="ATVPDKIKX0DER",
            LastUpdatedAfter="2026-02-01T00:00:00Z",
            NextToken=page["payload"]["NextToken"],
        )


def test_no_webhooks(amazon, buyer, sandbox, receiver, subscribe):
    subscribe("amazon", receiver.url)
    buyer("place", "amazon", lines=[{"sku": "MUG-001", "quantity": 1}])
    answer = requests.get(f"{sandbox.base_url}/_control/webhooks", params={"marketplace": "amazon"}, timeout=5)
    assert answer.json()["deliveries"] == []
    assert receiver.received.empty()
