import pytest
from django_q.models import Schedule

from accounts.schedules import schedules_ensure

pytestmark = pytest.mark.django_db


def test_schedules_are_created_idempotently():
    schedules_ensure()
    schedules_ensure()
    assert set(Schedule.objects.values_list("name", "func")) == {
        ("accounts.worker_heartbeat", "accounts.tasks.worker_heartbeat_task"),
        ("accounts.audit_prune", "accounts.tasks.audit_prune_task"),
    }
