"""django-q2's Redis broker with the ORM broker's receipts (docs/sync.md, "Stopping and restarting workers").

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
from typing import Any

from django_q.brokers.redis_broker import Redis
from django_q.conf import Conf

EXPIRED_CHECK_SECONDS = 1.0  # how often a pusher looks for tasks of dead clusters


class RedisWithReceipts(Redis):
    def __init__(self, list_key: str | None = None) -> None:
        super().__init__(list_key=list_key)
        self.taken_key = f"{self.list_key}:taken"
        self.until_key = f"{self.list_key}:until"
        self._checked_at = 0.0

    def dequeue(self) -> list[tuple[str, Any]] | None:
        if time.monotonic() - self._checked_at >= EXPIRED_CHECK_SECONDS:
            self._checked_at = time.monotonic()
            self.requeue_expired()
        task = self.connection.blpop(self.list_key, 1)
        if not task:
            return None
        receipt = uuid.uuid4().hex
        pipe = self.connection.pipeline()
        pipe.hset(self.taken_key, receipt, task[1])
        pipe.zadd(self.until_key, {receipt: time.time() + Conf.RETRY})
        pipe.execute()
        return [(receipt, task[1])]

    def renew(self, receipt: str) -> None:
        """Keep a running task invisible for another `Q_RETRY` (only while it is still recorded as taken)."""
        self.connection.zadd(self.until_key, {receipt: time.time() + Conf.RETRY}, xx=True)

    def acknowledge(self, receipt: str) -> None:
        pipe = self.connection.pipeline()
        pipe.hdel(self.taken_key, receipt)
        pipe.zrem(self.until_key, receipt)
        pipe.execute()

    def fail(self, receipt: str) -> None:
        self.acknowledge(receipt)

    def hand_back(self, receipt: str) -> bool:
        """Put a taken task back at the head of the list now (it was not run, or was cut short)."""
        if not self.connection.zrem(self.until_key, receipt):
            return False  # already handed back or acknowledged
        package = self.connection.hget(self.taken_key, receipt)
        if package is not None:
            self.connection.lpush(self.list_key, package)
        self.connection.hdel(self.taken_key, receipt)
        return package is not None

    def requeue_expired(self) -> int:
        """Tasks whose holder stopped renewing them go back on the list; the first cluster to claim one wins."""
        expired = self.connection.zrangebyscore(self.until_key, 0, time.time())
        return sum(self.hand_back(receipt.decode() if isinstance(receipt, bytes) else receipt) for receipt in expired)

    def purge_queue(self) -> Any:
        self.connection.delete(self.taken_key, self.until_key)
        return super().purge_queue()
