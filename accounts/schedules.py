"""Recurring django-q2 schedules of the accounts app; created by `manage.py accounts_schedules`
(and by the project's setup_schedules command when it exists, which should call `schedules_ensure`)."""

from django_q.models import Schedule

SCHEDULES = {
    "accounts.worker_heartbeat": {
        "func": "accounts.tasks.worker_heartbeat_task",
        "schedule_type": Schedule.MINUTES,
        "minutes": 1,
    },
    "accounts.audit_prune": {"func": "accounts.tasks.audit_prune_task", "schedule_type": Schedule.DAILY},
}


def schedules_ensure() -> list[str]:
    """Create or update the schedules by name (idempotent); returns their names."""
    for name, options in SCHEDULES.items():
        Schedule.objects.update_or_create(name=name, defaults={**options, "repeats": -1})
    return list(SCHEDULES)
