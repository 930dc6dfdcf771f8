"""Recurring operations work, written to django-q2 by `manage.py setup_schedules` (common/schedules.py): the
system log purge, the backup every BACKUP_INTERVAL_MINUTES (removed again when that is set to 0), and one cron
schedule per active supplier feed with a schedule (`operations.feed.<id>`, rewritten whenever a feed is saved)."""

from django.conf import settings
from django_q.models import Schedule

from common.schedules import ScheduleSpec
from operations.models import Feed

BACKUP_SCHEDULE = "operations.backup"
FEED_SCHEDULE_PREFIX = "operations.feed."
PRUNED_PREFIXES = (BACKUP_SCHEDULE, FEED_SCHEDULE_PREFIX)
SCHEDULES = (
    ScheduleSpec("operations.system_log_purge", "operations.tasks.system_log_purge_task", Schedule.DAILY),
    # The daily e-mail digest of notifications (docs/operations.md#notifications).
    ScheduleSpec("operations.notifications_digest", "operations.tasks.notifications_digest_daily_task", Schedule.DAILY),
)


def schedule_specs() -> list[ScheduleSpec]:
    specs = list(SCHEDULES)
    if settings.BACKUP_INTERVAL_MINUTES > 0:
        specs.append(
            ScheduleSpec(
                BACKUP_SCHEDULE, "operations.tasks.backup_scheduled_task", minutes=settings.BACKUP_INTERVAL_MINUTES
            )
        )
    for feed_id, cron in Feed.objects.filter(is_active=True).exclude(schedule="").values_list("id", "schedule"):
        specs.append(
            ScheduleSpec(
                f"{FEED_SCHEDULE_PREFIX}{feed_id}",
                "operations.tasks.feed_run_scheduled_task",
                schedule_type=Schedule.CRON,
                args=f"({feed_id},)",
                cron=cron,
            )
        )
    return specs
