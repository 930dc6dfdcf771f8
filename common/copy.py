"""PostgreSQL COPY of many rows through Django's connection, visible to query logging like any statement."""

import datetime
import decimal
import json
import time
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from psycopg.types.json import Json, Jsonb

# COPY's text format: a backslash, tab, newline or carriage return inside a value is written as an escape
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_PLAIN = (int, float, decimal.Decimal, uuid.UUID)


def copy_text(value: Any) -> str:
    """One value in COPY's text format, as PostgreSQL reads it for the column's type (NULL is \\N)."""
    kind = type(value)
    if kind is str:
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.translate(_ESCAPES)
        return value  # type: ignore[no-any-return]
    if value is None:
        return "\\N"
    if kind is bool:
        return "t" if value else "f"
    if isinstance(value, str):  # a choices member: its value
        return copy_text(str.__str__(value))
    if isinstance(value, _PLAIN):
        return str(value)
    if isinstance(value, Json | Jsonb):  # what Django's JSONField prepares: the JSON text, dumped once
        dumped = (value.dumps or json.dumps)(value.obj)
        text = dumped.decode() if isinstance(dumped, bytes) else dumped
        # JSON text writes tabs, newlines and carriage returns inside strings as escapes, so only its backslashes
        # need doubling: str.translate over a 3.5 kB score breakdown cost ~250 us a row (docs/benchmarks.md)
        return text.replace("\\", "\\\\")
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    raise TypeError(f"copy_text: no COPY text form for {kind.__name__}")


def copy_rows(sql: str, rows: Iterable[Sequence[Any]]) -> None:
    """Stream `rows` with `COPY <table> (<columns>) FROM STDIN` (text format) in one command.

    The rows are formatted here into one block of COPY text and sent in one write: psycopg's `write_row` picks
    a dumper for every value (a Python-level lookup per value) and dumped each JSON value again, ~21 us a row
    of 26 columns in a 100k-row import (py-spy samples), against 5-10 us here (2026-12-02).

    psycopg's COPY runs on the driver cursor, below Django's debug cursor, so the statement is added to
    `connection.queries_log` by hand when queries are being logged (DEBUG, CaptureQueriesContext): query-count
    guards and benchmarks then see it as one statement, which it is.
    """
    started = time.monotonic()
    text = copy_text
    data = "".join(["\t".join([text(v) for v in row]) + "\n" for row in rows])
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:  # type: ignore[attr-defined]
        if data:
            copy.write(data)
    if connection.queries_logged:
        connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})
