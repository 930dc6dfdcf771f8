"""The writer threads of an import commit: checked chunks written on other connections while the next are checked.

Used only by `ImportRun.run` (engine.py) for a commit outside any transaction, on PostgreSQL or a SQLite file.
"""

import logging
import queue
import threading
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection, connections, transaction

from .rows import Row
from .writes import Staged

if TYPE_CHECKING:  # engine.py imports this module to run the writer
    from .engine import ImportRun

logger = logging.getLogger(__name__)
# SQLite with a writer thread: chunks of 5,000 rows. Each chunk costs the writer ~6 statements, and each
# statement's return waits for the checking thread to let go of the GIL (up to the 5 ms switch interval):
# 1,000-row chunks lost ~3 s of a 100k-row create to that; 5,000 rows keep a write transaction ~0.2 s long.
SQLITE_WRITER_CHUNKS = 5


class ChunkWriter:
    """Write checked chunks on other connections while the run's own connection checks the next ones.

    A 100k-row create spends about as long waiting for the database (inserts into tables with 10-13 indexes,
    audit entries, commits) as it spends converting and checking rows in Python. A writer thread takes a
    checked chunk whose rows are all new products (or unchanged, or failed), writes it in its own transaction
    and publishes the progress, while the run's thread goes on with the next chunk: the database's work
    overlaps the Python's, because both drivers leave the GIL while a statement runs. Chunks with updates are
    written on the run's connection, in the transaction that locked (PostgreSQL) or checked (SQLite) their
    rows, after the writers have caught up; so are variant chunks, after the writers have committed the
    products they may belong to. At most `max(threads, 2)` chunks wait (memory stays flat).

    PostgreSQL: `IMPORT_WRITERS` threads (3) take chunks in turn, so the server also writes several at once
    (docs/imports.md has the figures). The created id ranges are shared under `ChunkWrites.shared` and the
    table statistics under their own lock, and no query runs while either is held (an ANALYZE waits for
    another writer's, which must be free to commit); progress is published newest-wins, as writers may
    commit out of order.

    SQLite: one thread (one writer at a time), chunks of `SQLITE_WRITER_CHUNKS` x 1,000 rows, each INSERT
    one statement (`sql._sqlite_json`: executemany would take the GIL back for every row), the progress in
    the chunk's transaction, and the WAL checkpointed once at the end. The run's thread checks a chunk of
    new rows outside any transaction (one SQLite transaction holds the write lock, and the writer needs it);
    a chunk naming a stored SKU is checked and written in the run's own transaction once the writer is idle.
    Not on an in-memory database (the tests'): a second connection could not share it.

    Not inside an outer transaction either (a test, an atomic caller): a second connection could not see its
    uncommitted rows.
    """

    def __init__(self, run: "ImportRun") -> None:
        self.run = run
        self.sqlite = connection.vendor == "sqlite"
        count = 1 if self.sqlite else settings.IMPORT_WRITERS  # SQLite: one writer at a time
        self.jobs: queue.Queue[tuple[list[Row], ImportRun, Staged | None] | None] = queue.Queue(maxsize=max(count, 2))
        self.error: BaseException | None = None
        self.published = -1  # the processed count of the newest progress published
        self.publishing = threading.Lock()
        self.threads = [
            threading.Thread(target=self._work, name=f"import-{run.batch.pk}-writer-{n}", daemon=True)
            for n in range(count)
        ]
        for thread in self.threads:
            thread.start()
        logger.info("import batch #%s: writing on %d writer thread(s)", run.batch.pk, count)

    @staticmethod
    def usable(commit: bool) -> bool:
        if not commit or settings.IMPORT_WRITERS <= 0 or connection.in_atomic_block:
            return False
        if connection.vendor == "sqlite":  # a second connection to an in-memory database (tests) is not shared
            return not connection.is_in_memory_db()  # type: ignore[attr-defined]
        return connection.vendor == "postgresql"

    @staticmethod
    def takes(chunk: list[Row]) -> bool:
        """Whether the writer may write this chunk: nothing in it updates a stored row or is a variant."""
        return not any(row.action == "update" or row.parent_sku for row in chunk)

    def submit(self, chunk: list[Row], progress: "ImportRun", staged: Staged | None = None) -> None:
        self.raise_error()
        job = (chunk, progress, staged)
        if self.sqlite:
            try:
                self.jobs.put_nowait(job)
                return
            except queue.Full:  # the run's thread would only wait: copy the committed pages meanwhile
                self._checkpoint()
        self.jobs.put(job)

    def drain(self) -> None:
        """Wait until every chunk handed over is committed (or the writer failed: then raise its error)."""
        self.jobs.join()
        self.raise_error()

    def close(self) -> None:
        for _ in self.threads:
            self.jobs.put(None)
        if self.sqlite:
            self._checkpoint()  # while the writer writes the last chunks; its own checkpoint then has little left
        for thread in self.threads:
            thread.join()

    def raise_error(self) -> None:
        if self.error is not None:
            raise self.error

    def _work(self) -> None:
        try:
            try:
                with connection.cursor() as cursor:
                    if self.sqlite:  # the import's WAL is checkpointed once, at the end (see _checkpoint)
                        cursor.execute("PRAGMA wal_autocheckpoint = 0")
                    else:
                        cursor.execute("SET synchronous_commit TO OFF")  # as on the run's connection
            except BaseException as exc:
                self.error = exc
            while (job := self.jobs.get()) is not None:
                try:
                    if self.error is None:  # after a failure, the chunks still queued are dropped
                        self._write(*job)
                except BaseException as exc:  # handed to the run's thread, which raises it
                    self.error = exc
                finally:
                    self.jobs.task_done()
            self.jobs.task_done()
        finally:
            if self.sqlite:
                self._checkpoint()
            connections.close_all()  # this thread's own connection

    def _checkpoint(self) -> None:
        """Copy the committed pages from SQLite's WAL into the database file (PASSIVE: waits for no one).

        The writer's connection does not checkpoint at its commits: with the default automatic checkpoint every
        1,000 pages a 100k-row create checkpointed ~35 times, each time writing the same hot index pages again
        (~10 ms per 1,000-row commit against ~3.5 ms without). Instead the run's thread checkpoints while it
        would wait for the writer (a full queue, the last chunks), and the writer once more at its end; the WAL
        peaks at ~150 MB per 100k rows and `journal_size_limit` shrinks it afterwards. A PASSIVE checkpoint
        runs beside a writing connection: it copies what was committed before it started.
        """
        try:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except Exception:  # the import is written; the next automatic checkpoint copies the pages instead
            logger.exception("the import's WAL checkpoint failed")

    def _write(self, chunk: list[Row], progress: "ImportRun", staged: Staged | None = None) -> None:
        if self.sqlite:  # the one writer: chunks commit in order, and the progress goes in the chunk's transaction
            with transaction.atomic():
                if chunk:
                    self.run.writes.write(chunk, staged)
                if self.run.on_progress:
                    self.run.on_progress(progress)
            return
        if chunk:
            with transaction.atomic():
                self.run.writes.write(chunk)
        with self.publishing:  # writers may finish out of order: never publish older counts over newer ones
            if self.run.on_progress and progress.processed > self.published:
                self.run.on_progress(progress)
                self.published = progress.processed
