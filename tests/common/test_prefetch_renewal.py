"""A task taken ahead by the cluster and waiting for a free worker longer than `Q_RETRY` runs once (common/cluster.py).

A real `manage.py worker` cluster with one worker and `Q_RETRY` 2 s: a long task holds the worker while a second
one waits in the cluster's local queue for four times `Q_RETRY`. Each task run appends its name to a file; both must
be there exactly once. On a copy of a migrated SQLite file, or a database on the PostgreSQL server of DATABASE_URL,
with the ORM broker and with Redis (common/brokers.py).
"""

import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django_q.queues import Queue

from common.cluster import WaitingTasks
from tests.syncing.engine.test_reliability import ROOT

RETRY_SECONDS = 2
LONG_TASK_SECONDS = 4 * RETRY_SECONDS


def record_run(path: str, name: str, seconds: float) -> None:
    """The task: note that it ran, then hold the worker."""
    with open(path, "a") as runs:
        runs.write(f"{name}\n")
    time.sleep(seconds)


@pytest.fixture
def cluster(one_worker):
    one_worker.env["Q_RETRY"] = str(RETRY_SECONDS)
    return one_worker


@pytest.mark.slow
def test_a_task_waiting_for_a_busy_worker_past_q_retry_runs_once(cluster, tmp_path):
    # given a long task and a short one queued behind it, and a cluster of one worker
    runs = tmp_path / "runs.txt"
    func = f"{__name__}.record_run"
    enqueue = (
        "from django_q.tasks import async_task\n"
        f"async_task({func!r}, {str(runs)!r}, 'long', {LONG_TASK_SECONDS})\n"
        f"async_task({func!r}, {str(runs)!r}, 'short', 0)\n"
    )
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", enqueue], cwd=ROOT, env=cluster.env, check=True, timeout=120
    )
    # when the cluster takes the short task ahead while the long one runs for 4 x Q_RETRY
    cluster.start()
    cluster.wait_for(lambda: "short" in _runs(runs), 90, "the short task")
    time.sleep(2 * RETRY_SECONDS)  # a second delivery would sit right behind the first
    cluster.terminate()
    # then each task ran exactly once
    assert _runs(runs) == Counter({"long": 1, "short": 1}), cluster.log_tail()


def _runs(path: Path) -> Counter:
    return Counter(path.read_text().split()) if path.exists() else Counter()


def test_the_tasks_still_in_the_local_queue_are_the_last_ones_put():
    queue = Queue()
    waiting = WaitingTasks(queue)
    for ack_id in (1, 2, 3):
        waiting.put({"ack_id": ack_id})
    assert waiting.ack_ids() == [1, 2, 3]
    assert queue.get(timeout=5)["ack_id"] == 1  # a worker takes the first one
    assert waiting.ack_ids() == [2, 3]
    queue.get(timeout=5)
    queue.get(timeout=5)
    assert waiting.ack_ids() == []
