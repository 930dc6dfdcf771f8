from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from operations.choices import JobStatus
from operations.services.backups import backup_run_now


class Command(BaseCommand):
    help = (
        "Back up the database now, recorded as a job with its SHA-256 and schema version (SQLite online backup; "
        "pg_dump on PostgreSQL). Old backups in BACKUP_DIR beyond BACKUP_KEEP are removed."
    )

    def add_arguments(self, parser):
        parser.add_argument("output", nargs="?", help="target file (default BACKUP_DIR/db-<UTC time>.sqlite3|dump)")

    def handle(self, *args, **options):
        job = backup_run_now(path=Path(options["output"]) if options["output"] else None)
        for line in job.log_lines.order_by("id"):
            self.stdout.write(line.message)
        if job.status != JobStatus.SUCCEEDED:
            raise CommandError(f"{job.public_id} {job.get_status_display().lower()}: {job.error}")
        self.stdout.write(
            self.style.SUCCESS(f"backup written to {job.result['path']} ({job.result['size_bytes']} bytes)")
        )
