"""Property-based test at the ingest level (docs/orders.md#tests): an order's snapshots delivered in any order,
any number of times, converge to the stock its final state asks for, with no duplicate order, line or movement."""

import random

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.models import Product
from inventory.models import Stock, StockMovement
from orders.models import Order, OrderLine
from orders.services import order_ingest
from tests.catalog.factories import ProductFactory

from .conftest import remote_line, remote_order

OPENING = 50
EVENT = st.sampled_from(["pay", "cancel_part", "ship_part", "refund", "refund_restock", "cancel"])


def snapshots(quantity, events):
    """The marketplace's successive views of one order (one line), each newer than the last."""
    c = s = r = k = 0
    status = "unpaid"
    out = []
    for minute, (event, n) in enumerate(events, start=1):
        if status == "cancelled":
            break
        if event == "pay" and status == "unpaid":
            status = "paid"
        elif event == "cancel_part":
            c = min(quantity - s, c + n)
        elif event == "ship_part" and status != "unpaid":
            s = min(quantity - c, s + n)
            status = "shipped" if s == quantity - c else "partially_shipped"
        elif event in ("refund", "refund_restock") and s:
            before = r
            r = min(s, r + n)
            k += (r - before) if event == "refund_restock" else 0
            status = "partially_refunded"
        elif event == "cancel":
            status = "cancelled"
        line = remote_line(sku="PROP", quantity=quantity, cancelled_quantity=c, shipped_quantity=s,
                           refunded_quantity=r, restocked_quantity=k)  # fmt: skip
        out.append(remote_order(order_id="P1", status=status, minutes=minute, lines=[line]))
    return out


@pytest.mark.slow
@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    quantity=st.integers(1, 4),
    events=st.lists(st.tuples(EVENT, st.integers(1, 3)), min_size=1, max_size=8),
    seed=st.integers(0, 10_000),
)
def test_any_delivery_order_converges(shop, quantity, events, seed):
    Order.objects.all().delete()
    Product.objects.filter(sku="PROP").delete()
    ProductFactory(sku="PROP", quantity=OPENING)
    views = snapshots(quantity, events)
    deliveries = [*views, *views]
    random.Random(seed).shuffle(deliveries)
    for view in deliveries:
        order_ingest(channel=shop, remote=view)
        stock = Stock.objects.get(sku="PROP")
        assert stock.committed >= 0
    assert Order.objects.count() == 1
    assert OrderLine.objects.count() == 1
    last = views[-1].lines[0]
    final_status = views[-1].status
    open_units = quantity - last.cancelled_quantity - last.shipped_quantity
    # Statuses only move forward, so a final "unpaid" means never paid (Shopify does not reserve before payment).
    expected_committed = 0 if final_status in ("unpaid", "cancelled") else open_units
    stock = Stock.objects.get(sku="PROP")
    assert stock.committed == expected_committed
    assert stock.on_hand == OPENING - last.shipped_quantity + last.restocked_quantity
    assert stock.on_hand <= OPENING  # never more than we started with (PrestaShop's 100 -> 101)
    sums = dict(StockMovement.objects.filter(stock=stock).values_list("bucket").annotate(t=Sum("delta")))
    assert sums.get("on_hand", 0) == stock.on_hand
    assert sums.get("committed", 0) == stock.committed
    assert Product.objects.get(sku="PROP").quantity == max(stock.available, 0)
