"""Recurring work of the accounts app, written to django-q2 by `manage.py setup_schedules` (common/schedules.py).

Migration 0003 also creates these two, so /healthz has its heartbeat right after `migrate`; this module is the
source they are kept in line with.
"""

from django_q.models import Schedule

from common.schedules import ScheduleSpec

SCHEDULES = (
    ScheduleSpec("accounts.worker_heartbeat", "accounts.tasks.worker_heartbeat_task", minutes=1),
    ScheduleSpec("accounts.audit_prune", "accounts.tasks.audit_prune_task", schedule_type=Schedule.DAILY),
)


def schedule_specs() -> list[ScheduleSpec]:
    return list(SCHEDULES)
