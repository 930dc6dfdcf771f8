"""A django-q2 cluster that stops within a grace period and hands back what it did not finish.

django-q2's own stop (cluster.py `Sentinel.stop`) waits for the pusher, then lets the workers run every task the
pusher had already taken into the cluster's local queue before they reach their stop pills, with no time limit;
its sentinel and workers die at once on a SIGTERM sent to them directly. This subclass (used by
`manage.py worker`, docs/sync.md "Stopping and restarting workers") renews the tasks taken ahead and changes the
stop.

Taken ahead: django-q2's pusher takes tasks from the broker before a worker is free (up to `queue_limit` wait in
the local queue, one more in the pusher's hand). A worker renews only the task it runs, so a task waiting longer
than `Q_RETRY` behind long ones became visible again and was delivered twice. Here a thread of the pusher process
renews, every `Q_RETRY / 3`, the tasks it put in the local queue that no worker has taken yet (the queue is first
in, first out: the last `qsize()` it put), until a worker starts one and renews it itself.

The stop:

1. the pusher stops taking tasks and each worker is told to finish what it holds (`common.worker.STOP_SIGNAL`):
   a push chunk stops handing out listings, lets the pushes in flight end and queues its rest;
2. tasks taken but not started are handed back (the ORM row visible again at once; Redis: pushed back);
3. workers still busy when `Q_STOP_SECONDS` is nearly over get `HAND_BACK_SIGNAL` and exit, then are killed if
   need be, and their tasks are handed back; the monitor records the results already made, and the cluster exits.
"""

import logging
import os
import signal
import threading
import time
import uuid
from collections import deque
from multiprocessing import Value
from queue import Empty
from typing import Any

import django_q.cluster
from django.conf import settings
from django_q.brokers import get_broker
from django_q.cluster import Cluster, Sentinel, get_mp_context
from django_q.conf import Conf
from django_q.pusher import pusher
from django_q.status import Stat

from common import worker as lifecycle

logger = logging.getLogger(__name__)

STOP_SECONDS = 10.0
HAND_BACK_MARGIN = 2.5  # of the grace period, kept for the hand-back, the monitor and the exit


def stop_seconds() -> float:
    return float(getattr(settings, "Q_STOP_SECONDS", STOP_SECONDS))


class WaitingTasks:
    """The cluster's local task queue as the pusher sees it: knows which of the tasks it put still wait."""

    def __init__(self, task_queue: Any) -> None:
        self.task_queue = task_queue
        self._put: deque[Any] = deque(maxlen=10_000)  # ack ids in the order put; the queue is FIFO
        self._putting = False  # a put blocked on a full queue: the task is taken and waits too
        self._lock = threading.Lock()

    def put(self, task: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        with self._lock:
            self._put.append(task.get("ack_id"))
            self._putting = True
        try:
            self.task_queue.put(task, *args, **kwargs)
        finally:
            self._putting = False

    def ack_ids(self) -> list[Any]:
        with self._lock:
            count = self.task_queue.qsize() + self._putting
            return list(self._put)[-count:] if count > 0 else []


def _renew_waiting(waiting: WaitingTasks, broker: Any, stop: Any) -> None:
    broker = None if lifecycle.uses_orm_broker() else broker
    while not stop.wait(lifecycle.renewal_period()):
        try:
            lifecycle.tasks_renew(waiting.ack_ids(), broker)
        except Exception:  # noqa: BLE001 - they then come back after Q_RETRY, as without renewal
            logger.exception("could not renew the waiting tasks")


def pusher_renewing_waiting(task_queue: Any, event: Any, broker: Any = None) -> None:
    """django-q2's pusher, plus a thread renewing the tasks it took that still wait for a worker."""
    waiting = WaitingTasks(task_queue)
    if broker is None:
        broker = get_broker()
    threading.Thread(target=_renew_waiting, args=(waiting, broker, event), name="waiting-renewal", daemon=True).start()
    pusher(waiting, event, broker)  # type: ignore[arg-type]  # it only calls put()


class GracefulSentinel(Sentinel):
    def __init__(
        self,
        stop_event: Any,
        start_event: Any,
        cluster_id: Any,
        broker: Any = None,
        timeout: Any = None,
        start: bool = True,
    ) -> None:
        super().__init__(stop_event, start_event, cluster_id, broker, timeout, start=False)
        # A SIGTERM/SIGINT sent to this process (or, inherited, to the pusher or monitor) goes to the cluster's
        # main process, the one place that starts the stop.
        main_pid = self.parent_pid

        def forward(signum: int, frame: Any) -> None:
            try:
                os.kill(main_pid, signal.SIGTERM)
            except ProcessLookupError:
                stop_event.set()

        signal.signal(signal.SIGTERM, forward)
        signal.signal(signal.SIGINT, forward)
        if start:
            self.start()

    def spawn_pusher(self) -> Any:
        return self.spawn_process(pusher_renewing_waiting, self.task_queue, self.event_out, self.broker)

    def spawn_worker(self) -> None:
        """django-q2's worker, run by `common.worker.worker_process_main` (stop signals, running-task slot)."""
        timer, slot = Value("f", -1), Value("q", 0)
        process = get_mp_context().Process(
            target=lifecycle.worker_process_main,
            args=(self.task_queue, self.result_queue, timer, self.timeout),
            kwargs={"slot": slot},
            name=f"Process-{uuid.uuid4().hex}",
        )
        process.daemon = Conf.DAEMONIZE_WORKERS
        process.timer = timer  # type: ignore[attr-defined]  # read by django-q2's guard
        process.slot = slot  # type: ignore[attr-defined]
        self.pool.append(process)
        process.start()

    def stop(self) -> None:
        started = time.monotonic()
        deadline = started + max(1.0, stop_seconds() - HAND_BACK_MARGIN)
        Stat(self).save()
        logger.info("stopping the cluster: no new tasks, %.0f s for the running ones", stop_seconds())
        self.event_out.set()  # the pusher ends after its current poll (0.5 s ORM, 1 s Redis)
        self._signal_workers(lifecycle.STOP_SIGNAL)
        while self.pusher.is_alive() and time.monotonic() < started + 3:
            time.sleep(0.05)
        if self.pusher.is_alive():
            self.pusher.kill()
        handed_back = self._hand_back_queued()
        for _ in self.pool:
            self.task_queue.put("STOP")
        while self._busy_workers() and time.monotonic() < deadline:
            time.sleep(0.1)
            Stat(self).save()
        late = self._busy_workers()
        if late:
            self._signal_workers(lifecycle.HAND_BACK_SIGNAL, late)
            end = time.monotonic() + 1.0
            while any(p.is_alive() for p in late) and time.monotonic() < end:
                time.sleep(0.05)
            for process in late:
                if process.is_alive():
                    process.kill()
                    process.join(1)
            rows = [int(process.slot.value) for process in late]
            if lifecycle.uses_orm_broker():
                lifecycle.task_rows_hand_back(rows)
            handed_back += len(late)
        self.pool.clear()
        self.task_queue.cancel_join_thread()
        self.result_queue.put("STOP")
        self.monitor.join(max(0.5, started + stop_seconds() - 1 - time.monotonic()))
        if self.monitor.is_alive():
            self.monitor.kill()
        self.result_queue.cancel_join_thread()
        Stat(self).save()
        logger.info(
            "cluster stopped in %.1f s; %d task(s) handed back (%d cut short)",
            time.monotonic() - started,
            handed_back,
            len(late),
        )

    def _busy_workers(self) -> list[Any]:
        return [process for process in self.pool if process.is_alive()]

    def _signal_workers(self, signum: int, processes: list[Any] | None = None) -> None:
        for process in self.pool if processes is None else processes:
            try:
                os.kill(process.pid, signum)
            except (ProcessLookupError, TypeError):
                pass

    def _hand_back_queued(self) -> int:
        """Tasks the pusher had taken into the cluster's local queue and no worker started: back to the broker."""
        count = 0
        while True:
            try:
                task = self.task_queue.get(timeout=0.1)
            except Empty:
                return count
            if isinstance(task, dict):
                try:
                    lifecycle.task_hand_back(task)
                    count += 1
                except Exception:  # noqa: BLE001 - the task then comes back after Q_RETRY
                    logger.exception("could not hand back task %s", task.get("id"))


class GracefulCluster(Cluster):
    """The main process: the first SIGTERM/SIGINT starts the stop; past the grace period everything is killed."""

    def __init__(self) -> None:
        super().__init__()
        self.stop_requested_at: float | None = None

    def start(self) -> int:
        django_q.cluster.Sentinel = GracefulSentinel  # type: ignore[misc]  # Cluster.start spawns this name
        return int(super().start())

    def sig_handler(self, signum: int, frame: Any) -> None:
        if self.stop_requested_at is None:
            self.stop_requested_at = time.monotonic()
            logger.info("Q Cluster %s stopping (signal %s)", self.name, signum)
            if self.stop_event is not None:
                self.stop_event.set()

    def wait(self) -> None:
        """Until the sentinel has stopped; kill the lot if the stop overran the grace period."""
        while self.sentinel is not None and self.sentinel.is_alive():
            self.sentinel.join(0.2)
            if self.stop_requested_at is not None and time.monotonic() > self.stop_requested_at + stop_seconds():
                logger.error("the cluster did not stop within %.0f s: killed", stop_seconds())
                self._kill_all()
                break

    def _kill_all(self) -> None:
        import psutil

        try:
            processes = [psutil.Process(self.sentinel.pid)]
            processes += processes[0].children(recursive=True)
        except psutil.NoSuchProcess:
            return
        for process in processes:
            try:
                process.kill()
            except psutil.NoSuchProcess:
                pass
