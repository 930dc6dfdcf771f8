from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from orders.services import order_ingest
from tests.catalog.factories import ProductFactory
from tests.orders.conftest import remote_line, remote_order

DAY = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)  # TIME_ZONE is UTC in tests: local day 2026-11-01


def ingest(channel, order_id, *, status="paid", lines, total, currency="USD", placed=DAY):
    remote = remote_order(
        order_id=order_id,
        status=status,
        lines=lines,
        total=Decimal(total),
        currency=currency,
        placed_at=placed,
        updated_at=placed,
        buyer_id=f"buyer-{order_id}",
    )
    return order_ingest(channel=channel, remote=remote)


@pytest.fixture
def shop(make_channel):
    return make_channel("shopify", currency="USD")


@pytest.fixture
def mug(db):
    return ProductFactory(sku="MUG-1", quantity=100)


@pytest.fixture
def worked_day(shop, mug):
    """Seven orders on 2026-11-01 (docs/analytics.md#a-worked-day): five paid (one in EUR), one cancelled,
    one unpaid; a partial refund, a full refund and a partial cancel."""
    ingest(shop, "A", lines=[remote_line("A1", quantity=2)], total="25.00")  # 20 goods + 5 shipping
    ingest(shop, "B", status="partially_refunded", lines=[remote_line("B1", quantity=3, refunded_quantity=1)],
           total="30.00")  # fmt: skip
    ingest(shop, "C", status="cancelled", lines=[remote_line("C1", quantity=1, cancelled_quantity=1)], total="10.00")
    ingest(shop, "D", status="unpaid", lines=[remote_line("D1", quantity=1)], total="10.00")
    ingest(shop, "E", lines=[remote_line("E1", quantity=1)], total="50.00", currency="EUR")
    ingest(shop, "F", status="refunded", lines=[remote_line("F1", quantity=1, refunded_quantity=1)], total="12.00")
    ingest(shop, "G", lines=[remote_line("G1", quantity=4, cancelled_quantity=1)], total="30.00")
    ingest(shop, "H", lines=[remote_line("H1", quantity=1)], total="10.00", placed=DAY + timedelta(days=1))
    return shop


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The versions and the pending marks live in the (per process) cache: each test starts without them."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
