"""Import a product spreadsheet synchronously, with the same service as the upload page."""

from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created

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
            with no_query_log():
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


@contextmanager
def no_query_log() -> Iterator[None]:
    """Keep no debug log of statements while the import runs, on this thread's connections and the writers'.

    With DEBUG on (a development checkout's default) Django keeps up to 9,000 statements per connection with
    their parameters; an import's inserts carry a whole chunk of rows as one parameter, so a 100k-row file kept
    ~20 MB and took the command past 300 MB (docs/benchmarks.md). The logs are bounded again afterwards.
    """
    touched: list[BaseDatabaseWrapper] = []

    def drop_log(sender: object, connection: BaseDatabaseWrapper, **kwargs: object) -> None:
        connection.queries_log = deque(maxlen=0)
        touched.append(connection)

    for connection in connections.all():
        drop_log(None, connection)
    connection_created.connect(drop_log)
    try:
        yield
    finally:
        connection_created.disconnect(drop_log)
        for connection in touched:
            connection.queries_log = deque(maxlen=connection.queries_limit)
