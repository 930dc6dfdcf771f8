"""Recurring operations work, written to django-q2 by `manage.py setup_schedules` (common/schedules.py)."""

from django_q.models import Schedule

from common.schedules import ScheduleSpec

SCHEDULES = (ScheduleSpec("operations.system_log_purge", "operations.tasks.system_log_purge_task", Schedule.DAILY),)


def schedule_specs() -> list[ScheduleSpec]:
    return list(SCHEDULES)
