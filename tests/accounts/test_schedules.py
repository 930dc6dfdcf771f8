import pytest
from django.core.management import call_command
from django_q.models import Schedule

pytestmark = pytest.mark.django_db


def test_schedules_are_created_idempotently():
    call_command("setup_schedules")
    call_command("setup_schedules")
    assert set(Schedule.objects.filter(name__startswith="accounts.").values_list("name", "func")) == {
        ("accounts.worker_heartbeat", "accounts.tasks.worker_heartbeat_task"),
        ("accounts.audit_prune", "accounts.tasks.audit_prune_task"),
    }
