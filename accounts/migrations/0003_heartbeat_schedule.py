"""Create the worker-heartbeat and audit-pruning schedules so /healthz works after any `migrate`
(`manage.py setup_schedules` re-applies them from accounts/schedules.py)."""

from django.db import migrations

SCHEDULES = {
    "accounts.worker_heartbeat": {"func": "accounts.tasks.worker_heartbeat_task", "schedule_type": "I", "minutes": 1},
    "accounts.audit_prune": {"func": "accounts.tasks.audit_prune_task", "schedule_type": "D"},
}


def create_schedules(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    for name, options in SCHEDULES.items():
        Schedule.objects.update_or_create(name=name, defaults={**options, "repeats": -1})


def remove_schedules(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name__in=SCHEDULES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_role_groups"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
