"""Per-database tuning of an import commit: PostgreSQL's commit durability and planner statistics.

SQLite's side (one writer thread, bigger chunks, the WAL checkpoint) lives with the writer (`writer.py`).
"""

import contextlib
import threading
from collections.abc import Iterator

from django.db import connection
from django.db.models import Model


@contextlib.contextmanager
def postgres_bulk_session(commit: bool) -> Iterator[None]:
    """On PostgreSQL, commit the chunks of an import without waiting for each WAL flush.

    With `synchronous_commit` off a server crash can lose the last few hundred milliseconds of commits, but
    never part of one and never out of order: the chunks and the batch's record of what they created (its
    progress update) go together, so the batch stays undoable and a redelivered task resumes where the
    surviving chunks end. The import then stops paying a WAL flush on each of its ~200 commits per 100k rows.
    SQLite runs in WAL mode with synchronous=NORMAL already (config/settings.py).
    """
    if not commit or connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


class TableStatistics:
    """Keep PostgreSQL's planner statistics in step with tables an import grows.

    A table that grows from empty to 100k rows inside one import is never analysed by autovacuum in time: the
    planner keeps its empty-table estimates and answers each 1,000-SKU lookup with a sequential scan (69 ms
    at 100k rows, against 5 ms by the UPPER(sku) index once analysed), so a 100k-row import grew quadratic.
    ANALYZE after every doubling of the rows this run added costs a handful of ANALYZEs per import.
    """

    FIRST = 1000

    def __init__(self) -> None:
        self.added: dict[type[Model], int] = {}
        self.known: dict[type[Model], int] = {}
        self.lock = threading.Lock()  # writer threads share the counts; no query runs while it is held

    def grew(self, model: type[Model], rows: int) -> None:
        if connection.vendor != "postgresql" or not rows:
            return
        if model not in self.known:
            with connection.cursor() as cursor:
                cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [model._meta.db_table])
                found = cursor.fetchone()
            with self.lock:
                self.known.setdefault(model, max(int(found[0]) if found else 0, 0))
        with self.lock:
            added = self.added[model] = self.added.get(model, 0) + rows
            due = added >= max(self.FIRST, self.known[model])
            if due:
                self.known[model] += added
                self.added[model] = 0
        if due:
            # outside the lock: the ANALYZE waits for another writer's open ANALYZE, which must be able to commit
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
