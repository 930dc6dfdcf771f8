"""Recurring work, declared in code and written to django-q2 by `manage.py setup_schedules` (idempotent)."""

from dataclasses import dataclass

from django.db import transaction
from django_q.models import Schedule

from channels.models import Channel

PULL_PREFIX = "sync-pull-channel-"


@dataclass(frozen=True)
class ScheduleSpec:
    name: str
    func: str
    minutes: int
    args: str = "()"


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


@transaction.atomic
def schedules_sync() -> tuple[int, int, int]:
    """Create or update every declared schedule and drop pulls of channels that are gone or paused.

    Returns (created, updated, deleted). The next run of an existing schedule is kept, so running this at every
    deploy does not postpone or repeat work.
    """
    created = updated = 0
    wanted = schedule_specs()
    for spec in wanted:
        schedule, was_created = Schedule.objects.get_or_create(
            name=spec.name,
            defaults={
                "func": spec.func,
                "args": spec.args,
                "schedule_type": Schedule.MINUTES,
                "minutes": spec.minutes,
                "repeats": -1,
            },
        )
        if was_created:
            created += 1
            continue
        if (schedule.func, schedule.args, schedule.minutes, schedule.schedule_type) != (
            spec.func,
            spec.args,
            spec.minutes,
            Schedule.MINUTES,
        ):
            schedule.func, schedule.args, schedule.minutes = spec.func, spec.args, spec.minutes
            schedule.schedule_type, schedule.repeats = Schedule.MINUTES, -1
            schedule.save()
            updated += 1
    names = {spec.name for spec in wanted}
    deleted, _ = Schedule.objects.filter(name__startswith=PULL_PREFIX).exclude(name__in=names).delete()
    return created, updated, deleted
