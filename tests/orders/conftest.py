from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from syncing.connectors.base import RemoteOrder, RemoteOrderLine
from tests.catalog.factories import ProductFactory
from tests.syncing.connectors.conftest import buyer  # noqa: F401 - the sandbox's buyer control API fixture

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


# --- sandbox helpers of the pull, webhook and stock push tests (they talk HTTP to the sandbox fixture) ---

# What a listing needs per marketplace in the sandbox (tests/syncing/connectors/test_orders_*.py).
PAYLOAD_EXTRA = {
    "shopify": {},
    "lazada": {},
    "shopee": {},
    "tiktok": {"category_id": "600123"},
    "etsy": {"category_id": "1062", "attributes": {"tags": "mug,stoneware"}},
    "amazon": {"category_id": "DRINKING_CUP"},
}
CURRENCY = {"tiktok": "USD", "amazon": "USD", "etsy": "USD", "shopify": "USD"}


@pytest.fixture
def order_channel(make_sandbox_channel, sandbox):
    """`order_channel(code)`: a channel on the sandbox's demo shop of `code`, with a fast rate limit."""

    def make(code="shopify", **fields):
        sandbox.set_rate(code, rate=1000, burst=1000)
        extra = {"currency": CURRENCY[code], "country": "US"} if code in ("tiktok", "amazon") else {}
        return make_sandbox_channel(code, **(extra | fields))

    return make


@pytest.fixture
def sandbox_item(sandbox):
    """`sandbox_item(channel, sku, quantity)`: list an item on the channel's sandbox shop (the buyer can order it);
    returns its external id."""
    from syncing.connectors.base import ListingPayload
    from syncing.services.connection import connector_for

    def make(channel, sku="MUG-1", quantity=10):
        payload = ListingPayload(
            sku=sku,
            title=f"Ceramic coffee mug {sku}",
            description="A sturdy stoneware mug, dishwasher safe, holds 350 ml.",
            price=Decimal("12.50"),
            currency=channel.currency,
            quantity=quantity,
            brand="Acme",
            category_id=PAYLOAD_EXTRA[channel.marketplace].get("category_id", "100644"),
            image_urls=(f"{sandbox.base_url}/_static/mug.png",),
            weight_grams=400,
            length_mm=120,
            width_mm=90,
            height_mm=100,
            attributes=PAYLOAD_EXTRA[channel.marketplace].get("attributes", {}),
        )
        return connector_for(channel).push_listing(payload).external_id

    return make


@pytest.fixture
def run_tasks():
    """Run the queued django-q2 tasks in this process until the queue is empty (delayed ones too)."""
    from tests.syncing.engine.conftest import run_queue

    return run_queue
