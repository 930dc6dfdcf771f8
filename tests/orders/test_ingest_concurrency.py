"""Two workers ingesting the same order at the same moment (webhook and poll): one order, one line, stock moved
once (docs/orders.md#idempotency). Real PostgreSQL row locks; SQLite serialises writers anyway."""

import threading

import pytest
from django.db import connection, connections

from inventory.models import Stock, StockMovement
from orders.models import Order, OrderLine
from orders.services import order_ingest
from tests.catalog.factories import ProductFactory

from .conftest import remote_line, remote_order

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def test_same_order_from_two_workers_at_once(make_channel):
    ProductFactory(sku="RACE", quantity=5)
    channel = make_channel("shopify", currency="USD")
    snapshots = [
        remote_order(order_id="R1", status="paid", lines=[remote_line(sku="RACE", quantity=2)]),
        remote_order(order_id="R1", status="shipped", minutes=5, lines=[remote_line(sku="RACE", quantity=2)]),
    ]
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def worker(snapshot):
        try:
            barrier.wait()
            order_ingest(channel=channel, remote=snapshot)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(snapshots[i % 2],)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert Order.objects.count() == 1
    assert OrderLine.objects.count() == 1
    stock = Stock.objects.get(sku="RACE")
    assert (stock.on_hand, stock.committed) == (3, 0)
    keys = list(StockMovement.objects.values_list("idempotency_key", flat=True))
    assert len(keys) == len(set(keys))
