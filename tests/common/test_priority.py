"""Priority lanes of the task queue (common/brokers.py, docs/operations.md#job-priority): the broker the settings
configure takes the highest priority first and keeps first-in-first-out within a priority, on the ORM queue and
on Redis."""

import subprocess
import sys
from datetime import timedelta

import pytest
import redis
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.models import OrmQ

from common.brokers import PRIORITY_MAX, PRIORITY_MIN, PriorityORM, RedisWithReceipts, lane_key, lane_keys
from common.enqueue import enqueue
from tests.syncing.engine.test_reliability import REDIS_SERVER, ROOT


def _noop(*args):  # a task that is only queued here, never run
    return args


def _take_all(broker) -> list:
    taken = []
    while True:
        batch = broker.dequeue()
        if not batch:
            return taken
        taken += [payload for _, payload in batch]


def test_lane_keys_run_from_the_highest_priority_and_clamp():
    assert lane_key("q", 0) == "q"
    assert lane_key("q", 3) == "q@3"
    assert lane_key("q", 99) == f"q@{PRIORITY_MAX}"
    assert lane_key("q", -99) == f"q@{PRIORITY_MIN}"
    keys = lane_keys("q")
    assert keys[0] == f"q@{PRIORITY_MAX}"
    assert keys[-1] == f"q@{PRIORITY_MIN}"
    assert keys.index("q@1") < keys.index("q") < keys.index("q@-1")
    assert len(keys) == PRIORITY_MAX - PRIORITY_MIN + 1


@pytest.mark.django_db
def test_the_configured_orm_broker_takes_the_highest_priority_first(monkeypatch):
    monkeypatch.setattr(Conf, "POLL", 0.01)
    broker = get_broker()
    assert isinstance(broker, PriorityORM)  # settings.Q_CLUSTER["broker_class"] on the ORM broker
    for name, priority in [("low", -1), ("normal-1", 0), ("high", 3), ("normal-2", 0), ("top", 9), ("mid", 1)]:
        PriorityORM(broker.list_key, priority=priority).enqueue(name)
    assert broker.queue_size() == 6
    assert _take_all(broker) == ["top", "high", "mid", "normal-1", "normal-2", "low"]
    assert broker.queue_size() == 0
    assert broker.lock_size() == 6  # taken, invisible for Q_RETRY until acknowledged


@pytest.mark.django_db
def test_a_delayed_high_priority_task_waits_for_its_time(monkeypatch):
    monkeypatch.setattr(Conf, "POLL", 0.01)
    broker = get_broker()
    PriorityORM(broker.list_key, priority=5, delay=60).enqueue("later")
    PriorityORM(broker.list_key).enqueue("now")
    assert _take_all(broker) == ["now"]
    OrmQ.objects.filter(key=lane_key(broker.list_key, 5)).update(lock=timezone.now() - timedelta(seconds=1))
    assert _take_all(broker) == ["later"]


@pytest.mark.django_db
def test_rows_queued_before_lanes_existed_are_still_taken_and_purged(monkeypatch):
    monkeypatch.setattr(Conf, "POLL", 0.01)
    broker = get_broker()
    OrmQ.objects.create(key=broker.list_key, payload="old", lock=timezone.now() - timedelta(seconds=5))
    OrmQ.objects.create(key="another-cluster", payload="theirs", lock=timezone.now() - timedelta(seconds=5))
    PriorityORM(broker.list_key, priority=-2).enqueue("low")
    assert broker.queue_size() == 2  # the other cluster's row is not ours
    broker.purge_queue()
    assert list(OrmQ.objects.values_list("payload", flat=True)) == ["theirs"]


@pytest.mark.django_db
def test_enqueue_writes_the_task_into_its_priority_lane():
    enqueue(_noop, 1, priority=2)
    enqueue(_noop, 2)
    enqueue(_noop, 3, priority=-4, delay=30)
    rows = list(OrmQ.objects.order_by("id").values_list("key", "lock"))
    name = Conf.CLUSTER_NAME
    assert [key for key, _ in rows] == [f"{name}@2", name, f"{name}@-4"]
    assert rows[2][1] > timezone.now() + timedelta(seconds=25)  # the delay still holds in a lane


@pytest.fixture
def redis_broker(monkeypatch, worker_id):
    index = int(worker_id[2:]) if worker_id.startswith("gw") else 0
    url = f"{REDIS_SERVER}/{8 - index}"  # databases the reliability tests (10 and up) do not use
    monkeypatch.setattr(Conf, "REDIS", url)
    client = redis.from_url(url)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_SERVER}")
    client.flushdb()
    yield RedisWithReceipts(list_key="priority-test")
    client.flushdb()


def test_redis_takes_the_highest_lane_first_and_hands_back_into_the_same_lane(redis_broker):
    name = "priority-test"
    for package, priority in [("normal", 0), ("low", -3), ("high", 2), ("normal-2", 0)]:
        RedisWithReceipts(list_key=name, priority=priority).enqueue(package)
    assert redis_broker.queue_size() == 4
    first = redis_broker.dequeue()
    assert first[0][1] == b"high"
    assert redis_broker.hand_back(first[0][0]) is True  # back at the head of its own lane, not of the normal one
    taken = []
    while (batch := redis_broker.dequeue()) is not None:
        taken.append(batch[0][1])
        redis_broker.acknowledge(batch[0][0])
    assert taken == [b"high", b"normal", b"normal-2", b"low"]
    assert redis_broker.connection.hlen(redis_broker.lane_of_key) == 0


def test_redis_purge_empties_every_lane(redis_broker):
    RedisWithReceipts(list_key="priority-test", priority=4).enqueue("a")
    redis_broker.enqueue("b")
    redis_broker.purge_queue()
    assert redis_broker.queue_size() == 0


# --- a real cluster of one worker ---


def record_run(path: str, name: str) -> None:
    """The task: note that it ran."""
    with open(path, "a") as runs:
        runs.write(f"{name}\n")


@pytest.mark.slow
def test_a_real_worker_runs_waiting_tasks_highest_priority_first(one_worker, tmp_path):
    # given four tasks queued through common.enqueue before any worker runs, the urgent one last
    runs = tmp_path / "runs.txt"
    queue = "\n".join(
        f"enqueue(record_run, {str(runs)!r}, {name!r}, priority={priority})"
        for name, priority in [("normal-a", 0), ("low", -1), ("normal-b", 0), ("urgent", 2)]
    )
    script = f"from common.enqueue import enqueue\nfrom {__name__} import record_run\n{queue}\n"
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script], cwd=ROOT, env=one_worker.env, check=True, timeout=120
    )
    # when a cluster of one worker starts
    one_worker.start()
    one_worker.wait_for(lambda: runs.exists() and len(runs.read_text().split()) == 4, 90, "the four tasks")
    one_worker.terminate()
    # then the urgent task ran first and the low one last, the normal ones in the order queued
    assert runs.read_text().split() == ["urgent", "normal-a", "normal-b", "low"], one_worker.log_tail()
