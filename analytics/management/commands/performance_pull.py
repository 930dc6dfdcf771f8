"""`manage.py performance_pull --channel ID --from YYYY-MM-DD --to YYYY-MM-DD`: pull one channel's daily
performance metrics now, e.g. to backfill (docs/analytics.md#pulling)."""

from datetime import date

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from analytics.services.performance import performance_pull
from channels.models import Channel
from common.errors import ApplicationError


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{text!r} is not a date YYYY-MM-DD.") from None


class Command(BaseCommand):
    help = "Pull the daily performance metrics of one channel for the days --from..--to (at most 31)."

    def add_arguments(self, parser):
        parser.add_argument("--channel", type=int, required=True)
        parser.add_argument("--from", dest="start", required=True)
        parser.add_argument("--to", dest="end", required=True)

    def handle(self, *args, **options):
        channel = Channel.objects.filter(pk=options["channel"]).first()
        if channel is None:
            raise CommandError(f"No channel {options['channel']}.")
        try:
            pull = performance_pull(channel=channel, start=_date(options["start"]), end=_date(options["end"]))
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
        except ApplicationError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{pull.rows} rows ({pull.source}); days with data {len(pull.days_with_data)}, missing "
            f"{len(pull.days_missing)}, pending {len(pull.days_pending)}"
        )
        for error in pull.errors:
            self.stderr.write(error)
