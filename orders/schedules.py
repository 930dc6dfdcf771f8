"""The orders app's schedules (common/schedules.py): daily customer housekeeping and the order pull safety net."""

from django.conf import settings
from django_q.models import Schedule

from common.schedules import ScheduleSpec


def schedule_specs() -> list[ScheduleSpec]:
    daily = ScheduleSpec(
        name="orders.customers_daily", func="orders.tasks.customers_daily_task", schedule_type=Schedule.DAILY
    )
    pull = ScheduleSpec(
        name="orders.orders_pull",
        func="orders.tasks.orders_pull_due_task",
        schedule_type=Schedule.MINUTES,
        minutes=max(1, int(settings.ORDERS_PULL_INTERVAL_MINUTES)),
    )
    return [daily, pull]
