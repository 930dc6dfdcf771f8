"""Recurring work: every app declares its django-q2 schedules in its own `schedules` module, and
`manage.py setup_schedules` writes all of them (idempotent; run at every deploy and start).

An app's `schedules` module defines `schedule_specs() -> list[ScheduleSpec]` and, when some of its schedules come
and go with data (one pull per active channel), `PRUNED_PREFIXES`: schedules whose name starts with one of them
and that are no longer declared are deleted. Apps are found through the app registry, so `common` imports none.
"""

from dataclasses import dataclass
from importlib import import_module
from types import ModuleType

from django.apps import apps
from django.db import transaction
from django.utils.module_loading import module_has_submodule
from django_q.models import Schedule


@dataclass(frozen=True)
class ScheduleSpec:
    """One schedule as code wants it; `name` is the key it is found by in the database."""

    name: str
    func: str
    schedule_type: str = Schedule.MINUTES
    minutes: int | None = None
    args: str = "()"
    cron: str | None = None  # with schedule_type Schedule.CRON


def schedule_modules() -> list[ModuleType]:
    """The `schedules` modules of the installed apps that declare schedules, in INSTALLED_APPS order."""
    modules = []
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, "schedules"):
            module = import_module(f"{config.name}.schedules")
            if hasattr(module, "schedule_specs"):
                modules.append(module)
    return modules


def declared_schedules() -> tuple[list[ScheduleSpec], tuple[str, ...]]:
    """Every schedule the apps declare now, and the name prefixes whose undeclared schedules are removed."""
    specs: list[ScheduleSpec] = []
    prefixes: tuple[str, ...] = ()
    for module in schedule_modules():
        specs += module.schedule_specs()
        prefixes += tuple(getattr(module, "PRUNED_PREFIXES", ()))
    return specs, prefixes


@transaction.atomic
def schedules_sync() -> tuple[int, int, int]:
    """Create or update every declared schedule and delete the pruned ones no longer declared.

    Returns (created, updated, deleted). The next run of an existing schedule is kept, so running this at every
    deploy does not postpone or repeat work.
    """
    created = updated = deleted = 0
    wanted, prefixes = declared_schedules()
    for spec in wanted:
        fields = {"func": spec.func, "args": spec.args, "schedule_type": spec.schedule_type, "minutes": spec.minutes}
        if spec.cron is not None:
            fields["cron"] = spec.cron
        schedule, was_created = Schedule.objects.get_or_create(name=spec.name, defaults={**fields, "repeats": -1})
        if was_created:
            created += 1
        elif any(getattr(schedule, key) != value for key, value in fields.items()) or schedule.repeats != -1:
            for key, value in fields.items():
                setattr(schedule, key, value)
            schedule.repeats = -1
            schedule.save()
            updated += 1
    names = {spec.name for spec in wanted}
    for prefix in prefixes:
        deleted += Schedule.objects.filter(name__startswith=prefix).exclude(name__in=names).delete()[0]
    return created, updated, deleted
