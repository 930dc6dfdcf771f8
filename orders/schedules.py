"""The daily customer housekeeping (common/schedules.py)."""

from django_q.models import Schedule

from common.schedules import ScheduleSpec


def schedule_specs() -> list[ScheduleSpec]:
    daily = ScheduleSpec(
        name="orders.customers_daily", func="orders.tasks.customers_daily_task", schedule_type=Schedule.DAILY
    )
    return [daily]
