"""Concurrent moves on PostgreSQL: task_move's column locks keep positions dense (docs/workflow.md#moving-cards)."""

import threading

import pytest
from django.db import connection, connections

from workflow import services
from workflow.models import Task

from .conftest import ensure_default_stages

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def test_concurrent_moves_keep_positions_dense():
    # given six tasks in Backlog
    stages = ensure_default_stages()
    tasks = [services.task_create(title=f"T{n}", stage=stages["Backlog"]) for n in range(6)]
    errors = []

    def move(task, stage):
        try:
            services.task_move(task=Task.objects.get(pk=task.pk), stage=stage, position=0)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    # when they are moved to two stages at the same time
    targets = [stages["Review"], stages["In Progress"]]
    threads = [threading.Thread(target=move, args=(task, targets[n % 2])) for n, task in enumerate(tasks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then every move landed and each column is numbered 0..n-1 without gaps or repeats
    assert errors == []
    for stage in targets:
        positions = sorted(Task.objects.filter(stage=stage).values_list("position", flat=True))
        assert positions == [0, 1, 2]
    assert not Task.objects.filter(stage=stages["Backlog"]).exists()
