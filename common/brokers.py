"""django-q2's brokers with priority lanes (docs/operations.md#job-priority), and its Redis broker with the ORM
broker's receipts (docs/sync.md, "Stopping and restarting workers").

Priority: a task queued with a priority other than 0 waits in a lane of its own, `<queue>@<priority>`, beside
django-q2's queue (which is the lane of priority 0); workers take from the highest lane holding a task whose time
has come, first in first out within a lane. Priorities run from PRIORITY_MIN to PRIORITY_MAX; others are clamped.
`PriorityORM` orders the ORM queue's rows that way in the one query django-q2 makes to take a task; the Redis
broker keeps one list per lane and pops from the first non-empty one in order (Redis BLPOP over several keys).

django-q2's Redis broker pops a task off the list and forgets it: if the cluster dies, the task is gone (only the
stuck-job requeue would find the work again, after 30 minutes). This subclass keeps what the ORM broker keeps in
its row lock: each task taken is remembered with a "visible again at" time (`Q_RETRY`), renewed while it waits in
the cluster's local queue (common/cluster.py) and while its worker runs it (common/worker.py), cleared when the
result is acknowledged, handed back at once by a graceful stop, and put back on the list by any cluster once the
time has passed (its holder died). Enqueueing is unchanged (the same list and package format).

Keys, next to django-q2's list `django_q:<cluster>:q`: `...:q:taken` (hash receipt -> package) and
`...:q:until` (sorted set receipt -> visible-again time, epoch seconds). Not covered: a cluster dying between
popping a task and recording it (one Redis round trip); the stuck-job requeue remains for that.
"""

import time
import uuid
from datetime import timedelta
from typing import Any

from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone
from django_q.brokers.orm import ORM
from django_q.brokers.redis_broker import Redis
from django_q.conf import Conf

EXPIRED_CHECK_SECONDS = 1.0  # how often a pusher looks for tasks of dead clusters
PRIORITY_MIN, PRIORITY_MAX = -9, 9


def priority_clamp(priority: int) -> int:
    return max(PRIORITY_MIN, min(PRIORITY_MAX, int(priority or 0)))


def lane_key(list_key: str, priority: int) -> str:
    """Where a task of `priority` waits: the queue itself for 0, `<queue>@<priority>` otherwise."""
    priority = priority_clamp(priority)
    return list_key if priority == 0 else f"{list_key}@{priority}"


def lane_keys(list_key: str) -> list[str]:
    """Every lane of a queue, the highest priority first."""
    return [lane_key(list_key, priority) for priority in range(PRIORITY_MAX, PRIORITY_MIN - 1, -1)]


class PriorityORM(ORM):
    """django-q2's ORM broker, taking the highest priority first; `priority` and `delay` (seconds before the row
    becomes visible: its lock starts in the future) apply to what this instance enqueues."""

    def __init__(self, list_key: str | None = None, *, priority: int = 0, delay: float = 0.0) -> None:
        super().__init__(list_key=list_key or Conf.CLUSTER_NAME)
        self.priority = priority_clamp(priority)
        self.delay = max(0.0, float(delay or 0.0))

    def _lanes(self) -> Any:
        return self.get_connection().filter(key__in=lane_keys(self.list_key))

    def enqueue(self, task: Any) -> int:
        lock = timezone.now() + timedelta(seconds=self.delay)
        package = self.get_connection().create(key=lane_key(self.list_key, self.priority), payload=task, lock=lock)
        return int(package.pk)

    def dequeue(self) -> list[tuple[int, Any]] | None:
        keys = lane_keys(self.list_key)
        rank = Case(*(When(key=key, then=Value(n)) for n, key in enumerate(keys)), output_field=IntegerField())
        candidates = list(
            self._lanes().filter(lock__lt=timezone.now()).annotate(rank=rank).order_by("rank", "id")[: Conf.BULK]
        )
        taken = []
        for row in candidates:
            # As django-q2's ORM broker: a row whose lock moved meanwhile was taken by another cluster.
            if self.get_connection().filter(id=row.id, lock=row.lock).update(lock=self.timeout(row)):
                taken.append((row.pk, row.payload))
        if taken:
            return taken
        if not candidates:
            time.sleep(Conf.POLL)  # an empty queue: spare the database until the next poll
        return None

    def queue_size(self) -> int:
        return int(self._lanes().filter(lock__lte=timezone.now()).count())

    def lock_size(self) -> int:
        return int(self._lanes().filter(lock__gt=timezone.now()).count())

    def purge_queue(self) -> Any:
        return self._lanes().delete()


class RedisWithReceipts(Redis):
    def __init__(self, list_key: str | None = None, *, priority: int = 0) -> None:
        super().__init__(list_key=list_key)
        self.taken_key = f"{self.list_key}:taken"
        self.until_key = f"{self.list_key}:until"
        self.lane_of_key = f"{self.list_key}:lane"  # hash receipt -> the lane list it was taken from
        self.priority = priority_clamp(priority)
        self._checked_at = 0.0

    def enqueue(self, task: Any) -> Any:
        return self.connection.rpush(lane_key(self.list_key, self.priority), task)

    def dequeue(self) -> list[tuple[str, Any]] | None:
        if time.monotonic() - self._checked_at >= EXPIRED_CHECK_SECONDS:
            self._checked_at = time.monotonic()
            self.requeue_expired()
        task = self.connection.blpop(lane_keys(self.list_key), 1)
        if not task:
            return None
        receipt = uuid.uuid4().hex
        pipe = self.connection.pipeline()
        pipe.hset(self.taken_key, receipt, task[1])
        pipe.hset(self.lane_of_key, receipt, task[0])
        pipe.zadd(self.until_key, {receipt: time.time() + Conf.RETRY})
        pipe.execute()
        return [(receipt, task[1])]

    def queue_size(self) -> int:
        return int(sum(self.connection.llen(key) for key in lane_keys(self.list_key)))

    def renew(self, receipt: str) -> None:
        """Keep a running task invisible for another `Q_RETRY` (only while it is still recorded as taken)."""
        self.connection.zadd(self.until_key, {receipt: time.time() + Conf.RETRY}, xx=True)

    def acknowledge(self, receipt: str) -> None:
        pipe = self.connection.pipeline()
        pipe.hdel(self.taken_key, receipt)
        pipe.hdel(self.lane_of_key, receipt)
        pipe.zrem(self.until_key, receipt)
        pipe.execute()

    def fail(self, receipt: str) -> None:
        self.acknowledge(receipt)

    def hand_back(self, receipt: str) -> bool:
        """Put a taken task back at the head of the list now (it was not run, or was cut short)."""
        if not self.connection.zrem(self.until_key, receipt):
            return False  # already handed back or acknowledged
        package = self.connection.hget(self.taken_key, receipt)
        lane = self.connection.hget(self.lane_of_key, receipt)
        if package is not None:
            self.connection.lpush(lane or self.list_key, package)
        self.connection.hdel(self.taken_key, receipt)
        self.connection.hdel(self.lane_of_key, receipt)
        return package is not None

    def requeue_expired(self) -> int:
        """Tasks whose holder stopped renewing them go back on the list; the first cluster to claim one wins."""
        expired = self.connection.zrangebyscore(self.until_key, 0, time.time())
        return sum(self.hand_back(receipt.decode() if isinstance(receipt, bytes) else receipt) for receipt in expired)

    def purge_queue(self) -> Any:
        self.connection.delete(self.taken_key, self.until_key, self.lane_of_key)
        self.connection.delete(*[key for key in lane_keys(self.list_key) if key != self.list_key])
        return super().purge_queue()
