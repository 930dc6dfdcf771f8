"""The order pull job against the sandbox over HTTP: every marketplace, the cursor and its overlap, idempotency,
throttling, the schedule, "Pull orders now" (page and API) and the Jobs page (docs/orders.md#pulling)."""

import contextlib
import time

import pytest
from django.urls import reverse

from channels.models import Channel
from inventory.models import Stock
from operations.job_sources import JobList, job_get
from orders.choices import PullStatus, PullTrigger
from orders.models import Order, OrderLine, OrderPull, OrderPullState
from orders.schedules import schedule_specs
from orders.services.pull import channel_orders_pull
from tests.catalog.factories import ProductFactory


@pytest.fixture
def mug(db):
    return ProductFactory(sku="MUG-1", quantity=10)


def pull(channel, run_tasks, **kwargs):
    run = channel_orders_pull(channel=channel, **kwargs)
    run_tasks()
    run.refresh_from_db()
    return run


@pytest.mark.parametrize("code", ["shopify", "lazada", "shopee", "tiktok", "etsy", "amazon"])
def test_pull_ingests_every_marketplace_and_moves_the_cursor(code, order_channel, sandbox_item, buyer, sandbox, mug,
                                                             run_tasks):  # fmt: skip
    channel = order_channel(code)
    sandbox_item(channel, "MUG-1", 10)
    status, placed = buyer("place", code, lines=[{"sku": "MUG-1", "quantity": 2}], paid=True)
    assert status == 200, placed
    if code == "amazon":
        sandbox.advance_clock(300)  # Amazon's upper bound is at least 2 minutes before now
    run = pull(channel, run_tasks)
    assert run.status == PullStatus.SUCCEEDED, run.message
    assert (run.read, run.created, run.failed) == (1, 1, 0)
    order = Order.objects.get(channel=channel)
    assert order.status == "paid"
    assert order.lines.get().sku == "MUG-1"
    assert Stock.objects.get(product=mug).committed == 2
    state = OrderPullState.objects.get(channel=channel)
    assert state.cursor is not None
    assert state.cursor < run.newest_seen  # the overlap

    again = pull(channel, run_tasks)  # the overlap reads the order again: unchanged, nothing moves
    assert again.since == state.cursor
    assert (again.read, again.unchanged, again.created, again.updated) == (1, 1, 0, 0)
    assert Order.objects.filter(channel=channel).count() == 1
    assert Stock.objects.get(product=mug).committed == 2


def test_a_change_on_the_marketplace_is_read_once(order_channel, sandbox_item, buyer, mug, run_tasks):
    channel = order_channel("shopify")
    sandbox_item(channel, "MUG-1", 10)
    _, placed = buyer("place", "shopify", lines=[{"sku": "MUG-1", "quantity": 3}], paid=True)
    pull(channel, run_tasks)
    buyer("cancel", "shopify", placed["order_id"], lines=[{"sku": "MUG-1", "quantity": 1}])
    run = pull(channel, run_tasks)
    assert (run.updated, run.created) == (1, 0)
    line = OrderLine.objects.get(order__channel=channel)
    assert line.cancelled_quantity == 1
    assert Stock.objects.get(product=mug).committed == 2
    assert pull(channel, run_tasks).updated == 0


def test_unknown_sku_is_kept_unlinked_and_the_run_counts_pages(order_channel, sandbox_item, buyer, db, run_tasks):
    channel = order_channel("lazada")
    sandbox_item(channel, "NOT-OURS", 10)
    for _ in range(3):
        buyer("place", "lazada", lines=[{"sku": "NOT-OURS", "quantity": 1}], paid=True)
    run = pull(channel, run_tasks)
    assert run.created == 3
    assert run.pages >= 1
    assert OrderLine.objects.filter(order__channel=channel, stock__isnull=True).count() == 3


def test_throttled_page_is_retried_from_where_it_stopped(order_channel, sandbox_item, buyer, sandbox, mug, run_tasks):
    from syncing.connectors.base import RateLimited
    from syncing.services.connection import connector_for

    channel = order_channel("lazada")
    sandbox_item(channel, "MUG-1", 10)
    Channel.objects.filter(pk=channel.pk).update(rate_limit_per_second=3, rate_limit_burst=1)  # the shop's rate
    channel.refresh_from_db()
    buyer("place", "lazada", lines=[{"sku": "MUG-1", "quantity": 1}], paid=True)
    sandbox.set_rate("lazada", rate=4, burst=1)
    with contextlib.suppress(RateLimited):
        connector_for(channel).pull_orders(None)  # empties the marketplace's bucket: the first page is answered 429
    run = channel_orders_pull(channel=channel)
    deadline = time.monotonic() + 10
    while run.is_active and time.monotonic() < deadline:
        run_tasks(include_delayed=False)  # the retry waits for the marketplace's Retry-After
        time.sleep(0.1)
        run.refresh_from_db()
    assert run.status == PullStatus.SUCCEEDED, run.message
    assert run.created == 1
    assert run.pages == 1


def test_failure_is_recorded_and_the_cursor_stays(order_channel, sandbox_item, buyer, sandbox, mug, run_tasks,
                                                  settings):  # fmt: skip
    settings.SYNC_MAX_ATTEMPTS = 1
    channel = order_channel("shopify")
    sandbox.set_faults("shopify", status_5xx=503, times=5)
    run = pull(channel, run_tasks)
    assert run.status == PullStatus.FAILED
    assert "Order pull stopped" in run.message
    assert OrderPullState.objects.get(channel=channel).cursor is None


def test_one_run_at_a_time_and_paused_channels(order_channel, db):
    from common.errors import ApplicationError

    channel = order_channel("shopify")
    first = channel_orders_pull(channel=channel)
    with pytest.raises(ApplicationError, match="already running"):
        channel_orders_pull(channel=channel)
    assert channel_orders_pull(channel=channel, trigger=PullTrigger.SCHEDULE) == first  # joined, not doubled
    OrderPull.objects.filter(pk=first.pk).update(status=PullStatus.RUNNING)
    assert channel_orders_pull(channel=channel, trigger=PullTrigger.WEBHOOK) == first
    assert OrderPullState.objects.get(channel=channel).again  # one more run when this one ends
    OrderPull.objects.update(status=PullStatus.SUCCEEDED)
    channel.is_active = False
    channel.save(update_fields=["is_active"])
    with pytest.raises(ApplicationError, match="paused"):
        channel_orders_pull(channel=channel)


def test_a_webhook_during_a_run_starts_one_more(order_channel, sandbox_item, buyer, mug, run_tasks):
    channel = order_channel("shopify")
    run = channel_orders_pull(channel=channel)
    OrderPull.objects.filter(pk=run.pk).update(status=PullStatus.RUNNING)
    channel_orders_pull(channel=channel, trigger=PullTrigger.WEBHOOK)
    run_tasks()
    runs = list(OrderPull.objects.filter(channel=channel).order_by("pk"))
    assert len(runs) == 2
    assert runs[1].trigger == PullTrigger.WEBHOOK
    assert runs[1].status == PullStatus.SUCCEEDED
    assert not OrderPullState.objects.get(channel=channel).again


def test_schedule_pulls_every_active_channel(order_channel, db, run_tasks, settings):
    from orders.tasks import orders_pull_due_task

    spec = next(s for s in schedule_specs() if s.name == "orders.orders_pull")
    assert (spec.func, spec.minutes) == ("orders.tasks.orders_pull_due_task", 2)
    shop, lazada = order_channel("shopify"), order_channel("lazada")
    paused = order_channel("shopee")
    paused.is_active = False
    paused.save(update_fields=["is_active"])
    ids = orders_pull_due_task()
    assert {OrderPull.objects.get(pk=i).channel_id for i in ids} == {shop.pk, lazada.pk}
    assert orders_pull_due_task() == ids  # the queued runs are joined
    run_tasks()
    assert set(OrderPull.objects.values_list("status", flat=True)) == {PullStatus.SUCCEEDED}


def test_pull_orders_api(api, viewer_api, order_channel, db):
    channel = order_channel("shopify")
    assert viewer_api.post(f"/api/v1/channels/{channel.pk}/pull-orders/").status_code == 403
    response = api.post(f"/api/v1/channels/{channel.pk}/pull-orders/")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["job"] == f"orders-{body['id']}"
    assert (body["status"], body["trigger"], body["channel"]) == ("queued", "manual", channel.pk)
    again = api.post(f"/api/v1/channels/{channel.pk}/pull-orders/")
    assert again.status_code == 409
    assert "already running" in again.json()["detail"]
    assert api.post("/api/v1/channels/999999/pull-orders/").status_code == 404
    job = api.get(f"/api/v1/jobs/{body['job']}/")
    assert job.status_code == 200, job.content
    assert job.json()["type"] == "orders.pull"


@pytest.mark.slow
def test_pull_orders_api_in_schema(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json")
    text = schema.content.decode()
    assert "/api/v1/channels/{id}/pull-orders/" in text


def test_pull_orders_now_buttons(editor_client, viewer_client, order_channel, db):
    channel = order_channel("shopify")
    page = editor_client.get(reverse("orders:order_list")).content.decode()
    assert 'id="pull-orders-now-button"' in page
    assert 'id="pull-orders-now-button"' not in viewer_client.get(reverse("orders:order_list")).content.decode()
    assert viewer_client.post(reverse("orders:order_pull"), {"channel": channel.pk}).status_code == 403
    response = editor_client.post(reverse("orders:order_pull"), {"channel": channel.pk})
    run = OrderPull.objects.get(channel=channel)
    assert response.status_code == 302
    assert response.url == reverse("operations:job_detail", kwargs={"public_id": f"orders-{run.pk}"})
    detail = editor_client.get(response.url)
    assert detail.status_code == 200
    assert "Order pull on" in detail.content.decode()
    busy = editor_client.post(reverse("orders:order_pull"), {"channel": channel.pk, "next": "/orders/"}, follow=True)
    assert "already running" in busy.content.decode()
    missing = editor_client.post(reverse("orders:order_pull"), {"channel": ""}, follow=True)
    assert "Choose a channel" in missing.content.decode()


def test_channel_page_has_the_button(staff_client, order_channel, db):
    channel = order_channel("shopify")
    page = staff_client.get(reverse("channels:channel_detail", args=[channel.pk])).content.decode()
    assert 'id="pull-orders-now-button"' in page


def test_jobs_list_shows_order_pulls(admin_user, order_channel, db):
    channel = order_channel("shopify")
    run = channel_orders_pull(channel=channel)
    records = JobList(user=admin_user, filters={"type": "orders.pull"})[:10]
    assert [r.id for r in records] == [f"orders-{run.pk}"]
    record, log = job_get(f"orders-{run.pk}", user=admin_user)
    assert record.status == "queued"
    assert "First order pull" in log[0].message
