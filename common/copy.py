"""PostgreSQL COPY of many rows through Django's connection, visible to query logging like any statement."""

import time
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection


def copy_rows(sql: str, rows: Iterable[Sequence[Any]]) -> None:
    """Stream `rows` with `COPY <table> (<columns>) FROM STDIN` (text format) in one command.

    psycopg's COPY runs on the driver cursor, below Django's debug cursor, so the statement is added to
    `connection.queries_log` by hand when queries are being logged (DEBUG, CaptureQueriesContext): query-count
    guards and benchmarks then see it as one statement, which it is.
    """
    started = time.monotonic()
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:  # type: ignore[attr-defined]
        for row in rows:
            copy.write_row(row)
    if connection.queries_logged:
        connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})
