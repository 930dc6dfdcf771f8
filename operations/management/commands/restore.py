from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from common.errors import ApplicationError
from operations.choices import JobStatus, JobType
from operations.services.backups import backup_restore
from operations.services.jobs import job_create
from operations.services.runners import job_execute


class Command(BaseCommand):
    help = (
        "Replace the database with a backup file after a restore dry run (checksum, readable file, schema "
        "version). Stop the web server and workers first. --dry-run only checks."
    )

    def add_arguments(self, parser):
        parser.add_argument("backup", help="a file written by `manage.py backup` or a backup job")
        parser.add_argument("--dry-run", action="store_true", help="check the file and stop")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, **options):
        source = Path(options["backup"]).resolve()
        check = job_create(type=JobType.RESTORE_CHECK, parameters={"path": str(source)}, inline=True)
        check = job_execute(job_id=check.pk) or check
        for line in check.log_lines.order_by("id"):
            self.stdout.write(line.message)
        if check.status not in (JobStatus.SUCCEEDED, JobStatus.COMPLETED_WITH_WARNINGS):
            raise CommandError(f"restore refused ({check.public_id}): {check.error}")
        if options["dry_run"]:
            self.stdout.write(self.style.SUCCESS(f"dry run passed ({check.public_id}): {source} can be restored"))
            return
        if not options["yes"]:
            answer = input(f"Replace database {connection.settings_dict['NAME']} with {source}? Type 'yes': ")
            if answer.strip().lower() != "yes":
                raise CommandError("restore cancelled")
        try:
            backup_restore(path=source)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"database restored from {source}"))
