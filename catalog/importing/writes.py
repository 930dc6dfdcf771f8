"""The writes of a checked chunk: new rows inserted, changed rows updated, audit entries, undo snapshots.

Each chunk costs the same handful of statements whatever its size: one `executemany` INSERT per model and one
UPDATE, one INSERT ... SELECT of audit entries per model, one insert of undo rows, and the readiness refresh
of the listings of the products it changed. The writes bypass the model signals, so they write the audit
entries themselves.
"""

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, cast

from django.db import connection, models
from django.db.models import Model

from accounts.audit import IGNORED_FIELDS, AuditActor, audit_record_bulk, audit_record_created_sql
from common import events
from common.sql import id_ranges
from listings.choices import ChangesetKind, ChangeType
from listings.models import Changeset
from listings.services import changeset_open, content_versions_record, listings_readiness_refresh

from ..events import STOCK_QUANTITIES_IMPORTED
from ..fields import PRODUCT_CONTENT_TEXT_FIELDS, PRODUCT_MEASURE_FIELDS
from ..models import ImportBatch, ImportRow, Product, Variant
from ..services.readiness import (
    CONTENT,
    MARGIN_INPUT_FIELDS,
    OFFERS,
    payload_parts,
    products_payload_changed,
    products_prices_changed,
)
from . import columns as col
from .rows import Row
from .sql import (
    PreparedInsert,
    RowReader,
    executemany_insert,
    executemany_update,
    insert_import_rows,
    insert_prepare_sparse,
)
from .tuning import TableStatistics


@dataclass(slots=True)
class AuditRef:
    """What `audit_record_bulk` reads of a row (its pk and label) without building a model instance per row."""

    pk: int
    label: str

    def __str__(self) -> str:
        return self.label


class Staged(NamedTuple):
    """What `ChunkWrites.stage` builds of a checked chunk for its write."""

    new_products: list[Row]
    new_variants: list[Row]
    prepared: dict[type[Model], PreparedInsert]


def _audited(model: type[Model]) -> list[tuple[str, str]]:
    """(attname, field name) of the fields the audit trail records for `model` (its signal handlers' set)."""
    return [
        (f.attname, f.name)
        for f in model._meta.concrete_fields
        if not f.primary_key and f.name not in IGNORED_FIELDS and not isinstance(f, models.BinaryField)
    ]


def _defaults(model: type[Model]) -> dict[str, Any]:
    return {f.attname: f.get_default() for f in model._meta.concrete_fields if not f.primary_key}


class ChunkWrites:
    """Write checked chunks of one import run, on whichever thread's connection calls `write`.

    `created_products` / `created_variants` are the id ranges created so far (a resumed commit starts from what
    the first attempt created); writer threads extend them under `shared`, and no query runs while it is held.
    """

    def __init__(
        self,
        *,
        batch: ImportBatch,
        cmap: col.ColumnMap,
        audit_actor: AuditActor,
        actor_id: int | None,
        now: datetime,
        product_reader: RowReader,
        variant_reader: RowReader,
    ) -> None:
        self.batch, self.cmap, self.audit_actor, self.actor_id, self.now = batch, cmap, audit_actor, actor_id, now
        self.product_reader, self.variant_reader = product_reader, variant_reader
        self.product_defaults = _defaults(Product)
        self.variant_defaults = _defaults(Variant)
        self.audited = {Product: _audited(Product), Variant: _audited(Variant)}
        self.statistics = TableStatistics()
        self.shared = threading.Lock()
        self.created_products: list[list[int]] = []
        self.created_variants: list[list[int]] = []
        self.changeset: Changeset | None = None

    def stage(self, chunk: list[Row]) -> Staged:
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

    def write(self, chunk: list[Row], staged: Staged | None = None) -> None:
        new_products, new_variants, prepared = staged or self.stage(chunk)
        self._insert(Product, new_products, prepared, self.created_products)
        self._insert(Variant, new_variants, prepared, self.created_variants)
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
        self._versions(chunk)
        self._quantities_imported(chunk)

    def _versions(self, chunk: list[Row]) -> None:
        """Version the products the chunk created or changed, set-wise (docs/catalog.md#versions)."""
        created = [r.target["id"] for r in chunk if not r.parent_sku and r.action == "create"]  # type: ignore[index]
        changed = [
            r.target["id"]  # type: ignore[index]
            for r in chunk
            if not r.parent_sku and r.action == "update" and CONTENT in payload_parts(r.changes)
        ]
        if created or changed:
            content_versions_record(
                product_ids=created + changed,
                new_product_ids=created,
                user=self.changeset.created_by if self.changeset else None,
                change_type=ChangeType.IMPORT,
                source=f"import batch #{self.batch.pk}",
                reason="",
                changeset=self.changeset,
            )

    def _quantities_imported(self, chunk: list[Row]) -> None:
        """Hand the quantities this chunk wrote to the stock ledger (event STOCK_QUANTITIES_IMPORTED): an updated
        row whose quantity changed, a new row with a quantity."""
        items = []
        for r in chunk:
            target = r.target or {}
            if r.action == "update" and "quantity" in r.changes:
                quantity = r.changes["quantity"][1]
            elif r.action == "create" and target.get("quantity"):
                quantity = target["quantity"]
            else:
                continue
            product_id = target["product_id"] if r.parent_sku else target["id"]
            variant_id = target["id"] if r.parent_sku else None
            items.append({"product_id": product_id, "variant_id": variant_id, "sku": r.sku or "",
                          "quantity": int(quantity), "row": r.number})  # fmt: skip
        if items:
            events.publish(STOCK_QUANTITIES_IMPORTED, batch=self.batch, items=items)

    def _insert(
        self, model: type[Model], rows: list[Row], prepared: dict[type[Model], PreparedInsert], ranges: list[list[int]]
    ) -> None:
        """Insert the new rows of one model, give each row its id and record the ids as created."""
        new_ids = executemany_insert(model, [r.target for r in rows], prepared=prepared.get(model))  # type: ignore[misc]
        self.statistics.grew(model, len(rows))
        if not rows:
            return
        if new_ids is None:
            reader = self.product_reader if model is Product else self.variant_reader
            by_sku = reader.ids_by_sku({r.sku.upper() for r in rows})  # type: ignore[union-attr]
            new_ids = [by_sku[row.sku.upper()] for row in rows]  # type: ignore[union-attr]
        for row, pk in zip(rows, new_ids, strict=True):
            row.target["id"] = pk  # type: ignore[index]
        with self.shared:
            id_ranges(new_ids, into=ranges)

    def _refresh_readiness(self, chunk: list[Row]) -> None:
        """Re-check the listings of the products this chunk changed (in bulk: a few queries per chunk)."""
        touched = {
            r.target["product_id"] if r.parent_sku else r.target["id"]  # type: ignore[index]
            for r in chunk
            if r.action == "update" or (r.action == "create" and r.parent_sku)
        }
        if touched:
            listings_readiness_refresh(product_ids=touched)
        self._mark_changed(chunk)

    def _mark_changed(self, chunk: list[Row]) -> None:
        """Tell listings which products' payloads this chunk changed, grouped by part: at most three set-based
        marks per chunk, never one per row (docs/sync.md, "Push on change")."""
        by_parts: dict[frozenset[str], set[int]] = {}
        for r in chunk:
            if r.action == "update":
                parts = payload_parts(r.changes, variant=bool(r.parent_sku))
            elif r.action == "create" and r.parent_sku:
                parts = frozenset({OFFERS, CONTENT})
            else:
                continue
            if parts:
                by_parts.setdefault(parts, set()).add(
                    r.target["product_id"] if r.parent_sku else r.target["id"]  # type: ignore[index]
                )
        for parts, product_ids in by_parts.items():
            products_payload_changed(product_ids, parts)
        repriced: set[int] = set()
        moved: set[str] = set()  # a price, the cost price or the category: the margins follow (docs/pricing.md)
        for r in chunk:
            if r.action == "update" and MARGIN_INPUT_FIELDS & set(r.changes):
                repriced.add(r.target["product_id"] if r.parent_sku else r.target["id"])  # type: ignore[index]
                moved |= MARGIN_INPUT_FIELDS & set(r.changes)
        products_prices_changed(repriced, moved, source="import")

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
            optional += ["short_description", *PRODUCT_CONTENT_TEXT_FIELDS]
            fields += [name for name in [*optional, *PRODUCT_MEASURE_FIELDS] if name in present]
            fields += ["metafields"] if self.cmap.metafields else []
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
        """Write the changed rows (version +1 for products); return their undo snapshots."""
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


def import_changeset(batch: ImportBatch, actor: Any) -> Changeset:
    """The changeset of a batch's commit (a resumed commit keeps the first attempt's)."""
    existing = Changeset.objects.filter(import_batch_id=batch.pk).first()
    if existing is not None:
        return existing
    return changeset_open(
        kind=ChangesetKind.IMPORT,
        description=f"Import batch #{batch.pk} ({batch})"[:500],
        user=actor,
        import_batch_id=batch.pk,
    )
