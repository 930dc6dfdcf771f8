"""orders_ingest: a page of orders in one batch ends exactly where ingesting them one by one does, in a constant
number of queries per page (docs/orders.md#pulling)."""

import dataclasses
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Product
from common.errors import ApplicationError
from inventory.models import Stock, StockMovement
from orders.models import Customer, Order, OrderLine
from orders.services import order_ingest, orders_ingest
from orders.services.pull import orders_page_ingest
from tests.catalog.factories import ProductFactory

from .conftest import remote_line, remote_order

pytestmark = pytest.mark.django_db


def page(prefix, count=6, *, start=0):
    """Orders over three SKUs of `prefix`, with every status a page can bring and one buyer for two orders."""
    statuses = ["paid", "unpaid", "shipped", "cancelled", "partially_shipped", "refunded"]
    orders = []
    for i in range(start, start + count):
        lines = [
            remote_line(line_id="1", sku=f"{prefix}-A", quantity=2, shipped_quantity=1 if i % 6 == 4 else 0),
            remote_line(line_id="2", sku=f"{prefix}-B", quantity=1, refunded_quantity=1 if i % 6 == 5 else 0,
                        restocked_quantity=1 if i % 6 == 5 else 0),
            remote_line(line_id="3", sku="NO-SUCH-SKU"),
        ]  # fmt: skip
        orders.append(
            remote_order(
                order_id=f"{prefix}{i}",
                status=statuses[i % 6],
                lines=lines,
                buyer_id=f"b{i % 5}",
                raw={"id": i, "status": statuses[i % 6]},
            )  # fmt: skip
        )
    return orders


def ledger(prefix):
    """What the ledger of `prefix`'s SKUs holds, independent of ids."""
    stocks = {
        s.sku: (s.on_hand, s.committed, s.available, s.oversold) for s in Stock.objects.filter(sku__startswith=prefix)
    }
    moves = Counter(
        (m.stock.sku, m.bucket, m.delta, m.reason)
        for m in StockMovement.objects.filter(stock__sku__startswith=prefix, source_type="orders.orderline")
    )
    return stocks, moves


@pytest.fixture
def skus(db):
    for prefix in ("P", "S"):
        ProductFactory(sku=f"{prefix}-A", quantity=7)
        ProductFactory(sku=f"{prefix}-B", quantity=3)


def test_a_page_ends_where_one_by_one_does(shop, skus):
    outcomes = orders_ingest(channel=shop, remotes=page("P", 12))
    assert all(isinstance(o, Order) for o in outcomes)
    for remote in page("S", 12):
        order_ingest(channel=shop, remote=remote)
    paged, single = ledger("P"), ledger("S")
    assert paged[0] == {k.replace("S-", "P-"): v for k, v in single[0].items()}
    assert paged[1] == Counter({(k[0].replace("S-", "P-"), *k[1:]): n for k, n in single[1].items()})
    assert Product.objects.get(sku="P-A").quantity == Product.objects.get(sku="S-A").quantity
    oversold = sorted(OrderLine.objects.filter(oversold=True).values_list("order__external_id", "external_line_id"))
    assert [(o.replace("S", "P"), line) for o, line in oversold if o.startswith("S")] == [
        pair for pair in oversold if pair[0].startswith("P")
    ]
    assert OrderLine.objects.filter(sku="NO-SUCH-SKU", stock__isnull=True).count() == 24  # kept, unlinked
    # the same page again moves nothing
    count = StockMovement.objects.count()
    orders_ingest(channel=shop, remotes=page("P", 12))
    assert StockMovement.objects.count() == count
    assert Order.objects.count() == 24


def test_customers_aggregate_over_the_page(shop, skus):
    orders_ingest(channel=shop, remotes=page("P", 12))
    for buyer in Customer.objects.all():
        orders = Order.objects.filter(customer=buyer).exclude(status="cancelled")
        assert buyer.orders_count == orders.count()
        assert buyer.name == "Ann Buyer"
    # a later snapshot without a buyer keeps the customer, whose figures follow the cancel
    buyer = Customer.objects.get(buyer_id="b0")
    before = buyer.orders_count
    orders_ingest(channel=shop, remotes=[remote_order(order_id="P0", status="cancelled", minutes=5, buyer_id="",
                                                      lines=page("P", 1)[0].lines)])  # fmt: skip
    buyer.refresh_from_db()
    assert Order.objects.get(external_id="P0").customer == buyer
    assert buyer.orders_count == before - 1


def test_the_same_order_twice_in_a_page_applies_both_in_order(shop, mug):
    outcomes = orders_ingest(
        channel=shop,
        remotes=[remote_order(status="paid"), remote_order(status="cancelled", minutes=3, raw={"v": 2})],
    )
    assert outcomes[0].pk == outcomes[1].pk
    stock = Stock.objects.get(sku="MUG-1")
    assert (stock.on_hand, stock.committed) == (10, 0)
    assert Order.objects.get().status == "cancelled"
    assert sorted(StockMovement.objects.filter(source_type="orders.orderline").values_list("delta", flat=True)) == [
        -1,
        1,
    ]


def test_a_refused_order_leaves_the_rest_of_the_page(shop, mug):
    outcomes = orders_ingest(
        channel=shop,
        remotes=[
            remote_order(order_id="OK1"),
            remote_order(order_id=" "),
            remote_order(order_id="BAD", status="lost"),
            remote_order(order_id="OK2"),
        ],
    )
    assert [type(o).__name__ for o in outcomes] == ["Order", "ApplicationError", "ApplicationError", "Order"]
    assert "unknown status 'lost'" in str(outcomes[2])
    assert sorted(Order.objects.values_list("external_id", flat=True)) == ["OK1", "OK2"]
    assert Stock.objects.get(sku="MUG-1").committed == 2


def test_a_failure_while_moving_stock_falls_back_to_one_by_one(shop, mug):
    order_ingest(channel=shop, remote=remote_order(order_id="A", lines=[remote_line(quantity=2)]))
    Stock.objects.filter(sku="MUG-1").update(committed=0)  # a bucket out of step with its ledger
    outcomes = orders_ingest(
        channel=shop,
        remotes=[
            remote_order(order_id="B"),
            remote_order(order_id="A", status="cancelled", minutes=5, lines=[remote_line(quantity=2)]),
            remote_order(order_id="C"),
        ],
    )
    assert isinstance(outcomes[1], ApplicationError)
    assert "committed would become -1; it cannot go below zero" in str(outcomes[1])  # after B, one by one
    assert isinstance(outcomes[0], Order)
    assert isinstance(outcomes[2], Order)
    assert Order.objects.get(external_id="A").status == "paid"  # the refused snapshot left nothing
    assert Stock.objects.get(sku="MUG-1").committed == 2
    with pytest.raises(ApplicationError, match="no order id"):
        order_ingest(channel=shop, remote=remote_order(order_id=""))


def test_oversell_inside_a_page_flags_the_lines_past_the_last_unit(shop):
    ProductFactory(sku="LAST", quantity=1)
    orders_ingest(
        channel=shop, remotes=[remote_order(order_id=f"O{i}", lines=[remote_line(sku="LAST")]) for i in range(3)]
    )
    flags = dict(OrderLine.objects.values_list("order__external_id", "oversold"))
    assert flags == {"O0": False, "O1": True, "O2": True}
    stock = Stock.objects.get(sku="LAST")
    assert (stock.available, stock.oversold) == (-2, True)
    assert Product.objects.get(sku="LAST").quantity == 0


def test_queries_per_page_do_not_grow_with_the_page(shop, skus):
    counts = []
    for prefix, size in (("P", 6), ("S", 30)):
        with CaptureQueriesContext(connection) as ctx:
            counts.append(orders_page_ingest(run=None, channel=shop, orders=page(prefix, size)))
        counts.append(len(ctx.captured_queries))
    assert counts[0]["created"] == 6
    assert counts[2]["created"] == 30
    assert abs(counts[1] - counts[3]) <= 2  # 6 orders or 30: the same statements (first-use bookkeeping aside)
    assert counts[3] < 60
    with CaptureQueriesContext(connection) as ctx:
        again = [dataclasses.replace(r, raw={**r.raw, "seen": 2}) for r in page("S", 30, start=1)]
        updated = orders_page_ingest(run=None, channel=shop, orders=again)
    assert updated["updated"] == 29
    assert updated["created"] == 1
    assert len(ctx.captured_queries) < 60
