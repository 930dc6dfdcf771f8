"""django-q2's Redis broker with receipts (common/brokers.py) against the real Redis, on a database of its own."""

import os
import time

import pytest
import redis
from django_q.conf import Conf

from common.brokers import RedisWithReceipts

REDIS_DB_URL = os.environ.get("LM_TEST_REDIS", "redis://127.0.0.1:6379") + "/9"


@pytest.fixture
def broker(monkeypatch):
    monkeypatch.setattr(Conf, "REDIS", REDIS_DB_URL)
    client = redis.from_url(REDIS_DB_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis")
    client.flushdb()
    yield RedisWithReceipts(list_key="restart-test")
    client.flushdb()


def test_a_taken_task_is_remembered_until_acknowledged(broker):
    broker.enqueue("package-1")
    ((receipt, package),) = broker.dequeue()
    assert package == b"package-1"
    assert broker.connection.zcard(broker.until_key) == 1
    assert broker.requeue_expired() == 0  # its holder has Q_RETRY seconds
    broker.acknowledge(receipt)
    assert broker.connection.zcard(broker.until_key) == 0
    assert broker.connection.hlen(broker.taken_key) == 0
    assert broker.queue_size() == 0


def test_a_handed_back_task_goes_first_and_only_once(broker):
    broker.enqueue("a")
    broker.enqueue("b")
    ((receipt, _),) = broker.dequeue()
    assert broker.hand_back(receipt) is True
    assert broker.hand_back(receipt) is False
    assert broker.connection.lrange(broker.list_key, 0, -1) == [b"a", b"b"]


def test_a_dead_holders_task_comes_back_and_a_live_one_is_renewed(broker, monkeypatch):
    broker.enqueue("dead")
    broker.enqueue("alive")
    monkeypatch.setattr(Conf, "RETRY", 0.2)
    ((dead, _),) = broker.dequeue()
    ((alive, _),) = broker.dequeue()
    monkeypatch.setattr(Conf, "RETRY", 30)
    broker.renew(alive)
    time.sleep(0.3)
    assert broker.requeue_expired() == 1
    assert broker.connection.lrange(broker.list_key, 0, -1) == [b"dead"]
    broker.acknowledge(alive)
    broker.renew(alive)  # a late renewal does not bring an acknowledged task back
    assert broker.connection.zcard(broker.until_key) == 0
