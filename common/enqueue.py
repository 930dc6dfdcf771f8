"""The one place that hands work to django-q2.

With the ORM broker the queue row is written by the current database transaction, so it commits or rolls back
together with the business rows it refers to (a transactional outbox, docs/sync.md#background). With Redis the push
is deferred to `transaction.on_commit`, so a worker can never pick up a job before its rows are visible.

`delay` postpones a task (backoff retries). With the ORM broker the queue row is written with its lock already
in the future: the broker only hands out rows whose lock has passed, so the row is the outbox *and* the timer.
With Redis a one-off django-q2 `Schedule` is created instead (the scheduler checks about every 30 s).

`priority` (-9 to 9, default 0): workers take the highest first when tasks wait (common/brokers.py,
docs/operations.md#job-priority). A delayed Redis task loses it (its schedule queues it at 0).
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import Schedule
from django_q.tasks import async_task

from common.brokers import PriorityORM, RedisWithReceipts


def uses_orm_broker() -> bool:
    return "orm" in settings.Q_CLUSTER


def enqueue(
    func: Callable[..., Any],
    *args: Any,
    group: str | None = None,
    task_name: str | None = None,
    timeout: int | None = None,
    delay: float | None = None,
    priority: int = 0,
) -> None:
    """Queue `func(*args)` for a worker, respecting the surrounding transaction; `delay` seconds later if given,
    before waiting tasks of a lower `priority`."""
    options: dict[str, Any] = {"group": group or func.__name__}
    if task_name:
        options["task_name"] = task_name
    if timeout:
        options["timeout"] = timeout

    if delay and delay > 0 and not uses_orm_broker():

        def push_later() -> None:
            Schedule.objects.create(
                func=f"{func.__module__}.{func.__qualname__}",
                args=repr(tuple(args)),
                name=None,
                schedule_type=Schedule.ONCE,
                repeats=-1,
                next_run=timezone.now() + timedelta(seconds=delay),
            )

        transaction.on_commit(push_later)
        return

    if uses_orm_broker():
        if (delay and delay > 0) or priority:
            options["broker"] = PriorityORM(Conf.CLUSTER_NAME, priority=priority, delay=delay or 0.0)
    elif priority and settings.Q_CLUSTER.get("broker_class", "").endswith("RedisWithReceipts"):
        options["broker"] = RedisWithReceipts(Conf.CLUSTER_NAME, priority=priority)

    def push() -> None:
        async_task(func, *args, **options)

    if uses_orm_broker():
        push()
    else:
        transaction.on_commit(push)
