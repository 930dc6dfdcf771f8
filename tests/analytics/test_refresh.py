"""Keeping the stored rows current: the event after an order ingest, the tasks and the schedules."""

from datetime import date, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone
from django_q.models import Schedule

from analytics.models import ChannelDailyStats
from analytics.services import channel_daily_stats_nightly, channel_daily_stats_refresh
from analytics.tasks import channel_daily_stats_compute_task
from common import events
from common.schedules import schedules_sync
from orders.events import ORDER_INGESTED
from orders.models import Order
from tests.orders.conftest import remote_line

from .conftest import ingest

pytestmark = pytest.mark.django_db
NOV_1 = date(2026, 11, 1)


def test_the_handler_is_subscribed():
    ours = [h for h in events.subscribers(ORDER_INGESTED) if h.__module__.startswith("analytics.")]
    assert [h.__name__ for h in ours] == ["order_ingested"]


def test_an_order_of_a_past_day_queues_one_recompute_of_that_day(shop, mug):
    with mock.patch("analytics.services.stats.enqueue") as enqueue:
        ingest(shop, "P1", lines=[remote_line("P1")], total="10.00")
        ingest(shop, "P2", lines=[remote_line("P2")], total="10.00")  # same day: already queued

    assert enqueue.call_count == 1
    assert enqueue.call_args.args[1:] == (shop.pk, "2026-11-01")


def test_an_order_of_today_queues_nothing(shop, mug):
    with mock.patch("analytics.services.stats.enqueue") as enqueue:
        ingest(shop, "T1", lines=[remote_line("T1")], total="10.00", placed=timezone.now())

    enqueue.assert_not_called()


def test_the_task_recomputes_the_day_and_allows_the_next_queueing(shop, mug):
    with mock.patch("analytics.services.stats.enqueue") as enqueue:
        ingest(shop, "P1", lines=[remote_line("P1", quantity=2)], total="20.00")
        channel_daily_stats_compute_task(shop.pk, "2026-11-01")
        ingest(shop, "P2", lines=[remote_line("P2")], total="10.00")

    row = ChannelDailyStats.objects.get(channel=shop, day=NOV_1)
    assert (row.orders, row.units, row.revenue) == (1, 2, Decimal("20.00"))
    assert enqueue.call_count == 2


def test_the_task_of_a_deleted_channel_does_nothing(db):
    channel_daily_stats_compute_task(999999, "2026-11-01")
    assert not ChannelDailyStats.objects.exists()


def test_refresh_computes_today_and_days_with_recent_changes(shop, make_channel, mug):
    # given: an old order seen just now, and another channel without orders
    other = make_channel("etsy")
    ingest(shop, "OLD", lines=[remote_line("O1")], total="10.00")
    ingest(shop, "ANCIENT", lines=[remote_line("O2")], total="10.00", placed=timezone.now() - timedelta(days=90))
    Order.objects.filter(external_id="ANCIENT").update(last_seen_at=timezone.now() - timedelta(hours=2))

    # when
    written = channel_daily_stats_refresh()

    # then: today for both channels, 2026-11-01 for the shop; not the day whose order was seen long ago
    today = timezone.localdate()
    assert written == 3
    assert set(ChannelDailyStats.objects.values_list("channel_id", "day")) == {
        (shop.pk, today),
        (other.pk, today),
        (shop.pk, NOV_1),
    }


def test_nightly_computes_yesterday_and_today(shop):
    assert channel_daily_stats_nightly() == 2
    today = timezone.localdate()
    assert sorted(ChannelDailyStats.objects.values_list("day", flat=True)) == [today - timedelta(days=1), today]


def test_schedules_are_declared(db, settings):
    settings.ANALYTICS_REFRESH_MINUTES = 7
    schedules_sync()

    refresh = Schedule.objects.get(name="analytics.daily_stats_refresh")
    assert (refresh.func, refresh.minutes) == ("analytics.tasks.channel_daily_stats_refresh_task", 7)
    nightly = Schedule.objects.get(name="analytics.daily_stats_nightly")
    assert (nightly.func, nightly.schedule_type) == ("analytics.tasks.channel_daily_stats_nightly_task", "D")
