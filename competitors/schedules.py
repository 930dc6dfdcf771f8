"""The competitors app's schedules (common/schedules.py): every active competitor observed on a schedule."""

from django.conf import settings
from django_q.models import Schedule

from common.schedules import ScheduleSpec


def schedule_specs() -> list[ScheduleSpec]:
    return [
        ScheduleSpec(
            name="competitors.observe",
            func="competitors.tasks.competitors_observe_task",
            schedule_type=Schedule.MINUTES,
            minutes=max(1, int(settings.COMPETITORS_OBSERVE_MINUTES)),
        )
    ]
