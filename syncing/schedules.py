"""Recurring sync work, written to django-q2 by `manage.py setup_schedules` (common/schedules.py): two static
jobs and one pull per active channel (the pulls of deleted or paused channels are removed)."""

from channels.models import Channel
from common.schedules import ScheduleSpec

PULL_PREFIX = "sync-pull-channel-"
PRUNED_PREFIXES = (PULL_PREFIX,)

STATIC_SCHEDULES = (
    ScheduleSpec("sync-retention-daily", "syncing.tasks.sync_events_summarise_task", minutes=24 * 60),
    ScheduleSpec("sync-requeue-stuck", "syncing.tasks.sync_jobs_requeue_stuck_task", minutes=10),
)


def schedule_specs() -> list[ScheduleSpec]:
    """Every schedule that should exist now: the static ones plus one pull per active channel."""
    specs = list(STATIC_SCHEDULES)
    for channel in Channel.objects.filter(is_active=True).only("pk", "pull_interval_hours"):
        specs.append(
            ScheduleSpec(
                f"{PULL_PREFIX}{channel.pk}",
                "syncing.tasks.channel_listings_pull_task",
                minutes=max(1, channel.pull_interval_hours) * 60,
                args=f"({channel.pk},)",
            )
        )
    return specs
