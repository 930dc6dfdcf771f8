"""Database figures for the operations page: rows, size and last vacuum/analyze per table, and slow queries.

PostgreSQL: `pg_stat_user_tables` (live-row estimate, vacuum/analyze times) and `pg_total_relation_size` (table,
indexes and TOAST). SQLite keeps no statistics: rows are counted, sizes come from the `dbstat` virtual table when
the SQLite build has it, else the database's page count shared out by rows (an estimate, marked as such), and the
last vacuum/analyze are those of our own maintenance jobs.

Slow queries (docs/operations.md#slow-queries): `pg_stat_statements` when that extension is installed in the
database; otherwise the app's own sample, taken by an execute wrapper on every connection that logs statements
over SLOW_QUERY_MS to the system log (logger `operations.slow_query`), from which count and mean are computed.
"""

import hashlib
import logging
import random
import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Avg, Count, FloatField, Max
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone

from operations.choices import JobStatus, JobType
from operations.models import Job, SystemLog

SLOW_QUERY_LOGGER = "operations.slow_query"
slow_logger = logging.getLogger(SLOW_QUERY_LOGGER)
_PLACEHOLDER_RUN = re.compile(r"(%s|\?)(\s*,\s*(%s|\?))+")
_NUMBER = re.compile(r"\b\d+\b")
_STRING = re.compile(r"'(?:[^']|'')*'")
MAX_SQL_CHARS = 2_000


@dataclass
class TableStat:
    name: str
    rows: int
    size_bytes: int | None
    size_is_estimate: bool = False
    last_vacuum: datetime | None = None
    last_analyze: datetime | None = None


def table_stats() -> dict[str, Any]:
    """{"vendor", "tables": [TableStat], "total_bytes", "size_source"} for the default database, biggest first."""
    if connection.vendor == "postgresql":
        tables, source = _postgres_tables(), "pg_total_relation_size"
    else:
        tables, source = _sqlite_tables()
    tables.sort(key=lambda t: (-(t.size_bytes or 0), -t.rows, t.name))
    return {
        "vendor": connection.vendor,
        "tables": tables,
        "total_bytes": sum(t.size_bytes or 0 for t in tables),
        "size_source": source,
    }


def _postgres_tables() -> list[TableStat]:
    sql = """
        SELECT relname, n_live_tup, pg_total_relation_size(relid),
               GREATEST(last_vacuum, last_autovacuum), GREATEST(last_analyze, last_autoanalyze)
        FROM pg_stat_user_tables WHERE schemaname = current_schema()
    """
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [TableStat(name, int(rows), int(size), False, vac, ana) for name, rows, size, vac, ana in cursor]


def _sqlite_tables() -> tuple[list[TableStat], str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        names = [row[0] for row in cursor.fetchall()]
        counts = {}
        for name in names:
            cursor.execute(f'SELECT COUNT(*) FROM "{name}"')  # noqa: S608 - names come from sqlite_master
            counts[name] = cursor.fetchone()[0]
        sizes, source = _sqlite_sizes(cursor, names, counts)
    vacuum, analyze = _last_maintenance()
    return [TableStat(n, counts[n], sizes.get(n), source != "dbstat", vacuum, analyze) for n in names], source


def _sqlite_sizes(cursor: Any, names: list[str], counts: dict[str, int]) -> tuple[dict[str, int], str]:
    """Bytes per table (with its indexes): dbstat when compiled in, else page_count x page_size by row share."""
    try:
        cursor.execute(
            "SELECT COALESCE(m.tbl_name, d.name), SUM(d.pgsize) FROM dbstat d "
            "LEFT JOIN sqlite_master m ON m.name = d.name GROUP BY 1"
        )
        return {name: int(size) for name, size in cursor.fetchall()}, "dbstat"
    except Exception:  # noqa: BLE001 - "no such table: dbstat": this SQLite build lacks it
        cursor.execute("PRAGMA page_count")
        pages = cursor.fetchone()[0]
        cursor.execute("PRAGMA page_size")
        total = pages * cursor.fetchone()[0]
        all_rows = sum(counts.values()) or 1
        return {n: int(total * counts[n] / all_rows) for n in names}, "page_count estimate"


def _last_maintenance() -> tuple[datetime | None, datetime | None]:
    """When our maintenance jobs last vacuumed and analysed (SQLite records neither)."""
    done = Job.objects.filter(
        type=JobType.MAINTENANCE, status__in=[JobStatus.SUCCEEDED, JobStatus.COMPLETED_WITH_WARNINGS]
    ).order_by("-finished_at")
    vacuum = done.filter(parameters__vacuum=True).values_list("finished_at", flat=True).first()
    analyze = done.filter(parameters__analyze=True).values_list("finished_at", flat=True).first()
    return vacuum, analyze


# --- Slow queries ---


def sql_fingerprint(sql: str) -> tuple[str, str]:
    """(normalised statement, short hash): literals and placeholder lists folded so one shape is one entry."""
    text = _STRING.sub("?", sql)
    text = _NUMBER.sub("?", text)
    text = _PLACEHOLDER_RUN.sub(r"\1, ...", text)
    text = " ".join(text.split())[:MAX_SQL_CHARS]
    return text, hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:16]


def slow_query_wrapper(execute: Any, sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
    """Execute wrapper installed on every connection: logs a sample of the statements over SLOW_QUERY_MS.

    The record goes through the system log queue, so storing it is not a query of this connection and never
    happens inside the caller's transaction; the writer thread's own slow inserts are dropped by the handler.
    """
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        elapsed_ms = (time.perf_counter() - started) * 1000
        if elapsed_ms >= settings.SLOW_QUERY_MS and random.random() < settings.SLOW_QUERY_SAMPLE_RATE:  # noqa: S311
            text, fingerprint = sql_fingerprint(sql)
            slow_logger.warning(
                "slow query %.0f ms: %s",
                elapsed_ms,
                text[:300],
                extra={"duration_ms": round(elapsed_ms, 1), "fingerprint": fingerprint, "sql": text},
            )


def install_slow_query_wrapper(sender: Any, connection: Any, **kwargs: Any) -> None:
    """connection_created receiver (operations/apps.py)."""
    if settings.SLOW_QUERY_MS > 0 and slow_query_wrapper not in connection.execute_wrappers:
        connection.execute_wrappers.append(slow_query_wrapper)


@dataclass
class SlowQuery:
    sql: str
    count: float
    mean_ms: float
    max_ms: float | None
    last_seen: datetime | None = None


def slow_queries(*, days: int = 7, limit: int = 50) -> dict[str, Any]:
    """{"source", "queries": [SlowQuery]}: pg_stat_statements when installed, else the sampled system log."""
    if connection.vendor == "postgresql" and _has_pg_stat_statements():
        return {"source": "pg_stat_statements", "queries": _pg_stat_statements(limit)}
    since = timezone.now() - timedelta(days=days)
    rate = settings.SLOW_QUERY_SAMPLE_RATE or 1.0
    rows = (
        SystemLog.objects.filter(logger=SLOW_QUERY_LOGGER, created_at__gte=since)
        .annotate(fingerprint=KT("extra__fingerprint"))
        .values("fingerprint")
        .annotate(
            n=Count("id"),
            mean=Avg(Cast(KT("extra__duration_ms"), FloatField())),
            peak=Max(Cast(KT("extra__duration_ms"), FloatField())),
            last=Max("created_at"),
            sql=Max(KT("extra__sql")),
        )
        .order_by("-n", "-mean")[:limit]
    )
    queries = [
        SlowQuery(r["sql"] or "", round(r["n"] / rate, 1), round(r["mean"] or 0, 1), r["peak"], r["last"]) for r in rows
    ]
    return {
        "source": f"sampled by the app ({rate:.0%} of statements over {settings.SLOW_QUERY_MS} ms)",
        "queries": queries,
    }


def _has_pg_stat_statements() -> bool:
    """Installed in this database *and* loaded (shared_preload_libraries), so its view can be read."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'")
            if cursor.fetchone() is None:
                return False
            cursor.execute("SELECT 1 FROM pg_stat_statements LIMIT 1")
            return True
    except DatabaseError:
        return False


def _pg_stat_statements(limit: int) -> list[SlowQuery]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT query, calls, mean_exec_time, max_exec_time FROM pg_stat_statements "
            "WHERE mean_exec_time >= %s ORDER BY calls * mean_exec_time DESC LIMIT %s",
            [settings.SLOW_QUERY_MS, limit],
        )
        return [SlowQuery(q, calls, round(mean, 1), round(peak, 1)) for q, calls, mean, peak in cursor.fetchall()]
