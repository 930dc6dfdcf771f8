"""The worker side of stopping and restarting django-q2 clusters (docs/sync.md, "Stopping and restarting workers").

- A task taken but still waiting in the cluster's local queue is renewed the same way by the cluster's pusher
  (`common/cluster.py`, `manage.py worker` only), so no task of a live cluster is delivered twice.
- While a task runs, a thread of its worker keeps the task's ORM queue row locked for another `Q_RETRY` seconds
  every third of `Q_RETRY`: the row's lock is a heartbeat. A short `Q_RETRY` (30 s) then brings back the work of
  a dead worker quickly, and a long task is never handed out twice while its worker lives.
- A worker asked to stop (`STOP_SIGNAL`, sent by the `worker` command's cluster) finishes what it holds and takes
  nothing new: a task it receives after the signal is handed back untouched (its row visible again at once) and
  the worker exits; long-running code asks `stop_requested()` and queues its rest (push chunks do).
- `HAND_BACK_SIGNAL`, when the grace period is over: the worker puts a Redis task back and exits at once; the
  cluster hands back the ORM row of the task it was running (`current_ack_id`).

Connected to django-q2's worker signals in `common.apps`, so a plain `qcluster` renews its rows too.
"""

import logging
import os
import signal
import threading
from datetime import timedelta
from multiprocessing.sharedctypes import Synchronized
from typing import Any

from django.db import connections
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.models import OrmQ
from django_q.signing import SignedPackage

from common.enqueue import uses_orm_broker

logger = logging.getLogger(__name__)

STOP_SIGNAL = signal.SIGUSR1  # finish what you hold, take nothing new
HAND_BACK_SIGNAL = signal.SIGUSR2  # the grace period is over: hand your task back and exit now

_stopping = threading.Event()
_running: dict[str, Any] = {}  # the task this worker process runs ("task") and its renewal thread's stop event
_slot: "Synchronized[int] | None" = None  # shared with the cluster: the ORM row id of the running task (0: none)


def stop_requested() -> bool:
    """True once this worker was asked to stop: hand out no more work, queue the rest, return."""
    return _stopping.is_set()


def visibility_seconds() -> float:
    """How long a taken task stays invisible to other clusters without a renewal (`Q_RETRY`)."""
    return float(Conf.RETRY)


def task_rows_hand_back(ack_ids: list[int]) -> int:
    """Make ORM queue rows taken but not finished visible to every cluster again, now."""
    ids = [pk for pk in ack_ids if pk]
    if not ids:
        return 0
    return int(OrmQ.objects.using(Conf.ORM).filter(pk__in=ids).update(lock=timezone.now() - timedelta(seconds=1)))


def task_hand_back(task: dict[str, Any]) -> None:
    """Give a task taken from the broker but not run (or not finished) back to the queue, visible at once.

    ORM: the row still exists, only its lock moves to now. Redis has no receipts (the task left the list when it
    was taken), so the task is pushed back to the head of the list.
    """
    if uses_orm_broker():
        task_rows_hand_back([task.get("ack_id") or 0])
        return
    broker = get_broker()
    if task.get("ack_id") and hasattr(broker, "hand_back"):
        broker.hand_back(task["ack_id"])  # common.brokers.RedisWithReceipts
        return
    package = {key: value for key, value in task.items() if key not in ("ack_id", "cluster")}
    broker.connection.lpush(broker.list_key, SignedPackage.dumps(package))


def renewal_period() -> float:
    return max(1.0, visibility_seconds() / 3)


def tasks_renew(ack_ids: list[Any], broker: Any = None) -> None:
    """Keep tasks taken by this cluster and not finished invisible to every cluster for another `Q_RETRY`."""
    ids = [ack_id for ack_id in ack_ids if ack_id]
    if not ids:
        return
    if broker is None:
        lock = timezone.now() + timedelta(seconds=visibility_seconds())
        OrmQ.objects.using(Conf.ORM).filter(pk__in=ids).update(lock=lock)
    elif hasattr(broker, "renew"):
        for receipt in ids:
            broker.renew(receipt)  # common.brokers.RedisWithReceipts


def _renew_while_running(ack_id: int | str, done: threading.Event) -> None:
    broker = None if uses_orm_broker() else get_broker()
    try:
        while True:
            tasks_renew([ack_id], broker)
            if done.wait(renewal_period()):
                return
    except Exception:  # noqa: BLE001 - the row then comes back after Q_RETRY, as without renewal
        logger.exception("could not renew the queue row of task %s", ack_id)
    finally:
        connections.close_all()  # this thread's own connection


def task_started(sender: Any, func: Any = None, task: dict[str, Any] | None = None, **kwargs: Any) -> None:
    """django-q2 `pre_execute` (in the worker process, before the task runs)."""
    if task is None:
        return
    if _stopping.is_set():
        # Taken from the cluster's local queue after the stop: not started, so not ours to finish.
        task_hand_back(task)
        connections.close_all()
        os._exit(0)
    ack_id = task.get("ack_id")
    _running["task"] = task
    if _slot is not None and isinstance(ack_id, int):
        _slot.value = ack_id
    if ack_id and not task.get("sync"):
        done = threading.Event()
        _running["done"] = done
        threading.Thread(target=_renew_while_running, args=(ack_id, done), name="task-renewal", daemon=True).start()


def task_finished(sender: Any, func: Any = None, task: dict[str, Any] | None = None, **kwargs: Any) -> None:
    """django-q2 `post_execute_in_worker` (the result is about to go to the monitor, which acknowledges it)."""
    done = _running.pop("done", None)
    if done is not None:
        done.set()
    _running.pop("task", None)
    if _slot is not None:
        _slot.value = 0


def _ask_to_stop(signum: int, frame: Any) -> None:
    _stopping.set()


def _hand_back_and_exit(signum: int, frame: Any) -> None:
    task = _running.get("task")
    if task is not None and not uses_orm_broker():
        task_hand_back(task)  # Redis; the ORM row is handed back by the cluster once this process is gone
    os._exit(1)


def worker_process_main(*args: Any, slot: "Synchronized[int]") -> None:
    """A django-q2 worker process of the `worker` command: stop signals wired up, then django-q2's loop."""
    global _slot
    from django_q.worker import worker

    _slot = slot
    signal.signal(STOP_SIGNAL, _ask_to_stop)
    signal.signal(HAND_BACK_SIGNAL, _hand_back_and_exit)
    # The cluster decides when to stop; a signal sent to the whole process group (Ctrl-C, systemd's SIGTERM to
    # every process of the service) only means "finish what you hold".
    signal.signal(signal.SIGTERM, _ask_to_stop)
    signal.signal(signal.SIGINT, _ask_to_stop)
    worker(*args)
