"""Engine test helpers: an in-memory connector for fast service tests, and an in-process queue runner.

The fake connector stands in for the marketplace only in these service tests (house style allows it); the
reliability tests in test_reliability.py run real workers against the real sandbox over HTTP.
"""

import itertools
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from django_q.models import OrmQ
from django_q.signing import SignedPackage

from syncing.connectors.base import (
    Connector,
    ItemResult,
    ListingPayload,
    ListingRules,
    OfferUpdate,
    Page,
    PushResult,
    RateLimit,
    RemoteListing,
    RetryableError,
)


class FakeMarketplace:
    """State of the fake marketplace: items by id, a call log, and faults to raise on the next calls."""

    def __init__(self):
        self.items: dict[str, dict] = {}
        self.calls: list[tuple[str, str]] = []
        self.faults: list[BaseException] = []
        self.lose_response_after_create = 0
        self.page_size = 2
        self.ids = itertools.count(1000)

    def next_fault(self):
        if self.faults:
            raise self.faults.pop(0)


class FakeConnector(Connector):
    code = "shopify"
    label = "Fake"
    credential_fields = ("access_token",)
    default_rate_limit = RateLimit(requests_per_second=1000, burst=100)
    default_rules = ListingRules(title_max_length=255)
    market: FakeMarketplace

    def check_credentials(self) -> None:
        self.market.calls.append(("check", ""))

    def push_listing(self, payload: ListingPayload) -> PushResult:
        self.market.calls.append(("push", payload.sku))
        self.market.next_fault()
        external_id = payload.external_id or f"gid://{next(self.market.ids)}"
        self.market.items[external_id] = {
            "sku": payload.sku,
            "title": payload.title,
            "price": payload.price,
            "quantity": payload.quantity,
            "status": "live",
        }
        if not payload.external_id and self.market.lose_response_after_create:
            self.market.lose_response_after_create -= 1
            raise RetryableError("Connection dropped after the request was sent.")
        return PushResult(external_id=external_id, status="live", raw_status="ACTIVE")

    def update_offers(self, items: Sequence[OfferUpdate]) -> list[ItemResult]:
        self.market.calls.append(("offers", ",".join(i.sku for i in items)))
        self.market.next_fault()
        results = []
        for item in items:
            stored = self.market.items.get(item.external_id)
            if stored is None:
                results.append(ItemResult(sku=item.sku, ok=False, error_code="NOT_FOUND", message="No such item."))
                continue
            if item.price is not None:
                stored["price"] = item.price
            if item.quantity is not None:
                stored["quantity"] = item.quantity
            results.append(ItemResult(sku=item.sku, ok=True))
        return results

    def get_listing(self, external_id: str) -> RemoteListing:
        return self._remote(external_id)

    def find_by_sku(self, sku: str) -> RemoteListing | None:
        self.market.calls.append(("find", sku))
        self.market.next_fault()
        for external_id, item in self.market.items.items():
            if item["sku"] == sku:
                return self._remote(external_id)
        return None

    def pull_listings(self, cursor: str | None = None, updated_since: Any = None) -> Page[RemoteListing]:
        self.market.calls.append(("pull", cursor or ""))
        self.market.next_fault()
        ids = sorted(self.market.items)
        start = int(cursor or 0)
        chunk = ids[start : start + self.market.page_size]
        more = start + self.market.page_size < len(ids)
        return Page(
            items=[self._remote(i) for i in chunk], next_cursor=str(start + self.market.page_size) if more else None
        )

    def deactivate_listing(self, external_id: str) -> None:
        self.market.calls.append(("deactivate", external_id))
        self.market.next_fault()
        self.market.items[external_id]["status"] = "inactive"

    def delete_listing(self, external_id: str) -> None:
        self.market.items.pop(external_id, None)

    def _remote(self, external_id: str) -> RemoteListing:
        item = self.market.items[external_id]
        return RemoteListing(
            external_id=external_id,
            sku=item["sku"],
            title=item["title"],
            price=Decimal(str(item["price"])),
            quantity=item["quantity"],
            status=item["status"],
            raw_status=item["status"].upper(),
        )


@pytest.fixture
def fake_market(monkeypatch, settings):
    settings.SYNC_RETRY_SCHEDULE = (30, 120, 480)
    settings.SYNC_MAX_ATTEMPTS = 4
    market = FakeMarketplace()
    connector = type("BoundFakeConnector", (FakeConnector,), {"market": market})
    monkeypatch.setattr("syncing.services.connection.get_connector_class", lambda code: connector)
    return market


def queued_tasks() -> list[tuple[OrmQ, dict]]:
    return [(row, SignedPackage.loads(row.payload)) for row in OrmQ.objects.order_by("id")]


def run_queue(*, include_delayed: bool = True, limit: int = 500) -> int:
    """Run queued tasks in this process, oldest first, until the queue is empty; returns how many ran."""
    ran = 0
    while ran < limit:
        rows = OrmQ.objects.order_by("id")
        if not include_delayed:
            rows = rows.filter(lock__lte=timezone.now())
        row = rows.first()
        if row is None:
            return ran
        task = SignedPackage.loads(row.payload)
        row.delete()
        task["func"](*task["args"], **task["kwargs"])
        ran += 1
    raise AssertionError(f"queue did not drain after {limit} tasks")


@pytest.fixture
def shop(make_channel):
    return make_channel("shopify", name="Fake shop")


@pytest.fixture
def make_listings(make_listing, shop):
    def make(n: int, **kwargs):
        return [make_listing(channel=shop, **kwargs) for _ in range(n)]

    return make
