from django.core.management.base import BaseCommand

from accounts.schedules import schedules_ensure


class Command(BaseCommand):
    help = "Create or update the accounts schedules (worker heartbeat every minute, daily audit pruning)."

    def handle(self, *args, **options):
        for name in schedules_ensure():
            self.stdout.write(f"schedule {name} ready")
