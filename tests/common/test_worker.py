"""The worker side of restarts (common/worker.py): a running task keeps its queue row hidden, a stop hands back."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import OrmQ

from common import worker

pytestmark = pytest.mark.django_db(transaction=True)  # the renewal thread writes through its own connection


def _row(lock_in_seconds: float) -> OrmQ:
    return OrmQ.objects.create(
        key="listing-manager", payload="x", lock=timezone.now() + timedelta(seconds=lock_in_seconds)
    )


def test_a_running_task_keeps_its_row_hidden_until_it_finishes():
    row = _row(1)
    task = {"id": "t1", "ack_id": row.pk}
    worker.task_started(sender="django_q", task=task)
    try:
        deadline = time.monotonic() + 10
        while OrmQ.objects.get(pk=row.pk).lock < timezone.now() + timedelta(seconds=Conf.RETRY - 10):
            assert time.monotonic() < deadline, "the row was not renewed"
            time.sleep(0.05)
    finally:
        worker.task_finished(sender="django_q", task=task)
    assert worker._running == {}


def test_handed_back_rows_are_visible_at_once_and_others_untouched():
    taken, other = _row(30), _row(30)
    assert worker.task_rows_hand_back([taken.pk, 0]) == 1
    assert OrmQ.objects.get(pk=taken.pk).lock <= timezone.now()
    assert OrmQ.objects.get(pk=other.pk).lock > timezone.now()
    worker.task_hand_back({"ack_id": other.pk})
    assert OrmQ.objects.get(pk=other.pk).lock <= timezone.now()


def test_stop_requested_is_set_by_the_stop_signal():
    assert not worker.stop_requested()
    worker._ask_to_stop(worker.STOP_SIGNAL, None)
    try:
        assert worker.stop_requested()
    finally:
        worker._stopping.clear()
