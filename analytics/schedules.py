"""Analytics schedules (common/schedules.py): today every ANALYTICS_REFRESH_MINUTES, yesterday once a day; stale
listing scores every SCORES_SWEEP_MINUTES, every score once a night."""

from django.conf import settings
from django_q.models import Schedule

from common.schedules import ScheduleSpec

# Earlier versions had one weekly schedule per keyword report, due at the same moment; now that a scheduled pull is
# recorded and a channel holds one at a time, one schedule runs both and `setup_schedules` deletes the old two.
PRUNED_PREFIXES = ("analytics.keywords_",)


def schedule_specs() -> list[ScheduleSpec]:
    return [
        ScheduleSpec(
            name="analytics.daily_stats_refresh",
            func="analytics.tasks.channel_daily_stats_refresh_task",
            minutes=int(settings.ANALYTICS_REFRESH_MINUTES),
        ),
        ScheduleSpec(
            name="analytics.daily_stats_nightly",
            func="analytics.tasks.channel_daily_stats_nightly_task",
            schedule_type=Schedule.DAILY,
        ),
        ScheduleSpec(  # docs/analytics.md#performance-metrics
            name="analytics.performance_pull",
            func="analytics.tasks.performance_pull_recent_task",
            schedule_type=Schedule.DAILY,
        ),
        ScheduleSpec(  # docs/analytics.md#keywords
            name="analytics.keywords_weekly",
            func="analytics.tasks.keywords_weekly_task",
            schedule_type=Schedule.WEEKLY,
        ),
        ScheduleSpec(  # docs/analytics.md#attribution
            name="analytics.attribution_nightly",
            func="analytics.tasks.attribution_nightly_task",
            schedule_type=Schedule.DAILY,
        ),
        ScheduleSpec(
            name="analytics.scores_stale_sweep",
            func="analytics.tasks.scores_recompute_stale_task",
            minutes=int(settings.SCORES_SWEEP_MINUTES),
        ),
        ScheduleSpec(
            name="analytics.scores_nightly",
            func="analytics.tasks.scores_nightly_task",
            schedule_type=Schedule.DAILY,
        ),
    ]
