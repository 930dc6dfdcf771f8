"""Pricing schedules (common/schedules.py): the price history's compression and retention, once a day."""

from django_q.models import Schedule

from common.schedules import ScheduleSpec


def schedule_specs() -> list[ScheduleSpec]:
    return [
        ScheduleSpec(
            name="pricing.price_history_compress",
            func="pricing.history_tasks.price_history_compress_task",
            schedule_type=Schedule.DAILY,
        ),
    ]
