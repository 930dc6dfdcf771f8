"""Create or update the sync schedules declared in syncing/schedules.py (run at every deploy/start)."""

from typing import Any

from django.core.management.base import BaseCommand

from syncing.schedules import schedules_sync


class Command(BaseCommand):
    help = "Create or update the django-q2 schedules declared in code (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        created, updated, deleted = schedules_sync()
        self.stdout.write(f"Schedules: {created} created, {updated} updated, {deleted} removed.")
