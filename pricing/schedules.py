"""Pricing schedules (common/schedules.py), once a day: the price history's compression and retention; Amazon fee
estimates refreshed where prices moved; every listing's stored margin recomputed."""

from django_q.models import Schedule

from common.schedules import ScheduleSpec


def schedule_specs() -> list[ScheduleSpec]:
    return [
        ScheduleSpec(
            name="pricing.price_history_compress",
            func="pricing.history_tasks.price_history_compress_task",
            schedule_type=Schedule.DAILY,
        ),
        ScheduleSpec(  # docs/pricing.md#amazon-fee-estimates
            name="pricing.fee_estimates_nightly",
            func="pricing.history_tasks.fee_estimates_nightly_task",
            schedule_type=Schedule.DAILY,
        ),
        ScheduleSpec(  # docs/pricing.md#stored-margins
            name="pricing.listing_margins_nightly",
            func="pricing.history_tasks.listing_margins_nightly_task",
            schedule_type=Schedule.DAILY,
        ),
    ]
