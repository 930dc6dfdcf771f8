from django.core.management.base import BaseCommand

from operations.demo import seed_demo_feed


class Command(BaseCommand):
    help = "Create the demo supplier feed (an Etilize-style CSV as an upload feed); idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--run", action="store_true", help="Also run it now, in this process.")

    def handle(self, *args, **options):
        feed, created = seed_demo_feed()
        self.stdout.write(f"demo feed: {feed.name} ({'created' if created else 'existing'})")
        if options["run"]:
            from operations.services.feeds import feed_run_start
            from operations.services.runners import job_execute

            job = job_execute(job_id=feed_run_start(feed=feed, inline=True).pk)
            if job is not None:
                self.stdout.write(
                    f"{job.public_id} {job.status}: read={job.read_count} written={job.write_count} "
                    f"skipped={job.skip_count} warnings={job.warning_count}"
                )
