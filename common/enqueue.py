"""The one place that hands work to django-q2.

With the ORM broker the queue row is written by the current database transaction, so it commits or rolls back
together with the business rows it refers to (a transactional outbox, reliability.md §3). With Redis the push
is deferred to `transaction.on_commit`, so a worker can never pick up a job before its rows are visible.
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django_q.tasks import async_task


def uses_orm_broker() -> bool:
    return "orm" in settings.Q_CLUSTER


def enqueue(
    func: Callable[..., Any],
    *args: Any,
    group: str | None = None,
    task_name: str | None = None,
    timeout: int | None = None,
) -> None:
    """Queue `func(*args)` for a worker, respecting the surrounding transaction."""
    options: dict[str, Any] = {"group": group or func.__name__}
    if task_name:
        options["task_name"] = task_name
    if timeout:
        options["timeout"] = timeout

    def push() -> None:
        async_task(func, *args, **options)

    if uses_orm_broker():
        push()
    else:
        transaction.on_commit(push)
