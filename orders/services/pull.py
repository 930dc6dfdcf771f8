"""The order pull job: read a channel's orders incrementally and ingest them (docs/orders.md#pulling).

Mirrors the listing pull (syncing/services/pull.py): one run per channel at a time, recorded as an `OrderPull`
row (a job on the Jobs page); every page is read through the channel's rate-limited connector; a 429 reschedules
the run from the page that was refused after the marketplace's wait, a temporary failure retries with backoff, an
expired authorisation pauses the channel. The window of a run is fixed when it is queued: every order the
marketplace updated since the channel's cursor (`OrderPullState.cursor` = newest update seen by the last finished
run minus the channel's `pull_overlap_minutes`), or every order for a channel never pulled.

Each page costs a constant number of queries for the orders it already holds unchanged (one lookup of the page's
ids and payload hashes); the page's new or changed orders go through one batched `orders_ingest` (a constant
number of queries per page too), which is idempotent, so the overlap, a webhook for the same order and a retried
page never duplicate an order or move stock twice.
"""

import logging
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from channels.models import Channel
from common.actors import Actor, actor_or_none
from common.enqueue import enqueue
from common.errors import ApplicationError
from orders.choices import ACTIVE_PULL_STATUSES, PullStatus, PullTrigger
from orders.models import Order, OrderPull, OrderPullState
from orders.tasks import order_pull_task
from syncing.backoff import plan_retry
from syncing.choices import SyncErrorKind
from syncing.connectors.base import RemoteOrder
from syncing.services import connection
from syncing.services.classify import failure_classify, failure_text

from .ingest import orders_ingest, payload_hash

logger = logging.getLogger(__name__)

MAX_PAGES = 10_000  # a guard against a marketplace that returns the same cursor forever
ERRORS_KEPT = 20  # the first orders that failed to ingest, shown on the job


def _state_locked(channel: Channel) -> OrderPullState:
    OrderPullState.objects.get_or_create(channel=channel)
    return OrderPullState.objects.select_for_update().get(channel=channel)


def active_order_pull(channel: Channel) -> OrderPull | None:
    return OrderPull.objects.filter(channel=channel, status__in=ACTIVE_PULL_STATUSES).order_by("pk").first()


@transaction.atomic
def channel_orders_pull(*, channel: Channel, user: Actor = None, trigger: str = PullTrigger.MANUAL) -> OrderPull:
    """Start an incremental order pull of `channel`; returns the run.

    Asked by a person (`manual`) while a run is queued or running: refused with a message. Asked by the schedule
    or a webhook: the queued run is reused (it will read the new order), and a running one is told to run once more
    when it ends (its window was fixed before the order arrived)."""
    if trigger not in PullTrigger.values:
        raise ApplicationError(f"Unknown pull trigger '{trigger}'.")
    if not channel.is_active:
        raise ApplicationError(f"Channel {channel} is paused; reconnect or activate it first.")
    state = _state_locked(channel)
    running = active_order_pull(channel)
    if running is not None:
        if trigger == PullTrigger.MANUAL:
            raise ApplicationError(f"An order pull of {channel} is already running (job orders-{running.pk}).")
        if running.status == PullStatus.RUNNING and not state.again:
            OrderPullState.objects.filter(pk=state.pk).update(again=True)
        return running
    run = OrderPull(channel=channel, trigger=trigger, since=state.cursor, created_by=actor_or_none(user))
    run.message = (
        f"Orders updated on the marketplace since {state.cursor.isoformat()}."
        if state.cursor
        else "First order pull: every order the marketplace returns."
    )
    run.full_clean()
    run.save()
    if state.again:
        OrderPullState.objects.filter(pk=state.pk).update(again=False)
    enqueue(order_pull_task, run.pk, "", group=f"order-pull-{run.pk}")
    return run


def order_pull_run(*, run_id: int, cursor: str = "") -> None:
    """Read the run's pages from `cursor` to the end and ingest them; a failure reschedules from the failed page."""
    run = OrderPull.objects.select_related("channel").filter(pk=run_id).first()
    if run is None or not run.is_active:
        return
    now = timezone.now()
    OrderPull.objects.filter(pk=run.pk, status=PullStatus.QUEUED).update(
        status=PullStatus.RUNNING, started_at=now, heartbeat_at=now
    )
    channel = run.channel
    if not channel.is_active:
        _finish(run, PullStatus.FAILED, f"Channel {channel} is paused; nothing was read.")
        return
    connector = connection.connector_for(channel)
    page_cursor: str | None = cursor or None
    for _ in range(MAX_PAGES):
        try:
            page = connector.pull_orders(page_cursor, updated_since=run.since)
        except Exception as exc:  # noqa: BLE001 - classified below
            _page_failed(run, page_cursor or "", exc)
            return
        connection.channel_call_succeeded(channel)
        orders_page_ingest(run=run, channel=channel, orders=page.items)
        page_cursor = page.next_cursor
        OrderPull.objects.filter(pk=run.pk).update(page_cursor=page_cursor or "")
        if not page_cursor:
            break
    run.refresh_from_db()
    status = PullStatus.COMPLETED_WITH_ERRORS if run.failed else PullStatus.SUCCEEDED
    _finish(run, status, _summary(run))


def orders_page_ingest(*, run: OrderPull | None, channel: Channel, orders: Sequence[RemoteOrder]) -> dict[str, int]:
    """Ingest one page: orders held unchanged (same payload hash) cost one query for the whole page; the others
    go through one batched `orders_ingest`. Counts go on the run (when given); returns them."""
    counts = {"read": len(orders), "created": 0, "updated": 0, "unchanged": 0, "failed": 0}
    ids = [o.external_id.strip() for o in orders if o.external_id]
    held = dict(Order.objects.filter(channel=channel, external_id__in=ids).values_list("external_id", "payload_hash"))
    errors: list[dict[str, str]] = []
    newest: datetime | None = None
    fresh: list[tuple[RemoteOrder, bool]] = []
    for remote in orders:
        if remote.updated_at and (newest is None or remote.updated_at > newest):
            newest = remote.updated_at
        known = held.get(remote.external_id.strip())
        if known is not None and known == payload_hash(remote.raw):
            counts["unchanged"] += 1
            continue
        fresh.append((remote, known is None))
    outcomes = orders_ingest(channel=channel, remotes=[remote for remote, _ in fresh])
    for (remote, new), outcome in zip(fresh, outcomes, strict=True):
        if isinstance(outcome, ApplicationError):
            counts["failed"] += 1
            errors.append({"order": remote.external_id[:128], "error": str(outcome)[:500]})
            continue
        counts["created" if new else "updated"] += 1
    if run is not None:
        _count(run, counts, errors, newest)
    return counts


def _count(run: OrderPull, counts: dict[str, int], errors: list[dict[str, str]], newest: datetime | None) -> None:
    with transaction.atomic():
        locked = OrderPull.objects.select_for_update().get(pk=run.pk)
        fields: dict[str, Any] = {name: F(name) + value for name, value in counts.items()}
        fields["pages"] = F("pages") + 1
        fields["heartbeat_at"] = timezone.now()
        if newest and (locked.newest_seen is None or newest > locked.newest_seen):
            fields["newest_seen"] = newest
        if errors and len(locked.errors) < ERRORS_KEPT:
            fields["errors"] = (list(locked.errors) + errors)[:ERRORS_KEPT]
        OrderPull.objects.filter(pk=run.pk).update(**fields)


def _summary(run: OrderPull) -> str:
    window = f"since {run.since.isoformat()}" if run.since else "every order"
    text = (
        f"Order pull ({window}): read {run.read} orders on {run.pages} pages: {run.created} new, {run.updated} "
        f"changed, {run.unchanged} unchanged, {run.failed} refused."
    )
    if run.errors:
        text += "\n" + "\n".join(f"Order {e['order']}: {e['error']}" for e in run.errors)
    return text


def _finish(run: OrderPull, status: str, message: str) -> None:
    """Close the run; a successful one moves the channel's cursor forward; a webhook that came meanwhile starts
    the next run."""
    again = False
    with transaction.atomic():
        state = _state_locked(run.channel)
        OrderPull.objects.filter(pk=run.pk).update(status=status, finished_at=timezone.now(), message=message)
        fields: dict[str, Any] = {}
        if status != PullStatus.FAILED:
            run.refresh_from_db(fields=["newest_seen"])
            fields["last_finished_at"] = timezone.now()
            if run.newest_seen is not None:
                cursor = run.newest_seen - timedelta(minutes=run.channel.pull_overlap_minutes)
                if state.cursor is None or cursor > state.cursor:
                    fields["cursor"] = cursor
        if state.again:
            fields["again"] = False
            again = True
        if fields:
            OrderPullState.objects.filter(pk=state.pk).update(**fields)
    if again and run.channel.is_active:
        channel_orders_pull(channel=run.channel, trigger=PullTrigger.WEBHOOK)


def _page_failed(run: OrderPull, cursor: str, exc: BaseException) -> None:
    failure = failure_classify(exc)
    channel = run.channel
    if failure.kind == SyncErrorKind.THROTTLED:
        connection.channel_throttled(channel, failure.retry_after)
        with transaction.atomic():
            OrderPull.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now())
            enqueue(order_pull_task, run.pk, cursor, delay=(failure.retry_after or 1.0) * 1.05 + 0.2)
        return
    if failure.retryable:
        connection.channel_call_failed(channel)
        plan = plan_retry(run.retries + 1, retry_after=failure.retry_after)
        if not plan.give_up:
            with transaction.atomic():
                OrderPull.objects.filter(pk=run.pk).update(retries=F("retries") + 1, heartbeat_at=timezone.now())
                enqueue(order_pull_task, run.pk, cursor, delay=plan.delay)
            return
    if failure.kind == SyncErrorKind.AUTH:
        connection.channel_auth_pause(channel)
    logger.warning("Order pull %s of channel %s stopped: %s", run.pk, channel.pk, failure.kind)
    _finish(run, PullStatus.FAILED, f"Order pull stopped: {failure_text(failure)}")


def orders_pull_due(*, now: datetime | None = None) -> list[int]:
    """The schedule's work: start (or join) an order pull of every active channel; returns the run ids."""
    started = []
    for channel in Channel.objects.filter(is_active=True).order_by("pk"):
        try:
            started.append(channel_orders_pull(channel=channel, trigger=PullTrigger.SCHEDULE).pk)
        except ApplicationError as exc:
            logger.info("Order pull of channel %s not started: %s", channel.pk, exc)
    return started


def order_pull_wait(run_id: int, timeout: float = 60.0) -> OrderPull:
    """Tests and benchmarks: poll until the run is no longer active (or the timeout passes); returns it."""
    deadline = time.monotonic() + timeout
    while True:
        run = OrderPull.objects.get(pk=run_id)
        if not run.is_active or time.monotonic() > deadline:
            return run
        time.sleep(0.05)
