from django.core.management.base import BaseCommand, CommandError

from operations.choices import JobStatus, JobType
from operations.services.jobs import job_create
from operations.services.runners import job_execute


class Command(BaseCommand):
    help = "VACUUM and/or ANALYZE the database now (both when neither flag is given), recorded as a job."

    def add_arguments(self, parser):
        parser.add_argument("--vacuum", action="store_true")
        parser.add_argument("--analyze", action="store_true")

    def handle(self, *args, **options):
        vacuum, analyze = options["vacuum"], options["analyze"]
        if not (vacuum or analyze):
            vacuum = analyze = True
        queued = job_create(type=JobType.MAINTENANCE, parameters={"vacuum": vacuum, "analyze": analyze}, inline=True)
        job = job_execute(job_id=queued.pk)
        if job is None:
            raise CommandError(f"{queued.public_id} was taken by another process")
        for line in job.log_lines.order_by("id"):
            self.stdout.write(line.message)
        if job.status != JobStatus.SUCCEEDED:
            raise CommandError(f"{job.public_id} {job.get_status_display().lower()}: {job.error}")
        self.stdout.write(self.style.SUCCESS(f"{job.public_id} succeeded in {job.result.get('seconds')} s"))
