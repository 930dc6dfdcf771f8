from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from syncing.connectors.base import RemoteOrder, RemoteOrderLine
from tests.catalog.factories import ProductFactory

T0 = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)


def remote_line(line_id="L1", sku="MUG-1", quantity=1, **counters):
    return RemoteOrderLine(
        external_line_id=line_id, sku=sku, quantity=quantity, unit_price=Decimal("10.00"),
        line_total=Decimal("10.00") * quantity, **counters,
    )  # fmt: skip


def remote_order(order_id="1001", status="paid", lines=None, minutes=0, **fields):
    data = {
        "external_id": order_id,
        "status": status,
        "raw_status": status.upper(),
        "currency": "USD",
        "lines": lines if lines is not None else [remote_line()],
        "total": Decimal("10.00"),
        "placed_at": T0,
        "updated_at": T0 + timedelta(minutes=minutes),
        "buyer_id": "buyer-1",
        "buyer_name": "Ann Buyer",
        "buyer_email": "ann@example.com",
        "shipping_address": {"name": "Ann", "line1": "1 Road", "city": "Penang", "country": "MY", "extra": "x"},
        "raw": {"id": order_id, "status": status},
    }
    return RemoteOrder(**(data | fields))


@pytest.fixture
def shop(make_channel):
    return make_channel("shopify", currency="USD")


@pytest.fixture
def mug(db):
    return ProductFactory(sku="MUG-1", quantity=10)
