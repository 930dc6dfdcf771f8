"""Database maintenance: VACUUM and ANALYZE, table by table on PostgreSQL, whole-file on SQLite."""

import time
from typing import Any

from django.db import connection

from common.actors import Actor
from common.errors import ApplicationError
from operations.choices import JobType
from operations.models import Job
from operations.services.jobs import JobRun, job_create


def maintenance_start(*, vacuum: bool, analyze: bool, user: Actor = None, priority: int | None = None) -> Job:
    """Queue a maintenance job (the button, the API); the worker runs it in autocommit."""
    if not (vacuum or analyze):
        raise ApplicationError("Choose what to do: vacuum, analyze or both.")
    return job_create(
        type=JobType.MAINTENANCE, parameters={"vacuum": vacuum, "analyze": analyze}, user=user, priority=priority
    )


def maintenance_runner(run: JobRun) -> dict[str, Any]:
    """Job runner of `maintenance` jobs: parameters {"vacuum": bool, "analyze": bool}."""
    params = run.job.parameters
    return db_maintenance(vacuum=bool(params.get("vacuum")), analyze=bool(params.get("analyze")), run=run)


def db_maintenance(*, vacuum: bool, analyze: bool, run: JobRun) -> dict[str, Any]:
    """VACUUM and/or ANALYZE the default database in autocommit, outside any transaction.

    PostgreSQL: one statement per table (a stop request is honoured between tables, and one table's lock is held
    at a time). SQLite: VACUUM rewrites the whole file and ANALYZE refreshes the planner statistics (its
    sqlite_stat1 table); each is one step.
    """
    if not (vacuum or analyze):
        raise ApplicationError("Choose what to do: vacuum, analyze or both.")
    if connection.in_atomic_block:
        raise ApplicationError("Database maintenance must run outside a transaction (VACUUM cannot run inside one).")
    started = time.monotonic()
    if connection.vendor == "postgresql":
        steps = _postgres_steps(vacuum=vacuum, analyze=analyze)
    else:
        steps = [("VACUUM", "VACUUM database")] if vacuum else []
        steps += [("ANALYZE", "ANALYZE database")] if analyze else []
    run.stage(
        "Maintenance: " + " and ".join(w for w, on in (("vacuum", vacuum), ("analyze", analyze)) if on),
        total=len(steps),
    )
    with connection.cursor() as cursor:
        for sql, label in steps:
            run.check_stop()
            step_started = time.monotonic()
            cursor.execute(sql)
            run.log(f"{label}: {time.monotonic() - step_started:.2f} s")
            run.advance(read=1, written=1)
    return {
        "vendor": connection.vendor,
        "vacuum": vacuum,
        "analyze": analyze,
        "steps": len(steps),
        "seconds": round(time.monotonic() - started, 2),
    }


def _postgres_steps(*, vacuum: bool, analyze: bool) -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_stat_user_tables WHERE schemaname = current_schema() ORDER BY relname")
        tables = [row[0] for row in cursor.fetchall()]
    verb = "VACUUM (ANALYZE)" if vacuum and analyze else "VACUUM" if vacuum else "ANALYZE"
    return [(f"{verb} {connection.ops.quote_name(name)}", f"{verb} {name}") for name in tables]
