"""Recurring sync work, written to django-q2 by `manage.py setup_schedules` (common/schedules.py): two static
jobs and two pulls per active channel, an incremental one every `pull_incremental_minutes` and a full reconcile
every `pull_interval_hours` (the pulls of deleted or paused channels are removed). docs/sync.md#pull-and-drift."""

from channels.models import Channel
from common.schedules import ScheduleSpec

PULL_PREFIX = "sync-pull-channel-"  # the full reconcile (kept name: existing schedules are updated in place)
INCREMENTAL_PREFIX = "sync-pull-incremental-channel-"
PRUNED_PREFIXES = (PULL_PREFIX, INCREMENTAL_PREFIX)

STATIC_SCHEDULES: tuple[ScheduleSpec, ...] = (
    ScheduleSpec("sync-retention-daily", "syncing.tasks.sync_events_summarise_task", minutes=24 * 60),
    ScheduleSpec("sync-requeue-stuck", "syncing.tasks.sync_jobs_requeue_stuck_task", minutes=10),
)

# Push on change (docs/sync.md): the safety sweep sends marks that no push picked up (a worker died).
AUTOPUSH_SCHEDULES = (ScheduleSpec("sync-autopush-sweep", "syncing.tasks.autopush_sweep_task", minutes=1),)
STATIC_SCHEDULES += AUTOPUSH_SCHEDULES


def schedule_specs() -> list[ScheduleSpec]:
    """Every schedule that should exist now: the static ones plus two pulls per active channel."""
    specs = list(STATIC_SCHEDULES)
    channels = Channel.objects.filter(is_active=True).only("pk", "pull_interval_hours", "pull_incremental_minutes")
    for channel in channels:
        specs.append(
            ScheduleSpec(
                f"{PULL_PREFIX}{channel.pk}",
                "syncing.tasks.channel_listings_pull_task",
                minutes=max(1, channel.pull_interval_hours) * 60,
                args=f"({channel.pk}, True)",
            )
        )
        specs.append(
            ScheduleSpec(
                f"{INCREMENTAL_PREFIX}{channel.pk}",
                "syncing.tasks.channel_listings_pull_task",
                minutes=max(1, channel.pull_incremental_minutes),
                args=f"({channel.pk}, False)",
            )
        )
    return specs
