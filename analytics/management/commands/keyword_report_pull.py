"""`manage.py keyword_report_pull --channel ID --report search_terms|search_query_performance`: pull last week's
keyword report of one Amazon channel now, in the command's process (docs/analytics.md#keyword-reports-pull-now)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from analytics.services.keyword_reports import KEYWORD_REPORTS, keyword_report_pull
from channels.models import Channel
from common.errors import ApplicationError


class Command(BaseCommand):
    help = "Pull last week's Search Terms or Search Query Performance report of one Amazon channel into keywords."

    def add_arguments(self, parser):
        parser.add_argument("--channel", type=int, required=True)
        parser.add_argument("--report", required=True, choices=sorted(KEYWORD_REPORTS))

    def handle(self, *args, **options):
        channel = Channel.objects.filter(pk=options["channel"]).first()
        if channel is None:
            raise CommandError(f"No channel {options['channel']}.")
        try:
            result = keyword_report_pull(channel=channel, report=options["report"])
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
        except ApplicationError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{result.rows} rows: {result.created} keywords added, {result.updated} updated, "
            f"{result.unmatched} for none of our ASINs, {result.stale} older than stored"
        )
        for error in result.errors:
            self.stderr.write(error)
