import sqlite3
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils import timezone


class Command(BaseCommand):
    help = "Copy the database to a file while the app keeps running (SQLite online backup API)."

    def add_arguments(self, parser):
        parser.add_argument("output", nargs="?", help="target file (default var/backups/db-<UTC time>.sqlite3)")
        parser.add_argument("--database", default="default")

    def handle(self, *args, **options):
        db = settings.DATABASES[options["database"]]
        if db["ENGINE"] != "django.db.backends.sqlite3":
            self.stdout.write(pg_hint(db))
            return
        target = Path(options["output"] or Path(settings.BASE_DIR) / "var" / "backups" / default_name())
        if target.exists():
            raise CommandError(f"{target} already exists; choose another file name")
        target.parent.mkdir(parents=True, exist_ok=True)
        connection = connections[options["database"]]
        if connection.in_atomic_block:
            raise CommandError("run backup outside a transaction: it would wait forever for its own write lock")
        connection.ensure_connection()
        # sqlite3.Connection.backup copies page by page under the database's own locking, so writers can go on.
        with sqlite3.connect(target) as dest:
            connection.connection.backup(dest)
        dest.close()
        self.stdout.write(self.style.SUCCESS(f"backup written to {target} ({target.stat().st_size} bytes)"))


def default_name() -> str:
    return f"db-{timezone.now():%Y%m%dT%H%M%SZ}.sqlite3"


def pg_hint(db: dict) -> str:
    return (
        "PostgreSQL: use its own tools, e.g.\n"
        f"  pg_dump --format=custom --no-owner -h {db.get('HOST') or 'localhost'} -p {db.get('PORT') or 5432} "
        f"-U {db.get('USER') or 'postgres'} -f listing-manager.dump {db.get('NAME')}\n"
        "and to restore:\n"
        f"  pg_restore --clean --if-exists --no-owner -d {db.get('NAME')} listing-manager.dump"
    )
