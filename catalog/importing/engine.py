"""The bulk import engine: validate rows chunk by chunk with a constant number of queries, then write in bulk.

Why not `product_create` per row: it runs `full_clean()` with two SKU lookups and a save per row, about four
queries a row. Here each chunk of rows costs the same handful of queries whatever its size: one lookup of the
chunk's SKUs in products and one in variants, one `executemany` INSERT and one UPDATE, one insert of
undo/error rows and one progress update. The checks are the catalog's own: the same validators
(`catalog.validators`), the same Product/Variant `clean()` rules, run on values already in memory.
"""

import decimal
import functools
import json
import operator
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django.db import connection, models, transaction
from django.db.models import Model
from django.utils import timezone

from common.actors import Actor, actor_or_none
from common.audit import IGNORED_FIELDS, AuditActor, audit_record_bulk, audit_record_created_sql

from ..choices import AttributeType
from ..models import Category, ImportBatch, ImportRow, Product, Variant
from ..services import category_attribute_definitions, category_get_or_create_path, sanitize_description
from ..services.attributes import _type_error
from . import columns as col
from .channels import channel_names

CHUNK_SIZE = 1000  # django-import-export's measured sweet spot for bulk writes (reliability.md §1)
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
CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "title": col.text_limited_to(255),
    "description": col.to_text,
    "brand": col.text_limited_to(120),
    "price": col.to_decimal,
    "currency": col.to_currency,
    "compare_at_price": col.to_decimal,
    "cost_price": col.to_decimal,
    "quantity": col.to_int,
    "barcode": col.to_barcode,
    "weight_grams": col.to_int,
    "status": col.to_status,
}


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


class RejectAll(Exception):
    """A row failed while committing under the reject-all policy."""


@dataclass(slots=True)
class Row:
    """One data row: its cells, what they mean, and what the import decided.

    `target` holds the field values to write keyed by attname (a new row's full set, or an existing row's
    values with the changes applied); `changes` maps attname -> (old, new).
    """

    number: int
    cells: list[Any]
    sku: str | None = None
    parent_sku: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    category_path: tuple[str, ...] | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    image_urls: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    blanks: list[str] = field(default_factory=list)  # present field columns left blank on this row
    action: str = ""
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    target: dict[str, Any] | None = None

    def fail(self, column: str, value: Any, message: str) -> None:
        self.errors.append({"column": column, "value": col.json_safe(value), "message": message})


class RowParser:
    """Converts cells to values with a plan made once per sheet (the hot loop of an import)."""

    def __init__(self, cmap: col.ColumnMap) -> None:
        self.cmap = cmap
        self.plan = [(name, cmap.index[name], func) for name, func in CONVERTERS.items() if name in cmap.index]
        self.sku_at = cmap.index.get("sku")
        self.parent_at = cmap.index.get("parent_sku")
        self.lists = [
            (name, cmap.index[name], func)
            for name, func in (("image_urls", col.to_url_list), ("channels", col.to_name_list))
            if name in cmap.index
        ]
        self.options = [
            (n, cmap.index.get(f"option{n}_name"), cmap.index.get(f"option{n}_value"))
            for n in ("1", "2")
            if f"option{n}_name" in cmap.index or f"option{n}_value" in cmap.index
        ]

    def parse(self, number: int, cells: list[Any]) -> Row:
        row = Row(number=number, cells=cells)
        width = len(cells)
        row.sku = self._one(row, "sku", self.sku_at, col.to_sku, width)
        if row.sku is None and not row.errors:
            row.fail("sku", None, "SKU is required.")
        if self.parent_at is not None:
            row.parent_sku = self._one(row, "parent_sku", self.parent_at, col.to_sku, width)
        values = row.values
        for name, position, func in self.plan:  # inlined: this loop runs for every cell of the file
            raw = cells[position] if position < width else None
            if raw is None or raw == "":
                row.blanks.append(name)
                continue
            try:
                value = func(raw)
            except col.CellError as exc:
                row.fail(name, raw, str(exc))
                continue
            if value is None:
                row.blanks.append(name)  # spaces only
            else:
                values[name] = value
        category_at = self.cmap.index.get("category")
        if category_at is not None:
            if col.is_blank(cells_get(cells, category_at, width)):
                row.blanks.append("category")
            else:
                row.category_path = self._one(row, "category", category_at, col.to_category_path, width)
        for name, position, func in self.lists:
            setattr(row, name, self._one(row, name, position, func, width) or [])
        for code, position in self.cmap.attributes.items():
            value = cells[position] if position < width else None
            if not col.is_blank(value):
                row.attributes[code] = col.json_safe(value.strip() if isinstance(value, str) else value)
            else:
                row.blanks.append(col.ATTRIBUTE_PREFIX + code)
        if self.options:
            self._parse_options(row, width)
        return row

    def _one(self, row: Row, name: str, position: int | None, func: Callable[[Any], Any], width: int) -> Any:
        value = cells_get(row.cells, position, width)
        if value is None or value == "":
            return None
        try:
            return func(value)
        except col.CellError as exc:
            row.fail(name, value, str(exc))
            return None

    def _parse_options(self, row: Row, width: int) -> None:
        for n, name_at, value_at in self.options:
            name = col.to_text(cells_get(row.cells, name_at, width))
            value = col.to_text(cells_get(row.cells, value_at, width))
            if name and value:
                row.options[name] = value
            elif name or value:
                filled = f"option{n}_name" if name else f"option{n}_value"
                row.fail(filled, name or value, f"Give both option{n}_name and option{n}_value.")
        if row.options and not row.parent_sku:
            row.fail("option1_name", next(iter(row.options)), "Options apply to variant rows only; fill parent_sku.")


def cells_get(cells: list[Any], position: int | None, width: int) -> Any:
    return cells[position] if position is not None and position < width else None


def parse_row(number: int, cells: list[Any], cmap: col.ColumnMap) -> Row:
    return RowParser(cmap).parse(number, cells)


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


def _ranges(ids: list[int], into: list[list[int]]) -> None:
    for pk in sorted(ids):
        if into and into[-1][1] + 1 == pk:
            into[-1][1] = pk
        else:
            into.append([pk, pk])


def clean_description(text: str) -> str:
    return sanitize_description(text) if any(c in text for c in UNSAFE_HTML_CHARS) else text


def _preparers(fields: list[Any]) -> list[Callable[[Any], Any]]:
    """Per-field value adapters: identity where the driver takes the Python value as is (most columns), the
    field's own `get_db_prep_save` otherwise (JSON, datetimes), so values match what the ORM would send."""
    plain: tuple[type, ...] = (models.CharField, models.TextField, models.IntegerField, models.DecimalField)
    plain += (models.ForeignKey, models.BooleanField, models.BigIntegerField, models.PositiveIntegerField)
    out: list[Callable[[Any], Any]] = []
    for f in fields:
        if isinstance(f, plain) and not isinstance(f, models.JSONField):
            out.append(_identity)
        elif isinstance(f, models.DateTimeField):  # every row of a chunk carries the same timestamp
            out.append(functools.lru_cache(maxsize=4)(functools.partial(f.get_db_prep_save, connection=connection)))
        elif isinstance(f, models.JSONField):
            out.append(_json_preparer(f))
        else:
            out.append(functools.partial(f.get_db_prep_save, connection=connection))
    return out


def _json_preparer(field: models.JSONField) -> Callable[[Any], Any]:
    """The field's own preparation, with the empty dict and list (most attributes, options, snapshots) prepared
    once: json.dumps through the field's encoder costs ~2.4 us a value."""
    prepare = functools.partial(field.get_db_prep_save, connection=connection)
    empty_dict, empty_list = prepare({}), prepare([])

    def prep(value: Any) -> Any:
        if not value and type(value) is dict:
            return empty_dict
        if not value and type(value) is list:
            return empty_list
        return prepare(value)

    return prep


def _identity(value: Any) -> Any:
    return value


def executemany_insert(model: type[Model], rows: list[dict[str, Any]]) -> None:
    """INSERT rows (attname dicts, full set of columns) with one prepared statement.

    bulk_create compiles every value through the ORM and splits SQLite inserts into ~40-row statements (999
    parameters); with 24 columns that was 70 % of a 100k-row import. Ids are read back by the caller.
    """
    if not rows:
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    preparers = _preparers(fields)
    plain = [f for f, p in zip(fields, preparers, strict=True) if p is _identity]
    special_fields = [(f, p) for f, p in zip(fields, preparers, strict=True) if p is not _identity]
    special = [(f.attname, p) for f, p in special_fields]
    quote = connection.ops.quote_name
    names = ", ".join(quote(str(f.column)) for f in plain + [f for f, _ in special_fields])
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({marks})"  # noqa: S608
    take = operator.itemgetter(*[f.attname for f in plain])  # one C call per row for the plain columns
    params = [take(row) + tuple([p(row[a]) for a, p in special]) for row in rows]
    if connection.vendor == "postgresql":
        # COPY streams the rows in one command; executemany was ~5x slower here (benchmarks/bench_import.py)
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(  # type: ignore[attr-defined]
                f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN"
            ) as copy,
        ):
            for values in params:
                copy.write_row(values)
        return
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def executemany_update(model: type[Model], rows: list[dict[str, Any]], names: list[str]) -> None:
    """UPDATE many rows with one prepared statement (`rows` are attname dicts with "id").

    One round trip per chunk, unlike `bulk_update`, whose CASE WHEN per column is ~5x slower on SQLite
    (reliability.md §1).
    """
    if not rows:
        return
    fields = [cast(models.Field, model._meta.get_field(n)) for n in names]
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(str(f.column))} = %s" for f in fields)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {sets} WHERE id = %s"  # noqa: S608 - names from model meta
    prep = list(zip([f.attname for f in fields], _preparers(fields), strict=True))
    params = [[p(row[a]) for a, p in prep] + [row["id"]] for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def insert_import_rows(rows: list[ImportRow]) -> None:
    """Insert undo/error rows in one statement (bulk_create needs ~10 statements per 1,000 on SQLite)."""
    fields = [f.attname for f in ImportRow._meta.concrete_fields if not f.primary_key]
    executemany_insert(ImportRow, [{name: getattr(row, name) for name in fields} for row in rows])


def _defaults(model: type[Model]) -> dict[str, Any]:
    return {f.attname: f.get_default() for f in model._meta.concrete_fields if not f.primary_key}


class RowReader:
    """Fetch rows of a model by upper-case SKU as attname dicts, with one prepared SELECT per chunk.

    The ORM's `.values()` spent ~10 ms per 1,000 SKUs compiling the IN list and running per-value converters,
    three times the query itself; this builds the SQL once and converts only the columns that need it (JSON
    text, and on SQLite decimals stored as REAL), exactly as the ORM's converters would.
    """

    def __init__(self, model: type[Model], names: tuple[str, ...], parent_sku: tuple[Any, str, str] | None = None):
        quote = connection.ops.quote_name
        fields = [cast(models.Field, model._meta.get_field(n)) for n in names]
        self.names = [f.attname for f in fields]
        columns = [f"t.{quote(str(f.column))}" for f in fields]
        joins = ""
        if parent_sku:  # the parent's SKU, for messages such as "Variant 'X' belongs to product Y"
            parent, fk, column = parent_sku
            joins = f" JOIN {quote(parent._meta.db_table)} p ON p.id = t.{quote(fk)}"
            columns.append(f"p.{quote(column)}")
            self.names.append("parent_sku")
        self.sql = f"SELECT {', '.join(columns)} FROM {quote(model._meta.db_table)} t{joins} WHERE UPPER(t.sku) IN "
        self.id_sql = f"SELECT UPPER(t.sku), t.id FROM {quote(model._meta.db_table)} t WHERE UPPER(t.sku) IN "
        self.converters = [(i, c) for i, f in enumerate(fields) if (c := _converter(f)) is not None]

    def by_sku(self, keys: set[str], *, lock: bool = False) -> dict[str, dict[str, Any]]:
        if not keys:
            return {}
        sql = self.sql + "(" + ", ".join(["%s"] * len(keys)) + ")" + (" FOR UPDATE OF t" if lock else "")
        with connection.cursor() as cursor:
            cursor.execute(sql, list(keys))
            rows = cursor.fetchall()
        return self._convert(rows)

    def ids_by_sku(self, keys: set[str]) -> dict[str, int]:
        """Upper-case SKU -> id (the ids of rows just inserted, which executemany and COPY do not return)."""
        if not keys:
            return {}
        with connection.cursor() as cursor:
            cursor.execute(self.id_sql + "(" + ", ".join(["%s"] * len(keys)) + ")", list(keys))
            return dict(cursor.fetchall())

    def _convert(self, rows: list[Any]) -> dict[str, dict[str, Any]]:
        names, converters, out = self.names, self.converters, {}
        for values in rows:
            if converters:
                values = list(values)
                for i, convert in converters:
                    if values[i] is not None:
                        values[i] = convert(values[i])
            row = dict(zip(names, values, strict=True))
            out[row["sku"].upper()] = row
        return out


_SQLITE_DECIMALS = decimal.Context(prec=15)  # what Django's SQLite converter uses for REAL-stored decimals


def _converter(field: models.Field) -> Callable[[Any], Any] | None:
    if isinstance(field, models.JSONField):
        return lambda v: json.loads(v) if isinstance(v, str | bytes) else v
    if isinstance(field, models.DecimalField) and connection.vendor == "sqlite":
        step = Decimal(1).scaleb(-int(field.decimal_places or 0))

        def to_decimal(value: Any) -> Decimal:
            if isinstance(value, float):
                return _SQLITE_DECIMALS.create_decimal_from_float(value).quantize(step)
            return Decimal(value).quantize(step)

        return to_decimal
    return None


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

    # --- driving ---

    def chunks(self) -> Iterator[list[Row]]:
        """Product rows first, then variant rows, so every parent exists before its variants."""
        parser = RowParser(self.cmap)
        variants: list[Row] = []
        chunk: list[Row] = []
        for number, cells in self.raw_rows:
            row = parser.parse(number, cells)
            if row.parent_sku:
                variants.append(row)
                continue
            chunk.append(row)
            if len(chunk) >= CHUNK_SIZE:
                yield chunk
                chunk = []
        for index in range(0, len(variants), CHUNK_SIZE):
            if chunk:
                yield chunk
            chunk = variants[index : index + CHUNK_SIZE]
        if chunk:
            yield chunk

    def run(self) -> None:
        for chunk in self.chunks():
            if self.commit:
                try:
                    with transaction.atomic():
                        self.process(chunk)
                except RejectAll:
                    self._keep_errors(chunk)  # outside the rolled-back chunk, so the error workbook has them
                    raise
            else:
                self.process(chunk)
            self.processed += len(chunk)
            if self.on_progress:
                self.on_progress(self)

    @property
    def rows_per_second(self) -> float:
        elapsed = time.perf_counter() - self.started
        return round(self.processed / elapsed, 1) if elapsed > 0 else 0.0

    def process(self, chunk: list[Row]) -> None:
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
        if self.commit:
            self._write(chunk)

    # --- checks ---

    def _lookup(self, chunk: list[Row]) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
        keys = {r.sku.upper() for r in chunk if r.sku} | {r.parent_sku.upper() for r in chunk if r.parent_sku}
        lock = self.commit and connection.features.has_select_for_update
        return self.product_reader.by_sku(keys, lock=lock), self.variant_reader.by_sku(keys, lock=lock)

    def _dedupe(self, row: Row) -> None:
        key = row.sku.upper()  # type: ignore[union-attr]
        earlier = self.seen.get(key)
        if earlier:
            row.fail("sku", row.sku, f"SKU '{row.sku}' is also on row {earlier[0]}; each SKU may appear once.")
        else:
            self.seen[key] = (row.number, "variant" if row.parent_sku else "product")

    def _category(self, path: tuple[str, ...]) -> Category | None:
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

    def _attribute_errors(self, category: Category | None, attributes: dict[str, Any]) -> dict[str, Any]:
        """Check (and coerce text cells of) attributes like `attributes_validate`, with definitions cached."""
        if category is None:
            return {}
        if category.pk not in self.definitions:
            self.definitions[category.pk] = category_attribute_definitions(category)
        problems: dict[str, Any] = {}
        for definition in self.definitions[category.pk]:
            value = attributes.get(definition.code)
            if value in (None, ""):
                if definition.is_required:
                    problems[f"attr:{definition.code}"] = f"'{definition.code}' ({definition.label}) is required."
                continue
            value = attributes[definition.code] = _coerce_attribute(definition.type, value)
            message = _type_error(definition, value)
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
        category = self._category(row.category_path) if row.category_path else None
        if category is not None or row.category_path:
            values["category_id"] = category.pk if category else -1  # -1: a category created at commit
        if existing is None:
            for required in ("title", "price"):
                if required not in values:
                    row.fail(required, None, f"{required.capitalize()} is required for a new product.")
            target = {**values, "attributes": dict(row.attributes)}
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

    def _write(self, chunk: list[Row]) -> None:
        stamp = {
            "created_by_id": self.actor_id,
            "updated_by_id": self.actor_id,
            "created_at": self.now,
            "updated_at": self.now,
        }
        new_products: list[Row] = []
        new_variants: list[Row] = []
        for row in chunk:
            if row.action != "create":
                continue
            defaults = self.variant_defaults if row.parent_sku else self.product_defaults
            row.target = {**defaults, **row.target, **stamp, "sku": row.sku}  # type: ignore[dict-item]
            (new_variants if row.parent_sku else new_products).append(row)
        for model, rows, ranges in (
            (Product, new_products, self.created_products),
            (Variant, new_variants, self.created_variants),
        ):
            executemany_insert(model, [r.target for r in rows])  # type: ignore[misc]
            if rows:
                reader = self.product_reader if model is Product else self.variant_reader
                ids = reader.ids_by_sku({r.sku.upper() for r in rows})  # type: ignore[union-attr]
                for row in rows:
                    row.target["id"] = ids[row.sku.upper()]  # type: ignore[index,union-attr]
                _ranges(list(ids.values()), ranges)
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
