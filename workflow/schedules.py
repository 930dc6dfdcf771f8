"""Workflow schedules (common/schedules.py): threshold rules every RULES_SWEEP_MINUTES, time-based rules checked
every minute against their cron expressions, the evaluation log purged daily (docs/automation.md)."""

from django.conf import settings
from django_q.models import Schedule

from common.schedules import ScheduleSpec


def schedule_specs() -> list[ScheduleSpec]:
    return [
        ScheduleSpec(
            name="workflow.rules_threshold_sweep",
            func="workflow.tasks.rules_threshold_sweep_task",
            minutes=int(settings.RULES_SWEEP_MINUTES),
        ),
        ScheduleSpec(name="workflow.rules_cron_tick", func="workflow.tasks.rules_cron_tick_task", minutes=1),
        ScheduleSpec(
            name="workflow.rule_evaluations_purge",
            func="workflow.tasks.rule_evaluations_purge_task",
            schedule_type=Schedule.DAILY,
        ),
    ]
