"""The bulk import engine: validate rows chunk by chunk with a constant number of queries, then write in bulk.

Why not `product_create` per row: it runs `full_clean()` with two SKU lookups and a save per row, about four
queries a row. Here each chunk of rows costs the same handful of queries whatever its size: one lookup of the
chunk's SKUs in products and one in variants, one `bulk_create`, one `executemany` UPDATE, one insert of
undo/error rows and one progress update. The checks are the catalog's own: the same validators
(`catalog.validators`), the same Product/Variant `clean()` rules, run on values already in memory.
"""

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Model
from django.db.models.functions import Upper
from django.utils import timezone

from common.actors import Actor, actor_or_none

from ..choices import AttributeType
from ..models import Category, ImportBatch, ImportRow, Product, Variant
from ..services import category_attribute_definitions, category_get_or_create_path, sanitize_description
from ..services.attributes import _type_error
from . import columns as col

CHUNK_SIZE = 1000  # django-import-export's measured sweet spot for bulk writes (reliability.md §1)
FIRST_ERRORS_KEPT = 50
SAMPLE_DIFFS_KEPT = 20
PRODUCT_FIELDS = ("title", "description", "brand", "price", "currency", "compare_at_price", "cost_price")
PRODUCT_FIELDS += ("quantity", "barcode", "weight_grams", "status")
VARIANT_FIELDS = ("price", "compare_at_price", "quantity", "barcode")
PRODUCT_ONLY = PRODUCT_FIELDS[:3] + ("category", "currency", "cost_price", "weight_grams", "status")
CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "title": lambda v: col.limited_text(v, 255),
    "description": col.to_text,
    "brand": lambda v: col.limited_text(v, 120),
    "price": col.to_decimal,
    "currency": col.to_currency,
    "compare_at_price": col.to_decimal,
    "cost_price": col.to_decimal,
    "quantity": col.to_int,
    "barcode": col.to_barcode,
    "weight_grams": col.to_int,
    "status": col.to_status,
}


class RejectAll(Exception):
    """A row failed while committing under the reject-all policy."""


@dataclass(slots=True)
class Row:
    """One data row: its cells, what they mean, and what the import decided."""

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
    action: str = ""
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    instance: Any = None

    def fail(self, column: str, value: Any, message: str) -> None:
        self.errors.append({"column": column, "value": col.json_safe(value), "message": message})


def parse_row(number: int, cells: list[Any], cmap: col.ColumnMap) -> Row:
    """Convert the cells of one row; conversion problems become per-cell errors."""
    row = Row(number=number, cells=cells)

    def raw(name: str) -> Any:
        position = cmap.index.get(name)
        return cells[position] if position is not None and position < len(cells) else None

    def convert(name: str, func: Callable[[Any], Any]) -> Any:
        value = raw(name)
        try:
            return func(value)
        except col.CellError as exc:
            row.fail(name, value, str(exc))
            return None

    row.sku = convert("sku", col.to_sku)
    if row.sku is None and not row.errors:
        row.fail("sku", raw("sku"), "SKU is required.")
    row.parent_sku = convert("parent_sku", col.to_sku) if cmap.has("parent_sku") else None
    for name, func in CONVERTERS.items():
        if name in cmap.index:
            value = convert(name, func)
            if value is not None:
                row.values[name] = value
    if cmap.has("category"):
        row.category_path = convert("category", col.to_category_path)
    if cmap.has("image_urls"):
        row.image_urls = convert("image_urls", col.to_url_list) or []
    if cmap.has("channels"):
        row.channels = convert("channels", col.to_name_list) or []
    for code, position in cmap.attributes.items():
        value = cells[position] if position < len(cells) else None
        if not col.is_blank(value):
            row.attributes[code] = col.json_safe(value.strip() if isinstance(value, str) else value)
    for n in ("1", "2"):
        name, value = col.to_text(raw(f"option{n}_name")), col.to_text(raw(f"option{n}_value"))
        if name and value:
            row.options[name] = value
        elif name or value:
            row.fail(f"option{n}_value" if name else f"option{n}_name", value or name, "Give both the name and value.")
    if row.options and not row.parent_sku:
        row.fail("option1_name", next(iter(row.options)), "Options apply to variant rows only; fill parent_sku.")
    return row


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


def _executemany_update(model: type[Model], objects: list[Model], names: list[str]) -> None:
    """UPDATE many rows with one prepared statement: one round trip, unlike bulk_update's CASE WHEN per column."""
    if not objects:
        return
    fields = [model._meta.get_field(n) for n in names]
    table = connection.ops.quote_name(model._meta.db_table)
    sets = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)  # type: ignore[union-attr]
    sql = f"UPDATE {table} SET {sets} WHERE id = %s"  # noqa: S608 - names come from model metadata
    params = [
        [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields] + [obj.pk]  # type: ignore[union-attr]
        for obj in objects
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


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
        self.user = user
        self.on_progress = on_progress
        self.reject_all = batch.on_error == "reject-all"
        self.seen: dict[str, tuple[int, str]] = {}  # upper SKU -> (row number, "product" | "variant")
        self.categories: dict[tuple[str, ...], Category | None] = {}
        self.definitions: dict[int, list[Any]] = {}
        self.counts = {"create": 0, "update": 0, "unchanged": 0, "error": 0}
        self.processed = 0
        self.first_errors: list[dict[str, Any]] = []
        self.sample_diffs: list[dict[str, Any]] = []
        self.created_products: list[list[int]] = []
        self.created_variants: list[list[int]] = []
        self.started = time.perf_counter()
        self.now = timezone.now()

    # --- driving ---

    def chunks(self) -> Iterator[list[Row]]:
        """Product rows first, then variant rows, so every parent exists before its variants."""
        parsed = (parse_row(n, cells, self.cmap) for n, cells in self.raw_rows)
        variants: list[Row] = []
        chunk: list[Row] = []
        for row in parsed:
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

    def _lookup(self, chunk: list[Row]) -> tuple[dict[str, Product], dict[str, Variant]]:
        keys = {r.sku.upper() for r in chunk if r.sku} | {r.parent_sku.upper() for r in chunk if r.parent_sku}
        product_qs = Product.objects.alias(usku=Upper("sku")).filter(usku__in=keys)
        variant_qs = Variant.objects.alias(usku=Upper("sku")).filter(usku__in=keys).select_related("product")
        if self.commit and connection.features.has_select_for_update:
            product_qs, variant_qs = (
                product_qs.select_for_update(of=("self",)),
                variant_qs.select_for_update(of=("self",)),
            )
        products = {p.sku.upper(): p for p in product_qs}
        variants = {v.sku.upper(): v for v in variant_qs}
        return products, variants

    def _dedupe(self, row: Row) -> None:
        key = row.sku.upper()  # type: ignore[union-attr]
        earlier = self.seen.get(key)
        if earlier:
            row.fail("sku", row.sku, f"SKU '{row.sku}' is also on row {earlier[0]}; each SKU may appear once.")
        else:
            self.seen[key] = (row.number, "variant" if row.parent_sku else "product")

    def _category(self, path: tuple[str, ...]) -> Category | None:
        key = tuple(n.lower() for n in path)
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

    def _product_row(self, row: Row, products: dict[str, Product], variants: dict[str, Variant]) -> None:
        key = row.sku.upper()  # type: ignore[union-attr]
        if key in variants:
            other = variants[key]
            row.fail("sku", row.sku, f"SKU '{row.sku}' is a variant of product {other.product.sku}; fill parent_sku.")
            return
        existing = products.get(key)
        values = dict(row.values)
        if "description" in values:
            values["description"] = sanitize_description(values["description"])
        category = self._category(row.category_path) if row.category_path else None
        if existing is None:
            for required in ("title", "price"):
                if required not in values:
                    row.fail(required, None, f"{required.capitalize()} is required for a new product.")
            product = Product(sku=row.sku, **values, created_by=self.actor, updated_by=self.actor)
            product.category = category
            product.attributes = dict(row.attributes)
        else:
            product = existing
            old = {name: getattr(product, name) for name in values}
            if row.category_path:
                old["category_id"] = product.category_id
                values["category_id"] = category.pk if category else -1  # -1: a category created at commit
            if row.attributes:
                old["attributes"] = product.attributes
                values["attributes"] = {**product.attributes, **row.attributes}
            row.changes = {n: (old[n], v) for n, v in values.items() if old[n] != v}
            if category is not None or row.category_path:
                product.category = category
            for name, (_, new) in row.changes.items():
                if name != "category_id":
                    setattr(product, name, new)
        self._product_rules(row, product, category)
        if row.errors:
            return  # the chunk's instances are fresh, so a half-changed one is simply dropped
        row.instance = product
        row.action = "create" if existing is None else ("update" if row.changes else "unchanged")

    def _product_rules(self, row: Row, product: Product, category: Category | None) -> None:
        compare, price = product.compare_at_price, product.price
        if compare is not None and price is not None and compare < price:
            row.fail("compare_at_price", str(compare), f"Compare-at price {compare} is below the price {price}.")
        for column, message in self._attribute_errors(category, product.attributes).items():
            row.fail(column, product.attributes.get(column[5:]), message)

    def _variant_row(self, row: Row, products: dict[str, Product], variants: dict[str, Variant]) -> None:
        key, parent_key = row.sku.upper(), row.parent_sku.upper()  # type: ignore[union-attr]
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
            row.fail(
                "price", str(values["price"]), "A variant price must be at least 0.01 (leave blank for the product's)."
            )
            return
        existing = variants.get(key)
        if existing is None:
            variant = Variant(sku=row.sku, options=dict(row.options), **values, created_by=self.actor)
            variant.updated_by = self.actor
            if parent is not None:
                variant.product = parent
            row.instance, row.action = variant, "create"
            return
        if parent is not None and existing.product_id != parent.pk:
            row.fail("parent_sku", row.parent_sku, f"Variant '{row.sku}' belongs to product {existing.product.sku}.")
            return
        if row.options:
            values["options"] = {**existing.options, **row.options}
        row.changes = {n: (getattr(existing, n), v) for n, v in values.items() if getattr(existing, n) != v}
        for name, (_, new) in row.changes.items():
            setattr(existing, name, new)
        row.instance, row.action = existing, ("update" if row.changes else "unchanged")

    # --- results ---

    def _keep_errors(self, chunk: list[Row]) -> None:
        failed = [r for r in chunk if r.errors]
        for row in failed:
            for error in row.errors:
                if len(self.first_errors) < FIRST_ERRORS_KEPT:
                    self.first_errors.append({"sheet": self.sheet_name, "row": row.number, **error})
        for row in chunk:
            if row.action == "update" and len(self.sample_diffs) < SAMPLE_DIFFS_KEPT:
                self.sample_diffs.append(
                    {
                        "row": row.number,
                        "sku": row.sku,
                        "changes": {n: [col.json_safe(a), col.json_safe(b)] for n, (a, b) in row.changes.items()},
                    }
                )
        ImportRow.objects.bulk_create(
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
        new_products = [r.instance for r in chunk if r.action == "create" and isinstance(r.instance, Product)]
        new_variants = [r.instance for r in chunk if r.action == "create" and isinstance(r.instance, Variant)]
        updated = [r for r in chunk if r.action == "update"]
        Product.objects.bulk_create(new_products, batch_size=CHUNK_SIZE)
        _ranges([p.pk for p in new_products], self.created_products)
        for variant in new_variants:
            variant.product_id = variant.product.pk
        Variant.objects.bulk_create(new_variants, batch_size=CHUNK_SIZE)
        _ranges([v.pk for v in new_variants], self.created_variants)
        snapshots = self._write_updates(updated)
        snapshots += [
            ImportRow(
                batch=self.batch,
                kind=ImportRow.Kind.IMAGES,
                row_number=r.number,
                object_id=r.instance.pk,
                sku=r.sku or "",
                values=r.image_urls,
            )
            for r in chunk
            if r.image_urls and isinstance(r.instance, Product) and r.action != "error"
        ]
        snapshots += [
            ImportRow(
                batch=self.batch,
                kind=ImportRow.Kind.CHANNELS,
                row_number=r.number,
                object_id=r.instance.pk,
                sku=r.sku or "",
                values=r.channels,
            )
            for r in chunk
            if r.channels and isinstance(r.instance, Product) and r.action != "error"
        ]
        ImportRow.objects.bulk_create(snapshots, batch_size=CHUNK_SIZE)

    def _write_updates(self, updated: list[Row]) -> list[ImportRow]:
        snapshots: list[ImportRow] = []
        products = [r for r in updated if isinstance(r.instance, Product)]
        variants = [r for r in updated if isinstance(r.instance, Variant)]
        for row in products:
            if "category_id" in row.changes:
                row.changes["category_id"] = (row.changes["category_id"][0], row.instance.category_id)
            row.instance.version += 1
            row.instance.updated_at, row.instance.updated_by = self.now, self.actor
        for row in variants:
            row.instance.updated_at, row.instance.updated_by = self.now, self.actor
        for rows, model, kind in (
            (products, Product, ImportRow.Kind.PRODUCT_UPDATE),
            (variants, Variant, ImportRow.Kind.VARIANT_UPDATE),
        ):
            names = sorted({n for r in rows for n in r.changes})
            extra = ["version"] if model is Product else []
            _executemany_update(model, [r.instance for r in rows], names + extra + ["updated_at", "updated_by"])
            snapshots += [
                ImportRow(
                    batch=self.batch,
                    kind=kind,
                    row_number=r.number,
                    sku=r.sku or "",
                    object_id=r.instance.pk,
                    before={n: col.json_safe(a) for n, (a, _) in r.changes.items()},
                    after={n: col.json_safe(b) for n, (_, b) in r.changes.items()},
                    version_after=getattr(r.instance, "version", None),
                )
                for r in rows
            ]
        return snapshots
