"""Re-enqueue the unfinished listings of push jobs that stopped making progress."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from syncing.services import sync_jobs_requeue_stuck
from syncing.services.maintenance import STUCK_AFTER_MINUTES


class Command(BaseCommand):
    help = "Requeue push jobs with no progress for --minutes (their queued work was lost)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--minutes", type=int, default=STUCK_AFTER_MINUTES)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["minutes"] < 1:
            raise CommandError("--minutes must be at least 1.")
        jobs = sync_jobs_requeue_stuck(stuck_after_minutes=options["minutes"])
        self.stdout.write(f"Requeued {len(jobs)} job(s){': ' + ', '.join(map(str, jobs)) if jobs else ''}.")
