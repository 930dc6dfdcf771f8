"""Import a product spreadsheet synchronously, with the same service as the upload page."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from catalog.importing.services import import_file
from catalog.models import ImportBatchStatus, ImportErrorPolicy

EXIT_OK, EXIT_ROWS_FAILED, EXIT_REFUSED = 0, 1, 2


class Command(BaseCommand):
    help = "Import products from an .xlsx, .csv or .ods file. Exit 0: no row failed, 1: rows failed, 2: refused."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="Check and count, write nothing.")
        parser.add_argument(
            "--on-error",
            choices=ImportErrorPolicy.values,
            default=ImportErrorPolicy.REJECT_ALL,
            help="reject-all (default): nothing is imported if any row fails; skip-rows: import the valid rows.",
        )
        parser.add_argument("--user", help="Username recorded as the author of the changes.")

    def handle(self, *args, **options):
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                self._refuse(f"No user named '{options['user']}'.")
        try:
            batch = import_file(
                path=options["file"], on_error=options["on_error"], dry_run=options["dry_run"], user=user
            )
        except (FileNotFoundError, IsADirectoryError):
            self._refuse(f"File not found: {options['file']}")
        for error in batch.first_errors:
            self.stderr.write(f"row {error['row']} {error['column']} ({error['value']!r}): {error['message']}")
        if batch.error_count > len(batch.first_errors):
            self.stderr.write(f"... {batch.error_count - len(batch.first_errors)} more error(s) in batch #{batch.pk}")
        for column in batch.unknown_columns:
            self.stderr.write(f"unknown column ignored: {column}")
        if batch.message and batch.status != ImportBatchStatus.REFUSED:
            self.stderr.write(batch.message)
        if batch.status == ImportBatchStatus.REFUSED:
            self._refuse(f"Refused: {batch.message}")
        written = batch.status == ImportBatchStatus.COMMITTED
        self.stdout.write(
            f"batch #{batch.pk} {'imported' if written else 'checked, nothing written'}"
            f" ({batch.total_rows} rows, {batch.rows_per_second:.0f} rows/s)"
        )
        self.stdout.write(
            f"created={batch.created_count} updated={batch.updated_count} "
            f"unchanged={batch.unchanged_count} errors={batch.error_count}"
        )
        if batch.error_count or batch.status == ImportBatchStatus.FAILED:
            raise SystemExit(EXIT_ROWS_FAILED)

    def _refuse(self, message: str) -> None:
        self.stderr.write(message)
        self.stdout.write("created=0 updated=0 unchanged=0 errors=0")
        raise SystemExit(EXIT_REFUSED)
