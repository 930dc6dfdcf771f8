from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.services import audit_prune


class Command(BaseCommand):
    help = "Delete audit entries older than AUDIT_RETENTION_DAYS (or --days)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None)

    def handle(self, *args, **options):
        days = options["days"] or settings.AUDIT_RETENTION_DAYS
        deleted = audit_prune(days=days)
        self.stdout.write(f"deleted {deleted} audit entries older than {days} days")
