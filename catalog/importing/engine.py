"""The bulk import engine: validate rows chunk by chunk with a constant number of queries, then write in bulk.

Why not `product_create` per row: it runs `full_clean()` with two SKU lookups and a save per row, about four
queries a row. Here each chunk of rows costs the same handful of queries whatever its size: one lookup of the
chunk's SKUs in products and one in variants, one `executemany` INSERT and one UPDATE, one insert of
undo/error rows and one progress update. The checks are the catalog's own: the same validators
(`catalog.validators`), the same Product/Variant `clean()` rules, run on values already in memory.
"""

import contextlib
import copy
import logging
import queue
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple, cast

from django.conf import settings
from django.db import connection, connections, models, transaction
from django.db.models import Model
from django.utils import timezone

from accounts.audit import IGNORED_FIELDS, AuditActor, audit_record_bulk, audit_record_created_sql
from common.actors import Actor, actor_or_none
from common.sql import id_ranges
from listings.services import listings_readiness_refresh

from ..choices import AttributeType
from ..models import Category, ImportBatch, ImportRow, Product, Variant
from ..services import category_attribute_definitions, category_get_or_create_path, sanitize_description
from ..validators import attribute_value_error
from . import columns as col
from .channels import channel_names
from .rows import Row, RowParser
from .sql import (
    PreparedInsert,
    RowReader,
    executemany_insert,
    executemany_update,
    insert_import_rows,
    insert_prepare_sparse,
)
from .unchanged import UnchangedRows

logger = logging.getLogger(__name__)
CHUNK_SIZE = 1000  # django-import-export's measured sweet spot for bulk writes (docs/imports.md#background)
# SQLite with a writer thread: chunks of 5,000 rows. Each chunk costs the writer ~6 statements, and each
# statement's return waits for the checking thread to let go of the GIL (up to the 5 ms switch interval):
# 1,000-row chunks lost ~3 s of a 100k-row create to that; 5,000 rows keep a write transaction ~0.2 s long.
SQLITE_WRITER_CHUNKS = 5
FIRST_ERRORS_KEPT = 50
SAMPLE_DIFFS_KEPT = 20
PRODUCT_FIELDS: tuple[str, ...] = (
    "title",
    "description",
    "brand",
    "price",
    "currency",
    "compare_at_price",
    "cost_price",
)
PRODUCT_FIELDS += ("quantity", "barcode", "weight_grams", "status")
VARIANT_FIELDS = ("price", "compare_at_price", "quantity", "barcode")
# The blank-cell rule on updates (a new row simply takes the model defaults):
# - a column that is absent leaves the field as it is;
# - a blank cell of a present column clears an optional field to these values;
# - a blank cell of any other present field column is a per-cell error (nothing on the row is written).
PRODUCT_CLEARED: dict[str, Any] = {
    "description": "",
    "brand": "",
    "compare_at_price": None,
    "cost_price": None,
    "barcode": "",
    "weight_grams": None,
}
VARIANT_CLEARED: dict[str, Any] = {"price": None, "compare_at_price": None, "barcode": ""}
BLANK_REFUSED = (
    "{column} cannot be blank on an existing {kind}: a blank cell clears a field, and this one is required. "
    "Give a value, or leave the column out to keep the current values."
)
UNSAFE_HTML_CHARS = ("<", ">", "&", "\x00")  # text without these is returned unchanged by nh3
_UNSAFE_HTML = re.compile("[" + re.escape("".join(UNSAFE_HTML_CHARS)) + "]")


@dataclass(slots=True)
class AuditRef:
    """What `audit_record_bulk` reads of a row (its pk and label) without building a model instance per row."""

    pk: int
    label: str

    def __str__(self) -> str:
        return self.label


def _audited(model: type[Model]) -> list[tuple[str, str]]:
    """(attname, field name) of the fields the audit trail records for `model` (its signal handlers' set)."""
    return [
        (f.attname, f.name)
        for f in model._meta.concrete_fields
        if not f.primary_key and f.name not in IGNORED_FIELDS and not isinstance(f, models.BinaryField)
    ]


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


class Staged(NamedTuple):
    """What `ImportRun.stage` builds of a checked chunk for its write."""

    new_products: list[Row]
    new_variants: list[Row]
    prepared: dict[type[Model], PreparedInsert]


class RejectAll(Exception):
    """A row failed while committing under the reject-all policy."""


def _coerce_attribute(kind: str, value: Any) -> Any:
    if kind == AttributeType.NUMBER and isinstance(value, str):
        try:
            return int(value) if value.lstrip("-").isdigit() else float(Decimal(value.replace(",", ".")))
        except ArithmeticError:
            return value
    if kind == AttributeType.BOOLEAN and isinstance(value, str | int):
        return {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}.get(
            str(value).lower(), value
        )
    if kind == AttributeType.TEXT and not isinstance(value, str):
        return str(value)
    return value


def clean_description(text: str) -> str:
    return sanitize_description(text) if _UNSAFE_HTML.search(text) else text


def _defaults(model: type[Model]) -> dict[str, Any]:
    return {f.attname: f.get_default() for f in model._meta.concrete_fields if not f.primary_key}


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
    ) -> None:
        self.batch, self.cmap, self.sheet_name, self.commit = batch, cmap, sheet_name, commit
        self.raw_rows = rows
        self.actor = actor_or_none(user)
        self.actor_id = self.actor.pk if self.actor else None
        self.user = user
        self.on_progress = on_progress
        self.reject_all = batch.on_error == "reject-all"
        self.seen: dict[str, tuple[int, str]] = {}  # upper SKU -> (row number, "product" | "variant")
        self.categories: dict[tuple[str, ...], Category | None] = {}
        self.categories_as_written: dict[tuple[str, ...], Category | None] = {}
        self.definitions: dict[int, list[Any]] = {}
        self.counts = {"create": 0, "update": 0, "unchanged": 0, "error": 0}
        self.processed = 0
        self.first_errors: list[dict[str, Any]] = []
        self.sample_diffs: list[dict[str, Any]] = []
        self.created_products: list[list[int]] = []
        self.created_variants: list[list[int]] = []
        self.started = time.perf_counter()
        self.now = timezone.now()
        self.channel_names = channel_names() if cmap.has("channels") else {}
        self.product_defaults = _defaults(Product)
        self.variant_defaults = _defaults(Variant)
        self.product_reader = RowReader(Product, ("id", "sku", "version", "category_id", "attributes", *PRODUCT_FIELDS))
        self.variant_reader = RowReader(
            Variant, ("id", "sku", "product_id", "options", *VARIANT_FIELDS), parent_sku=(Product, "product_id", "sku")
        )
        self.audit_actor = AuditActor("import", f"import batch #{batch.pk}", user=self.actor)
        self.audited = {Product: _audited(Product), Variant: _audited(Variant)}
        self.statistics = TableStatistics()
        self.not_products: set[str] = set()  # SKUs of this chunk already found not to be products
        self.not_variants: set[str] = set()  # ... and not to be variants
        self.shared = threading.Lock()  # the created id ranges, when writer threads write (no query under it)
        self.chunk_size = CHUNK_SIZE

    # --- driving ---

    def chunks(self) -> Iterator[list[tuple[int, list[Any]]]]:
        """Raw rows in chunks: product rows first, then variant rows, so every parent exists before its variants."""
        parent_at = self.cmap.index.get("parent_sku")
        variants: list[tuple[int, list[Any]]] = []
        chunk: list[tuple[int, list[Any]]] = []
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
                try:
                    self._run_chunks(writer)
                finally:
                    writer.close()  # waits for the chunks handed over: what they created is then recorded
                writer.raise_error()
            else:
                self._run_chunks(None)

    def _run_chunks(self, writer: "ChunkWriter | None") -> None:
        parse = RowParser(self.cmap).parse
        unchanged = UnchangedRows.for_run(self)
        parent_at = self.cmap.index.get("parent_sku")

        def prepare(raw: list[tuple[int, list[Any]]]) -> list[Row]:
            if unchanged is not None:
                raw = unchanged.split(raw)  # counts (and skips) the rows holding exactly what is stored
                self.not_products = unchanged.absent
            return [parse(number, cells) for number, cells in raw]

        for raw in self.chunks():
            chunk: list[Row] = []
            handed_over = False  # to the writer, which writes it (if anything) and publishes the progress
            if self.commit:
                new = None  # on SQLite with a writer: the upper SKUs of a chunk of product rows none of which is stored
                if writer is not None:
                    writer.raise_error()
                    cells = raw[0][1]
                    if parent_at is not None and parent_at < len(cells) and not col.is_blank(cells[parent_at]):
                        writer.drain()  # variants look their parents up: the writer's products must be committed
                    elif writer.sqlite:
                        new = self._all_new(raw)
                    if writer.sqlite and new is None:
                        writer.drain()  # this chunk's transaction takes SQLite's one write lock: the writer's first
                try:
                    if new is not None:
                        # nothing stored to lock or compare: checked outside a transaction (which would hold
                        # SQLite's write lock against the writer), written by the writer
                        self.not_products = self.not_variants = new
                        chunk = [parse(number, cells) for number, cells in raw]
                        self.process(chunk, write=False)
                        self.not_products, self.not_variants = set(), set()
                        handed_over = ChunkWriter.takes(chunk)
                        if not handed_over:
                            writer.drain()  # type: ignore[union-attr]
                            with transaction.atomic():
                                self._write(chunk)
                    else:  # the check of stored rows belongs to the chunk's transaction (nothing changes in between)
                        with transaction.atomic():
                            chunk = prepare(raw)
                            handed_over = writer is not None and not chunk  # progress published in order
                            if chunk:
                                self.process(chunk, write=False)
                                if writer is not None and not writer.sqlite and ChunkWriter.takes(chunk):
                                    handed_over = True  # written by the writer once this transaction has committed
                                else:
                                    if writer is not None:
                                        writer.drain()  # updates keep the row locks of this transaction: write here
                                    self._write(chunk)
                except RejectAll:
                    self._keep_errors(chunk)  # outside the rolled-back chunk, so the error workbook has them
                    raise
            else:
                chunk = prepare(raw)
                if chunk:
                    self.process(chunk)
            self.processed += len(chunk)
            if handed_over:
                # SQLite: the INSERTs are built here, so the writer's thread holds the GIL only between statements
                staged = self.stage(chunk) if writer.sqlite else None  # type: ignore[union-attr]
                writer.submit(chunk, self.progress_snapshot(), staged)  # type: ignore[union-attr]
            elif self.on_progress:
                self.on_progress(self)

    def _all_new(self, raw: list[tuple[int, list[Any]]]) -> set[str] | None:
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
        if keys and self.product_reader.any_stored(keys, self.variant_reader):
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
        products, variants = self._lookup(chunk)
        for row in chunk:
            if not row.errors:
                self._dedupe(row)
            if not row.errors:
                if row.parent_sku:
                    self._variant_row(row, products, variants)
                else:
                    self._product_row(row, products, variants)
            if row.errors:
                row.action = "error"
            self.counts[row.action] += 1
        if self.commit and self.reject_all and any(r.errors for r in chunk):
            raise RejectAll
        self._keep_errors(chunk)
        if self.commit and write:
            self._write(chunk)

    # --- checks ---

    def _lookup(self, chunk: list[Row]) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
        keys = {r.sku.upper() for r in chunk if r.sku} | {r.parent_sku.upper() for r in chunk if r.parent_sku}
        lock = self.commit and connection.features.has_select_for_update
        products = self.product_reader.by_sku(keys - self.not_products, lock=lock)
        return products, self.variant_reader.by_sku(keys - self.not_variants, lock=lock)

    def _dedupe(self, row: Row) -> None:
        key = row.sku.upper()  # type: ignore[union-attr]
        earlier = self.seen.get(key)
        if earlier:
            row.fail("sku", row.sku, f"SKU '{row.sku}' is also on row {earlier[0]}; each SKU may appear once.")
        else:
            self.seen[key] = (row.number, "variant" if row.parent_sku else "product")

    def category_for_path(self, path: tuple[str, ...]) -> Category | None:
        """The category a path names (created at commit, None in a dry run when it does not exist yet)."""
        found = self.categories_as_written.get(path, False)  # rows repeat a few spellings: skip lower-casing
        if found is not False:
            return found  # type: ignore[return-value]
        key = tuple(n.lower() for n in path)
        self.categories_as_written[path] = self._category_by_key(key, path)
        return self.categories_as_written[path]

    def _category_by_key(self, key: tuple[str, ...], path: tuple[str, ...]) -> Category | None:
        if key not in self.categories:
            if self.commit:
                self.categories[key] = category_get_or_create_path(names=list(path), user=self.user)
            else:
                parent: Category | None = None
                for name in path:
                    parent = Category.objects.filter(parent=parent, name__iexact=name).first()
                    if parent is None:
                        break
                self.categories[key] = parent  # None: created at commit
        return self.categories[key]

    def definitions_for(self, category: Category) -> list[Any]:
        """The category's attribute definitions (own and inherited), read once per run."""
        if category.pk not in self.definitions:
            self.definitions[category.pk] = category_attribute_definitions(category)
        return self.definitions[category.pk]

    def _attribute_errors(self, category: Category | None, attributes: dict[str, Any]) -> dict[str, Any]:
        """Check (and coerce text cells of) attributes like `attributes_validate`, with definitions cached."""
        if category is None:
            return {}
        problems: dict[str, Any] = {}
        for definition in self.definitions_for(category):
            value = attributes.get(definition.code)
            if value in (None, ""):
                if definition.is_required:
                    problems[f"attr:{definition.code}"] = f"'{definition.code}' ({definition.label}) is required."
                continue
            value = attributes[definition.code] = _coerce_attribute(definition.type, value)
            message = attribute_value_error(definition, value)
            if message:
                problems[f"attr:{definition.code}"] = message
        return problems

    def _product_row(self, row: Row, products: dict[str, Any], variants: dict[str, Any]) -> None:
        key = row.sku.upper()  # type: ignore[union-attr]
        if key in variants:
            other = variants[key]
            row.fail("sku", row.sku, f"SKU '{row.sku}' is a variant of product {other['parent_sku']}; fill parent_sku.")
            return
        self._check_channels(row)
        existing = products.get(key)
        values = row.values
        if "description" in values and (existing is None or values["description"] != existing["description"]):
            values["description"] = clean_description(values["description"])
        category = self.category_for_path(row.category_path) if row.category_path else None
        if category is not None or row.category_path:
            values["category_id"] = category.pk if category else -1  # -1: a category created at commit
        if existing is None:
            for required in ("title", "price"):
                if required not in values:
                    row.fail(required, None, f"{required.capitalize()} is required for a new product.")
            target = {**values, "attributes": dict(row.attributes), "sku": row.sku}
        else:
            target = existing
            cleared_attributes = self._apply_blanks(row, values, PRODUCT_CLEARED, "product") if row.blanks else []
            if row.attributes or cleared_attributes:
                kept = {k: v for k, v in existing["attributes"].items() if k not in cleared_attributes}
                values["attributes"] = {**kept, **row.attributes}
            row.changes = {n: (existing[n], v) for n, v in values.items() if existing[n] != v}
            for name, (_, new) in row.changes.items():
                target[name] = new
        self._product_rules(row, target, category)
        if row.errors:
            return
        row.target = target
        row.action = "create" if existing is None else ("update" if row.changes else "unchanged")

    @staticmethod
    def _apply_blanks(row: Row, values: dict[str, Any], cleared: dict[str, Any], kind: str) -> list[str]:
        """Apply the blank-cell rule of an update (see PRODUCT_CLEARED); return the attribute codes to clear."""
        attributes: list[str] = []
        for name in row.blanks:
            if name in cleared:
                values[name] = cleared[name]
            elif name == "category" and kind == "product":
                values["category_id"] = None
            elif name.startswith(col.ATTRIBUTE_PREFIX):
                attributes.append(name[len(col.ATTRIBUTE_PREFIX) :])
            elif kind == "product" or name in VARIANT_FIELDS:
                row.fail(name, None, BLANK_REFUSED.format(column=name.capitalize(), kind=kind))
        return attributes

    def _check_channels(self, row: Row) -> None:
        if not row.channels:
            return
        unknown = [name for name in row.channels if name.lower() not in self.channel_names]
        if unknown:
            known = ", ".join(sorted(self.channel_names.values())) or "none yet"
            row.fail("channels", ", ".join(row.channels), f"Unknown channel '{unknown[0]}'; channels are: {known}.")
        row.channels = [self.channel_names[n.lower()] for n in row.channels if n.lower() in self.channel_names]

    def _product_rules(self, row: Row, target: dict[str, Any], category: Category | None) -> None:
        compare, price = target.get("compare_at_price"), target.get("price")
        if compare is not None and price is not None and compare < price:
            row.fail("compare_at_price", str(compare), f"Compare-at price {compare} is below the price {price}.")
        if category is not None:
            for column, message in self._attribute_errors(category, target["attributes"]).items():
                row.fail(column, target["attributes"].get(column[5:]), message)

    def _variant_row(self, row: Row, products: dict[str, Any], variants: dict[str, Any]) -> None:
        key, parent_key = row.sku.upper(), row.parent_sku.upper()  # type: ignore[union-attr]
        if row.channels or row.image_urls:
            column = "channels" if row.channels else "image_urls"
            row.fail(column, getattr(row, column)[0], f"{column} apply to product rows; leave it blank on variants.")
            return
        if key in products:
            row.fail("parent_sku", row.parent_sku, f"SKU '{row.sku}' is a product; it cannot become a variant.")
            return
        parent = products.get(parent_key)
        planned = self.seen.get(parent_key)
        if parent is None and not (planned and planned[1] == "product" and not self.commit):
            if parent_key in variants:
                message = f"Parent SKU '{row.parent_sku}' is a variant, not a product."
            else:
                message = (
                    f"Parent SKU '{row.parent_sku}' is neither in the catalog nor a valid product row of this file."
                )
            row.fail("parent_sku", row.parent_sku, message)
            return
        values = {k: v for k, v in row.values.items() if k in VARIANT_FIELDS}
        if values.get("price") is not None and values["price"] < Decimal("0.01"):
            row.fail("price", str(values["price"]), "A variant price must be at least 0.01 (blank: the product's).")
            return
        existing = variants.get(key)
        if existing is None:
            row.target = {**values, "sku": row.sku, "options": dict(row.options)}
            row.target["product_id"] = parent["id"] if parent else None
            row.action = "create"
            return
        if parent is not None and existing["product_id"] != parent["id"]:
            row.fail("parent_sku", row.parent_sku, f"Variant '{row.sku}' belongs to product {existing['parent_sku']}.")
            return
        if row.blanks:
            self._apply_blanks(row, values, VARIANT_CLEARED, "variant")
            if row.errors:
                return
        if row.options:
            values["options"] = {**existing["options"], **row.options}
        row.changes = {n: (existing[n], v) for n, v in values.items() if existing[n] != v}
        for name, (_, new) in row.changes.items():
            existing[name] = new
        row.target, row.action = existing, ("update" if row.changes else "unchanged")

    # --- results ---

    def _keep_errors(self, chunk: list[Row]) -> None:
        failed = [r for r in chunk if r.errors]
        for row in failed:
            for error in row.errors:
                if len(self.first_errors) < FIRST_ERRORS_KEPT:
                    self.first_errors.append({"sheet": self.sheet_name, "row": row.number, **error})
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

    def stage(self, chunk: list[Row]) -> "Staged":
        """The chunk's new rows as complete column sets and, on SQLite, their INSERTs ready to run."""
        stamp = {
            "created_by_id": self.actor_id,
            "updated_by_id": self.actor_id,
            "created_at": self.now,
            "updated_at": self.now,
        }
        new_products: list[Row] = []
        new_variants: list[Row] = []
        for row in chunk:
            if row.action == "create":
                (new_variants if row.parent_sku else new_products).append(row)
        prepared: dict[type[Model], PreparedInsert] = {}
        if connection.vendor == "sqlite":  # the INSERT from the rows' own values (with "sku") and the shared ones
            for model, rows, defaults in (
                (Product, new_products, self.product_defaults),
                (Variant, new_variants, self.variant_defaults),
            ):
                targets = [r.target for r in rows]
                prepared[model] = insert_prepare_sparse(model, targets, {**defaults, **stamp})  # type: ignore[arg-type]
            return Staged(new_products, new_variants, prepared)
        for row in new_products + new_variants:
            defaults = self.variant_defaults if row.parent_sku else self.product_defaults
            row.target = {**defaults, **row.target, **stamp, "sku": row.sku}  # type: ignore[dict-item]
        return Staged(new_products, new_variants, prepared)

    def _write(self, chunk: list[Row], staged: "Staged | None" = None) -> None:
        new_products, new_variants, prepared = staged or self.stage(chunk)
        for model, rows, ranges in (
            (Product, new_products, self.created_products),
            (Variant, new_variants, self.created_variants),
        ):
            new_ids = executemany_insert(model, [r.target for r in rows], prepared=prepared.get(model))  # type: ignore[misc]
            self.statistics.grew(model, len(rows))
            if rows and new_ids is None:
                reader = self.product_reader if model is Product else self.variant_reader
                by_sku = reader.ids_by_sku({r.sku.upper() for r in rows})  # type: ignore[union-attr]
                new_ids = [by_sku[row.sku.upper()] for row in rows]  # type: ignore[union-attr]
            if rows:
                for row, pk in zip(rows, new_ids, strict=True):  # type: ignore[arg-type]
                    row.target["id"] = pk  # type: ignore[index]
                with self.shared:
                    id_ranges(new_ids, into=ranges)  # type: ignore[arg-type]
        updated = [r for r in chunk if r.action == "update"]
        snapshots = self._write_updates(updated)
        self._audit(new_products, new_variants, updated)
        for kind, name in ((ImportRow.Kind.IMAGES, "image_urls"), (ImportRow.Kind.CHANNELS, "channels")):
            snapshots += [
                ImportRow(
                    batch=self.batch,
                    kind=kind,
                    row_number=r.number,
                    object_id=r.target["id"],  # type: ignore[index]
                    sku=r.sku or "",
                    values=getattr(r, name),
                )
                for r in chunk
                if getattr(r, name) and not r.parent_sku and r.action in ("create", "update", "unchanged")
            ]
        insert_import_rows(snapshots)
        self._refresh_readiness(chunk)

    def _refresh_readiness(self, chunk: list[Row]) -> None:
        """Re-check the listings of the products this chunk changed (in bulk: a few queries per chunk)."""
        touched = {
            r.target["product_id"] if r.parent_sku else r.target["id"]  # type: ignore[index]
            for r in chunk
            if r.action == "update" or (r.action == "create" and r.parent_sku)
        }
        if touched:
            listings_readiness_refresh(product_ids=touched)

    def _audit(self, new_products: list[Row], new_variants: list[Row], updated: list[Row]) -> None:
        """One audit entry per written row, a fixed number of statements per chunk (the writes bypass the signals).

        Creations: one INSERT ... SELECT per model (`audit_record_created_sql`) recording the columns the file
        sets plus the always-set ones, read back from the stored rows; building AuditEntry objects in Python
        cost ~100 us a row, several times the insert being recorded. Updates: `audit_record_bulk` with the
        changed fields (`category_id` recorded as `category`, like the signal handler). The actor is the import
        batch (and its user).
        """
        quote = connection.ops.quote_name
        for model, rows, repr_sql in (
            (Product, new_products, f"t.{quote('sku')} || ' · ' || t.{quote('title')}"),
            (Variant, new_variants, f"t.{quote('sku')}"),
        ):
            if rows:
                audit_record_created_sql(
                    model,
                    [r.target["id"] for r in rows],  # type: ignore[index]
                    self._created_fields(model),
                    repr_sql=repr_sql,
                    actor=self.audit_actor,
                )
        json_safe = col.json_safe
        for model, parent in ((Product, False), (Variant, True)):
            names = dict(self.audited[model])
            entries = [
                (
                    AuditRef(row.target["id"], self._label(row)),  # type: ignore[index]
                    {names.get(n, n): [json_safe(a), json_safe(b)] for n, (a, b) in row.changes.items()},
                )
                for row in updated
                if bool(row.parent_sku) is parent
            ]
            if entries:
                audit_record_bulk(model, cast(Any, entries), "update", actor=self.audit_actor)

    def _created_fields(self, model: type[Model]) -> list[str]:
        """Fields recorded for a created row: those a new row always has, and those the file has columns for."""
        present = set(self.cmap.index)
        if model is Product:
            fields = ["sku", "title", "price", "currency", "quantity", "status"]
            optional = ["description", "brand", "category", "compare_at_price", "cost_price", "barcode"]
            fields += [name for name in [*optional, "weight_grams"] if name in present]
            return fields + (["attributes"] if self.cmap.attributes else [])
        fields = ["sku", "product", "options", "quantity"]
        return fields + [name for name in ("price", "compare_at_price", "barcode") if name in present]

    @staticmethod
    def _label(row: Row) -> str:
        """The row's str() as its model would give it (Product: 'SKU · title'; Variant: 'SKU (options)')."""
        target = row.target or {}
        if row.parent_sku:
            options = " / ".join(str(v) for v in (target.get("options") or {}).values())
            return f"{row.sku} ({options})" if options else str(row.sku)
        return f"{row.sku} · {target.get('title', '')}"

    def _write_updates(self, updated: list[Row]) -> list[ImportRow]:
        snapshots: list[ImportRow] = []
        products = [r for r in updated if not r.parent_sku]
        variants = [r for r in updated if r.parent_sku]
        for row in updated:
            if "category_id" in row.changes:  # a category created at commit replaced the -1 placeholder
                row.changes["category_id"] = (row.changes["category_id"][0], row.target["category_id"])  # type: ignore[index]
            row.target["updated_at"], row.target["updated_by_id"] = self.now, self.actor_id  # type: ignore[index]
            if not row.parent_sku:
                row.target["version"] += 1  # type: ignore[index]
        for rows, model, kind in (
            (products, Product, ImportRow.Kind.PRODUCT_UPDATE),
            (variants, Variant, ImportRow.Kind.VARIANT_UPDATE),
        ):
            names = sorted({n for r in rows for n in r.changes})
            extra = ["version"] if model is Product else []
            executemany_update(model, [r.target for r in rows], names + extra + ["updated_at", "updated_by_id"])  # type: ignore[misc]
            snapshots += [
                ImportRow(
                    batch=self.batch,
                    kind=kind,
                    row_number=r.number,
                    sku=r.sku or "",
                    object_id=r.target["id"],  # type: ignore[index]
                    before={n: col.json_safe(a) for n, (a, _) in r.changes.items()},
                    after={n: col.json_safe(b) for n, (_, b) in r.changes.items()},
                    version_after=r.target.get("version"),  # type: ignore[union-attr]
                )
                for r in rows
            ]
        return snapshots


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
    (docs/imports.md has the figures). The created id ranges are shared under `ImportRun.shared` and the
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

    def __init__(self, run: ImportRun) -> None:
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

    def submit(self, chunk: list[Row], progress: ImportRun, staged: Staged | None = None) -> None:
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

    def _write(self, chunk: list[Row], progress: ImportRun, staged: Staged | None = None) -> None:
        if self.sqlite:  # the one writer: chunks commit in order, and the progress goes in the chunk's transaction
            with transaction.atomic():
                if chunk:
                    self.run._write(chunk, staged)
                if self.run.on_progress:
                    self.run.on_progress(progress)
            return
        if chunk:
            with transaction.atomic():
                self.run._write(chunk)
        with self.publishing:  # writers may finish out of order: never publish older counts over newer ones
            if self.run.on_progress and progress.processed > self.published:
                self.run.on_progress(progress)
                self.published = progress.processed
