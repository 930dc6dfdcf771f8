"""Recurring operations work, written to django-q2 by `manage.py setup_schedules` (common/schedules.py): the
system log purge, and the backup every BACKUP_INTERVAL_MINUTES (removed again when that is set to 0)."""

from django.conf import settings
from django_q.models import Schedule

from common.schedules import ScheduleSpec

BACKUP_SCHEDULE = "operations.backup"
PRUNED_PREFIXES = (BACKUP_SCHEDULE,)
SCHEDULES = (ScheduleSpec("operations.system_log_purge", "operations.tasks.system_log_purge_task", Schedule.DAILY),)


def schedule_specs() -> list[ScheduleSpec]:
    specs = list(SCHEDULES)
    if settings.BACKUP_INTERVAL_MINUTES > 0:
        specs.append(
            ScheduleSpec(
                BACKUP_SCHEDULE, "operations.tasks.backup_scheduled_task", minutes=settings.BACKUP_INTERVAL_MINUTES
            )
        )
    return specs
