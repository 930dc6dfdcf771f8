"""Backups: write one (SQLite online backup, or pg_dump on PostgreSQL), keep the newest BACKUP_KEEP, and check a
file before it is restored (restore dry run: checksum, readable archive, schema version). docs/operations.md#backups
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from common.actors import Actor
from common.errors import ApplicationError
from operations.choices import JobType, LogLevel
from operations.models import Backup, Job
from operations.services.jobs import JobRun, job_create

SQLITE_PAGES_PER_STEP = 1024  # pages copied between progress reports (4 MiB at the default page size)
HASH_CHUNK = 1024 * 1024
PG_CLIENT_MISSING = (
    "pg_dump is not installed on this machine, so PostgreSQL cannot be backed up from here. Install the "
    "PostgreSQL client tools of the server's major version (Debian: apt-get install postgresql-client) or back up "
    "with your database service's own snapshots."
)


# --- Facts about a database and a file ---


def applied_migrations() -> list[str]:
    """["app.name", ...] of the migrations applied to the default database, sorted."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        return [f"{app}.{name}" for app, name in cursor.fetchall()]


def schema_version(migrations: list[str]) -> str:
    digest = hashlib.sha256("\n".join(sorted(migrations)).encode()).hexdigest()[:12]
    return f"{len(migrations)}-{digest}"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def manifest_path(path: Path) -> Path:
    return path.with_name(path.name + ".json")


# --- Writing a backup ---


def backup_start(*, user: Actor = None, priority: int | None = None) -> Job:
    """Queue a backup job (button, API); the worker writes the file."""
    return job_create(type=JobType.BACKUP, user=user, priority=priority)


def backup_runner(run: JobRun) -> dict[str, Any]:
    """Job runner of `backup` jobs: parameters {"path": optional target file}."""
    target = run.job.parameters.get("path")
    backup = backup_write(run=run, target=Path(target) if target else None)
    return {"backup": backup.pk, "path": backup.path, "size_bytes": backup.size_bytes, "sha256": backup.sha256}


def backup_write(*, run: JobRun, target: Path | None = None) -> Backup:
    """Write a backup of the default database, record its checksum and schema, then apply the retention."""
    if connection.in_atomic_block:
        raise ApplicationError("A backup must run outside a transaction: it would wait for its own lock.")
    vendor = connection.vendor
    suffix = "sqlite3" if vendor == "sqlite" else "dump"
    path = Path(target or Path(settings.BACKUP_DIR) / f"db-{timezone.now():%Y%m%dT%H%M%S%fZ}.{suffix}").resolve()
    if path.exists():
        raise ApplicationError(f"{path} already exists; choose another file name.")
    path.parent.mkdir(parents=True, exist_ok=True)
    migrations = applied_migrations()
    try:
        if vendor == "sqlite":
            _sqlite_backup(run, path)
        elif vendor == "postgresql":
            _pg_dump(run, path)
        else:
            raise ApplicationError(f"Backups of {vendor} databases are not supported.")
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    run.stage("Checksum")
    backup = Backup(
        path=str(path),
        vendor=vendor,
        size_bytes=path.stat().st_size,
        sha256=file_sha256(path),
        schema_version=schema_version(migrations),
        migrations=migrations,
        job=run.job,
    )
    backup.full_clean()
    backup.save()
    _write_manifest(backup)
    run.log(f"Backup written to {path} ({backup.size_bytes} bytes, sha256 {backup.sha256}).")
    backup_retention_apply(run=run)
    return backup


def _sqlite_backup(run: JobRun, path: Path) -> None:
    run.stage("Copying pages")
    connection.ensure_connection()

    def progress(status: int, remaining: int, total: int) -> None:
        run.job.total = total
        run.job.processed = total - remaining
        run.save()
        run.check_stop()

    # sqlite3's online backup copies page by page under the database's own locking, so writers can go on.
    with sqlite3.connect(path) as dest:
        connection.connection.backup(dest, pages=SQLITE_PAGES_PER_STEP, progress=progress)
    dest.close()


def _pg_env() -> dict[str, str]:
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _pg_args() -> list[str]:
    db = settings.DATABASES["default"]
    return ["-h", str(db.get("HOST") or "localhost"), "-p", str(db.get("PORT") or 5432), "-U", str(db.get("USER"))]


def _run_client(run: JobRun, args: list[str]) -> None:
    run.log(" ".join(args[:1] + [a for a in args[1:] if not a.startswith("postgres")]))
    try:
        done = subprocess.run(  # noqa: S603 - fixed program, arguments from settings
            args, env=_pg_env(), capture_output=True, text=True, timeout=settings.BACKUP_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise ApplicationError(f"{args[0]} took longer than {settings.BACKUP_TIMEOUT} s and was stopped.") from exc
    for line in done.stderr.splitlines():
        run.log(line, LogLevel.WARNING if done.returncode == 0 else LogLevel.ERROR)
    if done.returncode != 0:
        first = done.stderr.strip().splitlines()[0] if done.stderr.strip() else f"exit status {done.returncode}"
        raise ApplicationError(f"{Path(args[0]).name} failed: {first}")


def _pg_dump(run: JobRun, path: Path) -> None:
    program = shutil.which("pg_dump")
    if program is None:
        raise ApplicationError(PG_CLIENT_MISSING)
    run.stage("pg_dump")
    name = str(settings.DATABASES["default"]["NAME"])
    _run_client(run, [program, "--format=custom", "--no-owner", *_pg_args(), "-f", str(path), name])


def _write_manifest(backup: Backup) -> None:
    manifest = {
        "sha256": backup.sha256,
        "size_bytes": backup.size_bytes,
        "vendor": backup.vendor,
        "schema_version": backup.schema_version,
        "migrations": backup.migrations,
        "created_at": backup.created_at.isoformat(),
    }
    manifest_path(Path(backup.path)).write_text(json.dumps(manifest, indent=1))


def backup_retention_apply(*, run: JobRun | None = None) -> int:
    """Delete the backups in BACKUP_DIR beyond the newest BACKUP_KEEP (files, manifests and rows)."""
    keep = max(1, settings.BACKUP_KEEP)
    folder = str(Path(settings.BACKUP_DIR).resolve())
    old = list(Backup.objects.filter(path__startswith=folder + "/").order_by("-created_at", "-id")[keep:])
    for backup in old:
        Path(backup.path).unlink(missing_ok=True)
        manifest_path(Path(backup.path)).unlink(missing_ok=True)
        backup.delete()
        if run is not None:
            run.log(f"Removed old backup {backup.path} (keeping the newest {keep}).")
    return len(old)


# --- Checking a file before a restore (restore dry run) ---


def backup_check_start(*, backup: Backup, user: Actor = None, priority: int | None = None) -> Job:
    """Queue a restore dry run of a recorded backup (button, API)."""
    return job_create(type=JobType.RESTORE_CHECK, parameters={"path": backup.path}, user=user, priority=priority)


def restore_check_runner(run: JobRun) -> dict[str, Any]:
    return backup_check(path=Path(run.job.parameters["path"]), run=run)


def _recorded(path: Path) -> dict[str, Any]:
    """What was recorded when the file was written: its Backup row, else its .json manifest."""
    row = Backup.objects.filter(path=str(path.resolve())).first()
    if row is not None:
        return {"sha256": row.sha256, "vendor": row.vendor, "migrations": row.migrations}
    manifest = manifest_path(path)
    if not manifest.is_file():
        raise ApplicationError(
            f"No checksum is recorded for {path.name}: only files written by `manage.py backup` or a backup job "
            "(with their .json manifest beside them) can be restored."
        )
    try:
        data: dict[str, Any] = json.loads(manifest.read_text())
        return {"sha256": str(data["sha256"]), "vendor": str(data["vendor"]), "migrations": list(data["migrations"])}
    except (ValueError, KeyError, TypeError) as exc:
        raise ApplicationError(f"The manifest {manifest.name} is damaged ({exc}).") from exc


def backup_check(*, path: Path, run: JobRun) -> dict[str, Any]:
    """Restore dry run: the file is there, its SHA-256 is the recorded one, it is a readable database or
    archive of this database's kind, and its migrations are known to this code. Raises ApplicationError on the
    first failure; a backup older than the code passes with a warning (migrate after restoring)."""
    run.stage("Checking the file")
    if not path.is_file():
        raise ApplicationError(f"{path} does not exist.")
    recorded = _recorded(path)
    actual = file_sha256(path)
    run.log(f"SHA-256 {actual}")
    if actual != recorded["sha256"]:
        raise ApplicationError(
            f"Checksum mismatch for {path.name}: the file's SHA-256 is {actual}, the backup recorded "
            f"{recorded['sha256']}. The file is damaged or was changed; it will not be restored."
        )
    if recorded["vendor"] != connection.vendor:
        raise ApplicationError(f"{path.name} is a {recorded['vendor']} backup; this site runs on {connection.vendor}.")
    _check_readable(path, run)
    run.stage("Checking the schema version")
    known = {f"{app}.{name}" for app, name in MigrationLoader(None, ignore_no_migrations=True).graph.nodes}
    applied = set(recorded["migrations"])
    unknown = sorted(applied - known)
    if unknown:
        raise ApplicationError(
            f"{path.name} comes from a newer version of the app: {len(unknown)} of its migrations are unknown to "
            f"this code ({', '.join(unknown[:5])}{' ...' if len(unknown) > 5 else ''}). Deploy that version first."
        )
    missing = sorted(known - applied)
    if missing:
        run.warn(
            f"The backup predates {len(missing)} migration(s) of this code: run `manage.py migrate` after restoring.",
            item=missing[:20],
        )
    run.log(f"{path.name} can be restored: checksum and schema version match.")
    return {"path": str(path), "sha256": actual, "schema_version": schema_version(recorded["migrations"])}


def _check_readable(path: Path, run: JobRun) -> None:
    if connection.vendor == "sqlite":
        sqlite_file_check(path)
        run.log("SQLite integrity check: ok")
        return
    program = shutil.which("pg_restore")
    if program is None:
        raise ApplicationError(PG_CLIENT_MISSING.replace("pg_dump", "pg_restore", 1))
    _run_client(run, [program, "--list", str(path)])
    run.log("pg_restore can read the archive.")


def sqlite_file_check(source: Path) -> None:
    """Refuse a file that is not an intact SQLite database holding our migrations table."""
    try:
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src:
            (result,) = src.execute("PRAGMA integrity_check").fetchone()
            has_migrations = src.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='django_migrations'"
            ).fetchone()
        src.close()
    except sqlite3.DatabaseError as exc:
        raise ApplicationError(f"{source} is not a SQLite database: {exc}") from exc
    if result != "ok":
        raise ApplicationError(f"{source} failed the integrity check: {result}")
    if not has_migrations:
        raise ApplicationError(f"{source} is not a Listing Manager database (no django_migrations table)")


# --- Restoring (command only: the web server and workers must be stopped) ---


def backup_restore(*, path: Path) -> None:
    """Replace the default database with a checked backup file (call backup_check first)."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as src:
            src.backup(connection.connection)
        src.close()
        return
    program = shutil.which("pg_restore")
    if program is None:
        raise ApplicationError(PG_CLIENT_MISSING.replace("pg_dump", "pg_restore", 1))
    connection.close()  # pg_restore --clean drops tables this connection may have touched
    name = str(settings.DATABASES["default"]["NAME"])
    args = [program, "--clean", "--if-exists", "--no-owner", "--single-transaction", *_pg_args(), "-d", name]
    done = subprocess.run(  # noqa: S603 - fixed program, arguments from settings
        [*args, str(path)], env=_pg_env(), capture_output=True, text=True, timeout=settings.BACKUP_TIMEOUT, check=False
    )
    if done.returncode != 0:
        raise ApplicationError(f"pg_restore failed: {done.stderr.strip()[:2000]}")


def backup_run_now(*, path: Path | None = None, user: Actor = None) -> Job:
    """Write a backup in this process, recorded as a job (the command and the schedule)."""
    from operations.services.runners import job_execute

    job = job_create(type=JobType.BACKUP, parameters={"path": str(path)} if path else {}, user=user, inline=True)
    return job_execute(job_id=job.pk) or job
