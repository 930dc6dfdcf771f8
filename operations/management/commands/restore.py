import sqlite3
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from operations.management.commands.backup import pg_hint


class Command(BaseCommand):
    help = "Replace the SQLite database with a backup file (checked first). Stop the web server and workers first."

    def add_arguments(self, parser):
        parser.add_argument("backup", help="a file written by `manage.py backup`")
        parser.add_argument("--database", default="default")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, **options):
        db = settings.DATABASES[options["database"]]
        if db["ENGINE"] != "django.db.backends.sqlite3":
            self.stdout.write(pg_hint(db))
            return
        source = Path(options["backup"])
        if not source.is_file():
            raise CommandError(f"{source} does not exist")
        check_backup(source)
        if not options["yes"]:
            answer = input(f"Replace database {db['NAME']} with {source}? Type 'yes': ")
            if answer.strip().lower() != "yes":
                raise CommandError("restore cancelled")
        connection = connections[options["database"]]
        connection.ensure_connection()
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src:
            src.backup(connection.connection)
        src.close()
        self.stdout.write(self.style.SUCCESS(f"database restored from {source}"))


def check_backup(source: Path) -> None:
    """Refuse files that are not an intact SQLite database with our migrations table."""
    try:
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src:
            (result,) = src.execute("PRAGMA integrity_check").fetchone()
            has_migrations = src.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='django_migrations'"
            ).fetchone()
        src.close()
    except sqlite3.DatabaseError as exc:
        raise CommandError(f"{source} is not a SQLite database: {exc}") from exc
    if result != "ok":
        raise CommandError(f"{source} failed the integrity check: {result}")
    if not has_migrations:
        raise CommandError(f"{source} is not a Listing Manager database (no django_migrations table)")
