"""The daily figures from our own orders, listings and stock, with worked numbers (docs/analytics.md)."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from analytics.models import ChannelDailyStats
from analytics.selectors import daily_figures
from analytics.services import channel_daily_stats_compute
from inventory.services import stock_adjust, stock_for_sku
from listings.models import Listing
from tests.orders.conftest import remote_line

from .conftest import ingest

pytestmark = pytest.mark.django_db
NOV_1 = date(2026, 11, 1)


def figures(row):
    names = ("orders", "units", "revenue", "refunds", "average_order_value", "other_currency_orders", "oversells")
    return {name: getattr(row, name) for name in names}


def test_worked_day(worked_day, django_assert_max_num_queries):
    # when: the day is computed (a fixed number of aggregate queries, whatever the number of orders)
    with django_assert_max_num_queries(2):
        rows = daily_figures([worked_day], NOV_1, date(2026, 11, 2))

    # then: paid orders A B E F G count; C (cancelled) and D (unpaid) do not; E (EUR) is left out of money
    assert figures(rows[0]) == {
        "orders": 5,
        "units": 2 + 3 + 1 + 1 + 3,  # G: 4 ordered, 1 cancelled
        "revenue": Decimal("97.00"),  # 25 + 30 + 12 + 30
        "refunds": Decimal("20.00"),  # B: 1 x 10 of 3; F: 1 x 10
        "average_order_value": Decimal("24.25"),  # 97 / 4 orders in USD
        "other_currency_orders": 1,
        "oversells": 0,
    }
    assert rows[0].net_revenue == Decimal("77.00")
    assert rows[0].currency == "USD"
    assert figures(rows[1])["orders"] == 1
    assert rows[1].revenue == Decimal("10.00")


def test_day_without_orders_is_zero(shop):
    (row,) = daily_figures([shop], NOV_1, NOV_1)

    assert figures(row) == {
        "orders": 0,
        "units": 0,
        "revenue": Decimal("0"),
        "refunds": Decimal("0"),
        "average_order_value": None,
        "other_currency_orders": 0,
        "oversells": 0,
    }
    assert row.active_listings is None
    assert row.sessions is None


def test_channels_kept_apart(worked_day, make_channel, mug):
    other = make_channel("lazada", currency="MYR")
    ingest(other, "X", lines=[remote_line("X1", quantity=5)], total="99.00", currency="MYR")

    rows = {(r.channel_id, r.day): r for r in daily_figures([worked_day, other], NOV_1, NOV_1)}

    assert rows[(other.pk, NOV_1)].revenue == Decimal("99.00")
    assert rows[(other.pk, NOV_1)].currency == "MYR"
    assert rows[(worked_day.pk, NOV_1)].orders == 5


def test_oversells_counted_on_the_order_day(shop, mug):
    stock = stock_for_sku("MUG-1")
    stock_adjust(stock=stock, delta=-99, reason="count")  # 1 left

    ingest(shop, "O1", lines=[remote_line("O1", quantity=3)], total="30.00")

    (row,) = daily_figures([shop], NOV_1, NOV_1)
    assert row.oversells == 1


def test_compute_upserts_idempotently(worked_day):
    # given: computed once
    assert channel_daily_stats_compute(first=NOV_1, last=NOV_1) == 1
    first = ChannelDailyStats.objects.get()

    # when: a late refund arrives and the day is computed again, twice
    ingest(worked_day, "A", status="partially_refunded", lines=[remote_line("A1", quantity=2, refunded_quantity=2)],
           total="25.00")  # fmt: skip
    channel_daily_stats_compute(first=NOV_1, last=NOV_1)
    channel_daily_stats_compute(first=NOV_1, last=NOV_1)

    # then: still one row, with the new refund
    row = ChannelDailyStats.objects.get()
    assert row.pk == first.pk
    assert row.refunds == Decimal("40.00")
    assert row.revenue == Decimal("97.00")


def test_today_takes_the_snapshot_and_a_past_day_keeps_it(shop, make_listing, mug):
    # given: two live listings on the channel, one of them of a product with nothing available
    live = make_listing(channel=shop)
    Listing.objects.filter(pk=live.pk).update(status="live")
    other = make_listing(channel=shop)
    Listing.objects.filter(pk=other.pk).update(status="live")
    make_listing(channel=shop)  # a draft: not active
    out = stock_for_sku(other.product.sku)
    stock_adjust(stock=out, delta=-out.on_hand, reason="count")
    today = timezone.localdate()

    # when
    channel_daily_stats_compute(first=today, last=today)

    # then
    row = ChannelDailyStats.objects.get(channel=shop, day=today)
    assert (row.active_listings, row.out_of_stock_variants) == (2, 1)
    assert (row.sessions, row.page_views) == (None, None)

    # and a past day: its snapshot stays as stored, it is never rebuilt from today's state
    ChannelDailyStats.objects.filter(pk=row.pk).update(day=NOV_1)
    channel_daily_stats_compute(first=NOV_1, last=NOV_1)
    row.refresh_from_db()
    assert (row.active_listings, row.out_of_stock_variants) == (2, 1)


def test_range_must_be_ordered(shop):
    with pytest.raises(ValueError, match="before"):
        channel_daily_stats_compute(first=date(2026, 11, 2), last=NOV_1)
    assert not ChannelDailyStats.objects.exists()
