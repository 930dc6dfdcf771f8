"""Versioned cache (docs/analytics.md#caching): a read after our own write shows the new figure; reads in between
are served from the cache; a rolled-back write changes nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from analytics import reports
from analytics.cache import cache_version, cache_version_bump_on_commit
from analytics.services import channel_daily_stats_compute
from inventory.services import stock_adjust, stock_for_sku
from tests.orders.conftest import remote_line

from .conftest import ingest

pytestmark = pytest.mark.django_db
URL = "/api/v1/analytics/daily/"


@pytest.fixture
def computations(monkeypatch):
    """Counts the uncached computations behind the cached reads."""
    calls = []
    real = reports.daily_stats

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(reports, "daily_stats", counting)
    return calls


def today_orders(client, channel):
    today = timezone.localdate().isoformat()
    row = client.get(URL, {"channel": channel.pk, "from": today, "to": today}).json()["results"][0]
    return row["orders"], Decimal(row["revenue"])


def test_write_then_read_shows_the_new_figure(viewer_api, shop, mug, computations, django_capture_on_commit_callbacks):
    now = timezone.now()
    assert today_orders(viewer_api, shop) == (0, Decimal("0"))
    assert today_orders(viewer_api, shop) == (0, Decimal("0"))
    assert len(computations) == 1  # the second read came from the cache

    # when: an order is ingested (our own write) and commits
    with django_capture_on_commit_callbacks(execute=True):
        ingest(shop, "NEW-1", lines=[remote_line("N1", quantity=2)], total="20.00", placed=now)

    # then: the very next read shows it
    assert today_orders(viewer_api, shop) == (1, Decimal("20.00"))
    assert len(computations) == 2


def test_dashboard_chart_follows_an_order(staff_client, shop, mug, django_capture_on_commit_callbacks):
    assert "0 orders" in staff_client.get("/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        ingest(shop, "NEW-2", lines=[remote_line("N2", quantity=1)], total="15.50", placed=timezone.now())

    page = staff_client.get("/").content.decode()
    assert "1 order · 15.50 USD" in page


def test_a_stock_change_bumps_the_version(shop, mug, django_capture_on_commit_callbacks):
    before = cache_version()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        stock_adjust(stock=stock_for_sku("MUG-1"), delta=-3, reason="broken")

    assert cache_version() > before
    assert len(callbacks) >= 1


def test_recompute_bumps_the_version(shop, django_capture_on_commit_callbacks):
    before = cache_version()
    today = timezone.localdate()

    with django_capture_on_commit_callbacks(execute=True):
        channel_daily_stats_compute(first=today - timedelta(days=2), last=today)

    assert cache_version() > before


def test_many_writes_in_one_block_bump_once(django_capture_on_commit_callbacks):
    before = cache_version()

    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        for _ in range(3):
            cache_version_bump_on_commit()

    assert len(callbacks) == 1
    assert cache_version() == before + 1


def test_a_rolled_back_write_does_not_bump(shop, mug, django_capture_on_commit_callbacks):
    before = cache_version()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():  # noqa: PT012
        ingest(shop, "GONE", lines=[remote_line("G1")], total="10.00", placed=timezone.now())
        raise RuntimeError("rolled back")

    assert cache_version() == before


def test_a_new_version_row_starts_above_any_earlier_number(shop):
    """A restored (or rolled-back) database loses the row; the new one starts from the clock, above every number
    whose keys the cache may still hold."""
    from analytics.models import CacheVersion

    first = cache_version()
    CacheVersion.objects.all().delete()

    assert cache_version() > first


def test_a_write_in_another_process_is_seen_although_the_cache_is_per_process(viewer_api, shop, mug, computations):
    """Another process (a worker ingesting a webhook's order) shares the database, not this process's cache: the
    version lives in the database, so its bump reaches this process's next read."""
    from django.db.models import F

    from analytics.cache import VERSION_KEY
    from analytics.models import CacheVersion

    today_orders(viewer_api, shop)
    today_orders(viewer_api, shop)
    assert len(computations) == 1
    before = cache_version()

    # when: the other process commits an order and bumps the version; nothing reaches this process's cache
    CacheVersion.objects.filter(pk=VERSION_KEY).update(value=F("value") + 1)

    # then: the next read here recomputes
    assert cache_version() == before + 1
    today_orders(viewer_api, shop)
    assert len(computations) == 2
