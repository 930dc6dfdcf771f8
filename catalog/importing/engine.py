"""The bulk import engine: check rows chunk by chunk with a constant number of queries, then write in bulk.

Why not `product_create` per row: it runs `full_clean()` with two SKU lookups and a save per row, about four
queries a row. Here each chunk of rows costs the same handful of queries whatever its size (row_checks.py reads
its stored rows, writes.py writes it). The pieces:

- `rows.py` turns cells into values, `unchanged.py` skips rows that hold exactly what is stored;
- `row_checks.py` decides each row's action, `writes.py` writes a checked chunk;
- `writer.py` writes chunks on other threads while this one checks the next, `tuning.py` tunes PostgreSQL.

`ImportRun` below drives them: chunks in order, each chunk's transaction, the counters and the progress.
"""

import copy
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.audit import AuditActor
from common.actors import Actor, actor_or_none

from ..models import ImportBatch, ImportRow, Product, Variant
from . import columns as col
from .row_checks import PRODUCT_FIELDS, VARIANT_FIELDS, RowChecks
from .rows import Row, RowParser
from .sql import RowReader, insert_import_rows
from .stopping import StopCheck
from .tuning import postgres_bulk_session
from .unchanged import UnchangedRows
from .writer import SQLITE_WRITER_CHUNKS, ChunkWriter
from .writes import ChunkWrites, import_changeset

CHUNK_SIZE = 1000  # django-import-export's measured sweet spot for bulk writes (docs/imports.md#background)
FIRST_ERRORS_KEPT = 50
SAMPLE_DIFFS_KEPT = 20
# A price move this large is a warning on the preview, not an error (docs/imports.md#what-an-operator-sees).
PRICE_DROP_WARN = 0.5  # new price below half the stored one
PRICE_RISE_WARN = 2.0  # new price above twice the stored one
PRICE_WARNINGS_KEPT = 50
Parse = Callable[[int, list[Any]], Row]
RawChunk = list[tuple[int, list[Any]]]


class RejectAll(Exception):
    """A row failed while committing under the reject-all policy; `chunk` holds the rows checked with it."""

    def __init__(self, chunk: list[Row]) -> None:
        super().__init__("a row failed under the reject-all policy")
        self.chunk = chunk


class ImportStopped(Exception):
    """A stop was asked for: raised at a chunk boundary, before the chunk whose first row is `row`."""

    def __init__(self, *, row: int, reason: str) -> None:
        super().__init__(f"stopped before row {row}: {reason}")
        self.row, self.reason = row, reason


class ImportRun:
    """One pass over a sheet: a dry run (nothing written but error rows) or a commit."""

    def __init__(
        self,
        *,
        batch: ImportBatch,
        cmap: col.ColumnMap,
        rows: list[tuple[int, list[Any]]],
        sheet_name: str,
        commit: bool,
        user: Actor = None,
        on_progress: Callable[["ImportRun"], None] | None = None,
        created_products: list[list[int]] | None = None,
        created_variants: list[list[int]] | None = None,
        stop_check: StopCheck | None = None,
    ) -> None:
        self.batch, self.cmap, self.sheet_name, self.commit = batch, cmap, sheet_name, commit
        self.raw_rows = rows
        actor = actor_or_none(user)
        self.on_progress = on_progress
        self.stop_check = stop_check  # asked before each chunk; a reason raises ImportStopped there
        self.reject_all = batch.on_error == "reject-all"
        self.counts = {"create": 0, "update": 0, "unchanged": 0, "error": 0}
        self.processed = 0
        self.first_errors: list[dict[str, Any]] = []
        self.sample_diffs: list[dict[str, Any]] = []
        self.started = time.perf_counter()
        product_reader = RowReader(Product, ("id", "sku", "version", "category_id", "attributes", *PRODUCT_FIELDS))
        variant_reader = RowReader(
            Variant, ("id", "sku", "product_id", "options", *VARIANT_FIELDS), parent_sku=(Product, "product_id", "sku")
        )
        self.checks = RowChecks(
            cmap=cmap, commit=commit, user=user, product_reader=product_reader, variant_reader=variant_reader
        )
        self.writes = ChunkWrites(
            batch=batch,
            cmap=cmap,
            audit_actor=AuditActor("import", f"import batch #{batch.pk}", user=actor),
            actor_id=actor.pk if actor else None,
            now=timezone.now(),
            product_reader=product_reader,
            variant_reader=variant_reader,
        )
        self.writes.created_products = created_products if created_products is not None else []
        if commit:  # the commit is one changeset; its versions point at it (docs/catalog.md#versions)
            self.writes.changeset = import_changeset(batch, actor)
        self.writes.created_variants = created_variants if created_variants is not None else []
        self.chunk_size = CHUNK_SIZE

    @property
    def created_products(self) -> list[list[int]]:
        """The id ranges of the products this batch created (a resumed commit's include the first attempt's)."""
        return self.writes.created_products

    @property
    def created_variants(self) -> list[list[int]]:
        return self.writes.created_variants

    # --- driving ---

    def chunks(self) -> Iterator[RawChunk]:
        """Raw rows in chunks: product rows first, then variant rows, so every parent exists before its variants."""
        parent_at = self.cmap.index.get("parent_sku")
        variants: RawChunk = []
        chunk: RawChunk = []
        size = CHUNK_SIZE  # the first chunk small: a writer thread waits for it
        for item in self.raw_rows:
            cells = item[1]
            if parent_at is not None and parent_at < len(cells) and not col.is_blank(cells[parent_at]):
                variants.append(item)
                continue
            chunk.append(item)
            if len(chunk) >= size:
                yield chunk
                chunk, size = [], self.chunk_size
        for index in range(0, len(variants), self.chunk_size):
            if chunk:
                yield chunk
            chunk = variants[index : index + self.chunk_size]
        if chunk:
            yield chunk

    def run(self) -> None:
        with postgres_bulk_session(self.commit):
            if ChunkWriter.usable(self.commit):
                writer = ChunkWriter(self)
                if writer.sqlite:
                    self.chunk_size = CHUNK_SIZE * SQLITE_WRITER_CHUNKS
                stopped = None
                try:
                    self._run_chunks(writer)
                except ImportStopped as exc:
                    stopped = exc  # the chunks handed over are still written (below); a writer's error wins
                finally:
                    writer.close()  # waits for the chunks handed over: what they created is then recorded
                writer.raise_error()
                if stopped is not None:
                    raise stopped
            else:
                self._run_chunks(None)

    def _run_chunks(self, writer: ChunkWriter | None) -> None:
        parse = RowParser(self.cmap).parse
        unchanged = UnchangedRows.for_sheet(self.checks)
        for raw in self.chunks():
            reason = self.stop_check() if self.stop_check is not None else ""
            if reason:  # a chunk boundary: every chunk before this one is committed (or handed to the writer)
                raise ImportStopped(row=raw[0][0], reason=reason)
            handed_over = False  # to the writer, which writes it (if anything) and publishes the progress
            try:
                if self.commit:
                    chunk, handed_over = self._commit_chunk(raw, writer, parse, unchanged)
                else:
                    chunk = self._prepare(raw, parse, unchanged)
                    if chunk:
                        self.process(chunk)
            except RejectAll as exc:
                self._keep_errors(exc.chunk)  # outside the rolled-back chunk, so the error workbook has them
                raise
            self.processed += len(chunk)
            if handed_over:
                # SQLite: the INSERTs are built here, so the writer's thread holds the GIL only between statements
                staged = self.writes.stage(chunk) if writer.sqlite else None  # type: ignore[union-attr]
                writer.submit(chunk, self.progress_snapshot(), staged)  # type: ignore[union-attr]
            elif self.on_progress:
                self.on_progress(self)

    def _prepare(self, raw: RawChunk, parse: Parse, unchanged: UnchangedRows | None) -> list[Row]:
        """The chunk's rows parsed, less those holding exactly what is stored (counted here as unchanged)."""
        if unchanged is not None:
            found = unchanged.split(raw)
            seen = self.checks.seen
            for key, number in found.unchanged.items():
                seen[key] = (number, "product")
            self.counts["unchanged"] += len(found.unchanged)
            self.processed += len(found.unchanged)
            self.checks.not_products = found.absent
            raw = found.rest
        return [parse(number, cells) for number, cells in raw]

    def _commit_chunk(
        self, raw: RawChunk, writer: ChunkWriter | None, parse: Parse, unchanged: UnchangedRows | None
    ) -> tuple[list[Row], bool]:
        """Check one chunk of a commit and write it, or hand it to the writer: (its rows, whether handed over)."""
        new = self._writer_ready(raw, writer)
        if new is not None:
            return self._commit_new(raw, new, writer, parse)  # type: ignore[arg-type]
        with transaction.atomic():  # the check of stored rows belongs to the chunk's transaction
            chunk = self._prepare(raw, parse, unchanged)
            if not chunk:
                return chunk, writer is not None  # the progress is published in order, by the writer
            self.process(chunk, write=False)
            if writer is not None and not writer.sqlite and ChunkWriter.takes(chunk):
                return chunk, True  # written by the writer once this transaction has committed
            if writer is not None:
                writer.drain()  # updates keep the row locks of this transaction: write here
            self.writes.write(chunk)
            return chunk, False

    def _writer_ready(self, raw: RawChunk, writer: ChunkWriter | None) -> set[str] | None:
        """Wait for the writer where this chunk needs its work committed; on SQLite, return the upper SKUs of a
        chunk of product rows none of which is stored (checked outside a transaction, written by the writer)."""
        if writer is None:
            return None
        writer.raise_error()
        new = None
        parent_at = self.cmap.index.get("parent_sku")
        cells = raw[0][1]
        if parent_at is not None and parent_at < len(cells) and not col.is_blank(cells[parent_at]):
            writer.drain()  # variants look their parents up: the writer's products must be committed
        elif writer.sqlite:
            new = self._all_new(raw)
        if writer.sqlite and new is None:
            writer.drain()  # this chunk's transaction takes SQLite's one write lock: the writer's first
        return new

    def _commit_new(self, raw: RawChunk, new: set[str], writer: ChunkWriter, parse: Parse) -> tuple[list[Row], bool]:
        """A chunk of new products on SQLite: nothing stored to lock or compare, so checked outside a transaction
        (which would hold SQLite's write lock against the writer) and written by the writer."""
        self.checks.not_products = self.checks.not_variants = new
        chunk = [parse(number, cells) for number, cells in raw]
        self.process(chunk, write=False)
        self.checks.not_products, self.checks.not_variants = set(), set()
        if ChunkWriter.takes(chunk):
            return chunk, True
        writer.drain()
        with transaction.atomic():
            self.writes.write(chunk)
        return chunk, False

    def _all_new(self, raw: RawChunk) -> set[str] | None:
        """The upper-case SKUs of a raw chunk of product rows when none of them is stored (as a product or a
        variant): one query. None when a row is a variant row, has a SKU cell that is not text (the parser
        decides what it becomes), or names a stored SKU: such a chunk takes the path with its transaction."""
        sku_at = self.cmap.index.get("sku")
        if sku_at is None:
            return None
        keys: set[str] = set()
        for _, cells in raw:
            sku = cells[sku_at] if sku_at < len(cells) else None
            if sku is None:
                continue  # the row fails: SKU is required
            if sku.__class__ is not str:
                return None
            keys.add(sku.strip().upper())
        keys.discard("")
        if keys and self.checks.product_reader.any_stored(keys, self.checks.variant_reader):
            return None
        return keys

    def progress_snapshot(self) -> "ImportRun":
        """A copy of the run's counters as they are now, published by the writer once the chunk is committed."""
        snapshot = copy.copy(self)
        snapshot.counts = dict(self.counts)
        return snapshot

    @property
    def rows_per_second(self) -> float:
        elapsed = time.perf_counter() - self.started
        return round(self.processed / elapsed, 1) if elapsed > 0 else 0.0

    def process(self, chunk: list[Row], write: bool = True) -> None:
        """Check a parsed chunk, count its actions, keep its errors; write it unless told not to (or dry run)."""
        self.checks.check(chunk)
        counts = self.counts
        for row in chunk:
            counts[row.action] += 1
        if self.commit and self.reject_all and any(r.errors for r in chunk):
            raise RejectAll(chunk)
        self._keep_errors(chunk)
        if self.commit and write:
            self.writes.write(chunk)

    # --- results ---

    def _warn_price_moves(self, chunk: list[Row]) -> None:
        """Keep (in `sample_diffs`, with a `warning`) the updates whose price falls by more than half or more
        than doubles: one pass over the chunk's changed prices, no query."""
        kept = sum(1 for d in self.sample_diffs if d.get("warning"))
        for row in chunk:
            if kept >= PRICE_WARNINGS_KEPT:
                return
            pair = row.changes.get("price") if row.action == "update" and not row.errors else None
            if not pair or not pair[0] or pair[1] is None or pair[0] <= 0:
                continue
            old, new = pair
            ratio = float(new) / float(old)
            if PRICE_DROP_WARN <= ratio <= PRICE_RISE_WARN:
                continue
            move = f"drops {100 - ratio * 100:.0f} %" if ratio < 1 else f"rises {ratio * 100 - 100:.0f} %"
            changes = {n: [col.json_safe(a), col.json_safe(b)] for n, (a, b) in row.changes.items()}
            warning = f"Price {move} ({old} → {new}); check it before confirming."
            self.sample_diffs.append({"row": row.number, "sku": row.sku, "changes": changes, "warning": warning})
            kept += 1

    def _keep_errors(self, chunk: list[Row]) -> None:
        failed = [r for r in chunk if r.errors]
        for row in failed:
            for error in row.errors:
                if len(self.first_errors) < FIRST_ERRORS_KEPT:
                    self.first_errors.append({"sheet": self.sheet_name, "row": row.number, **error})
        self._warn_price_moves(chunk)
        if len(self.sample_diffs) < SAMPLE_DIFFS_KEPT:
            for row in chunk:
                if row.action == "update" and len(self.sample_diffs) < SAMPLE_DIFFS_KEPT:
                    changes = {n: [col.json_safe(a), col.json_safe(b)] for n, (a, b) in row.changes.items()}
                    self.sample_diffs.append({"row": row.number, "sku": row.sku, "changes": changes})
        insert_import_rows(
            [
                ImportRow(
                    batch=self.batch,
                    kind=ImportRow.Kind.ERROR,
                    row_number=row.number,
                    sku=(row.sku or "")[:255],
                    values=[col.json_safe(c) for c in row.cells],
                    errors=row.errors,
                )
                for row in failed
            ]
        )
