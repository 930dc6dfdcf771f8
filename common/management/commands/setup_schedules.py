"""Create or update the schedules every app declares in its `schedules` module (see common/schedules.py)."""

from typing import Any

from django.core.management.base import BaseCommand

from common.schedules import schedules_sync


class Command(BaseCommand):
    help = "Create or update the django-q2 schedules declared by every app (idempotent; run at every deploy/start)."

    def handle(self, *args: Any, **options: Any) -> None:
        created, updated, deleted = schedules_sync()
        self.stdout.write(f"Schedules: {created} created, {updated} updated, {deleted} removed.")
