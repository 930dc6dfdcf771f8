"""Summarise old sync events into daily counts and delete them."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from syncing.services import sync_events_summarise
from syncing.services.maintenance import RETENTION_DAYS


class Command(BaseCommand):
    help = "Replace sync events older than --days with daily counts per channel, operation and outcome."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days", type=int, default=RETENTION_DAYS, help=f"Keep this many days (default {RETENTION_DAYS})."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["days"] < 1:
            raise CommandError("--days must be at least 1.")
        removed = sync_events_summarise(older_than_days=options["days"])
        self.stdout.write(f"Summarised and removed {removed} sync events older than {options['days']} days.")
