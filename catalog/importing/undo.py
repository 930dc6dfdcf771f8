"""Undo of a committed import batch: delete what it created, restore what it updated, chunk by chunk.

The undo runs in a worker, in chunks of CHUNK_SIZE rows, each chunk in its own transaction together with the
progress (`undo_report`: done/total, the refusals so far, and a cursor per step). A worker that dies half-way
leaves the batch "undoing"; running the task again resumes after the last finished chunk. The request that
queues it is `services.import_batch_undo_request`.
"""

import logging
import time
from typing import Any, cast

from django.db import connection, transaction
from django.db.models import Field, ProtectedError
from django.utils import timezone

from common import events
from common.actors import Actor, actor_or_none
from listings.services import listings_readiness_refresh

from ..events import STOCK_QUANTITIES_IMPORTED
from ..models import ImportBatch, ImportBatchStatus, ImportRow, Product, Variant
from ..services.readiness import CONTENT, OFFERS, payload_parts, products_payload_changed, products_prices_changed
from . import columns as col
from .channels import import_listings_remove
from .engine import CHUNK_SIZE
from .kinds import sheet_kind_of
from .sql import executemany_update

logger = logging.getLogger(__name__)
UNDO_REFUSALS_KEPT = 200
Status = ImportBatchStatus


def undo_report_start(batch: ImportBatch) -> dict[str, Any]:
    """The undo's progress record before its first chunk: the rows to go through, nothing done yet."""
    updates = batch.rows.filter(kind__in=[ImportRow.Kind.PRODUCT_UPDATE, ImportRow.Kind.VARIANT_UPDATE]).count()
    ranges = [*batch.created_product_ids, *batch.created_variant_ids]
    created = sum(last - first + 1 for first, last in ranges)
    return {
        "total": updates + created,
        "done": 0,
        "rows_per_second": 0,
        "restored": 0,
        "deleted": 0,
        "listings_deleted": 0,
        "refused_count": 0,
        "refused": [],
        "cursor": {},
    }


def import_batch_undo(*, batch: ImportBatch, user: Actor = None) -> ImportBatch:
    """Roll a committed batch back: delete what it created and restore what it updated, chunk by chunk.

    Rows changed by anyone since the import are left alone and listed in `undo_report["refused"]`. Runs in the
    worker (`import_batch_undo_task`) for a batch marked "undoing" by `import_batch_undo_request`; a committed
    batch is accepted too (the reject-all path of a commit, which already runs in a worker).
    """
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status == Status.COMMITTED:
            batch.status, batch.updated_by = Status.UNDOING, actor_or_none(user)
            batch.undo_report = undo_report_start(batch)
            batch.save(update_fields=["status", "updated_by", "undo_report"])
        elif batch.status != Status.UNDOING:  # already undone, or a queue that delivered the task twice
            logger.info("import %s: undo skipped, status is %s", batch.pk, batch.status)
            return batch
    kind = sheet_kind_of(batch)
    if kind is not None:  # another kind of sheet (kinds.py) undoes its own writes
        batch.message = kind.undo(batch=batch, user=user)
        batch.undo_report = {**batch.undo_report, "undone_at": timezone.now().isoformat()}
        batch.status = Status.UNDONE
        batch.save(update_fields=["undo_report", "status", "message", "updated_at"])
        return batch
    undo = _Undo(batch)
    undo.run()
    report = {k: v for k, v in batch.undo_report.items() if k != "cursor"}
    report["undone_at"] = timezone.now().isoformat()
    refused, restored, deleted = report["refused_count"], report["restored"], report["deleted"]
    batch.undo_report, batch.status = report, Status.UNDONE
    batch.message = f"Undone: {deleted} created row(s) deleted, {restored} updated row(s) restored" + (
        f"; {refused} row(s) left as they are because they changed since the import." if refused else "."
    )
    batch.save(update_fields=["undo_report", "status", "message", "updated_at"])
    return batch


class _Undo:
    """The steps of one undo, each resumable from `undo_report["cursor"]`."""

    def __init__(self, batch: ImportBatch) -> None:
        self.batch = batch
        self.report = batch.undo_report
        self.cursor: dict[str, Any] = self.report.setdefault("cursor", {})
        self.now = timezone.now()
        self.started = time.perf_counter()
        self.done_at_start = int(self.report.get("done", 0))

    def run(self) -> None:
        self._updates(ImportRow.Kind.VARIANT_UPDATE, Variant)
        self._updates(ImportRow.Kind.PRODUCT_UPDATE, Product)
        if not self.cursor.get("listings"):
            with transaction.atomic():
                refused: list[dict[str, Any]] = []
                self.report["listings_deleted"] += import_listings_remove(batch=self.batch, refused=refused)
                self.cursor["listings"] = True
                self._save(0, refused)
        self._creations("variants", Variant, self.batch.created_variant_ids, _delete_variants)
        self._creations("products", Product, self.batch.created_product_ids, _delete_products)

    def _save(self, done: int, refused: list[dict[str, Any]]) -> None:
        """Publish progress; called inside each chunk's transaction, so progress and work commit together."""
        report = self.report
        report["done"] += done
        report["refused_count"] += len(refused)
        report["refused"] = (report["refused"] + refused)[:UNDO_REFUSALS_KEPT]
        elapsed = time.perf_counter() - self.started
        report["rows_per_second"] = round((report["done"] - self.done_at_start) / elapsed, 1) if elapsed > 0 else 0
        ImportBatch.objects.filter(pk=self.batch.pk).update(undo_report=report)

    def _updates(self, kind: str, model: type[Product] | type[Variant]) -> None:
        while True:
            after = int(self.cursor.get(kind, 0))
            chunk = list(self.batch.rows.filter(kind=kind, pk__gt=after).order_by("pk")[:CHUNK_SIZE])
            if not chunk:
                return
            with transaction.atomic():
                refused: list[dict[str, Any]] = []
                self.report["restored"] += _undo_updates(self.batch, chunk, model, refused, self.now)
                self.cursor[kind] = chunk[-1].pk
                self._save(len(chunk), refused)

    def _creations(self, step: str, model: Any, ranges: list[list[int]], delete: Any) -> None:
        for first, last in sorted(ranges):
            start = max(first, int(self.cursor.get(step, first)))
            while start <= last:
                end = min(last, start + CHUNK_SIZE - 1)
                with transaction.atomic():
                    refused: list[dict[str, Any]] = []
                    self.report["deleted"] += delete(self.batch, model.objects.filter(pk__range=(start, end)), refused)
                    self.cursor[step] = end + 1
                    self._save(end - start + 1, refused)
                start = end + 1


def _restore(model: type[Product] | type[Variant], obj: dict[str, Any], before: dict[str, Any]) -> list[str]:
    names = []
    for name, value in before.items():
        field = cast(Field, model._meta.get_field(name))
        obj[field.attname] = field.to_python(value) if value is not None else None
        names.append(field.attname)
    return names


def _changed_since(model: type[Product] | type[Variant], obj: dict[str, Any] | None, row: ImportRow) -> str | None:
    if obj is None:
        return "deleted since the import"
    if model is Product and obj["version"] != row.version_after:
        return f"changed since the import (version {obj['version']}, the import left version {row.version_after})"
    for name, value in row.after.items():
        if col.json_safe(obj[cast(Field, model._meta.get_field(name)).attname]) != value:
            return f"'{name}' changed since the import"
    return None


def _undo_updates(
    batch: ImportBatch,
    chunk: list[ImportRow],
    model: type[Product] | type[Variant],
    refused: list[dict[str, Any]],
    now: Any,
) -> int:
    """Restore one chunk of updated rows (locked while checked, on databases that lock rows)."""
    found = model.objects.filter(pk__in=[r.object_id for r in chunk])
    if connection.features.has_select_for_update:
        found = found.select_for_update()
    objects: dict[int | None, dict[str, Any]] = {o["id"]: dict(o) for o in found.values()}
    done: list[dict[str, Any]] = []
    names: set[str] = set()
    quantities: list[dict[str, Any]] = []
    for row in chunk:
        obj = objects.get(row.object_id)
        reason = _changed_since(model, obj, row)
        if obj is None or reason:
            refused.append({"row": row.row_number, "sku": row.sku, "reason": reason})
            continue
        names.update(_restore(model, obj, row.before))
        if "quantity" in row.before and obj["quantity"] is not None:
            product_id, variant_id = (obj["id"], None) if model is Product else (obj["product_id"], obj["id"])
            quantities.append({"product_id": product_id, "variant_id": variant_id, "sku": row.sku or "",
                               "quantity": int(obj["quantity"]), "row": row.row_number})  # fmt: skip
        if model is Product:
            obj["version"] += 1
        obj["updated_at"], obj["updated_by_id"] = now, batch.updated_by_id
        done.append(obj)
    extra = ["version"] if model is Product else []
    executemany_update(model, done, sorted(names) + extra + ["updated_at", "updated_by_id"])
    touched = {o["id"] if model is Product else o["product_id"] for o in done}
    listings_readiness_refresh(product_ids=touched)
    products_payload_changed(touched, payload_parts(names, variant=model is not Product))
    products_prices_changed(touched, names, source="rollback")
    if quantities:  # the ledger takes the restored figures back too (an `import` movement each, keyed as undo)
        events.publish(STOCK_QUANTITIES_IMPORTED, batch=batch, items=quantities, undo=True)
    return len(done)


def _delete_variants(batch: ImportBatch, variants: Any, refused: list[dict[str, Any]]) -> int:
    for sku in variants.filter(updated_at__gt=batch.committed_at).values_list("sku", flat=True):
        refused.append({"row": None, "sku": sku, "reason": "variant changed since the import"})
    removable = variants.filter(updated_at__lte=batch.committed_at)
    parents = set(removable.values_list("product_id", flat=True))
    deleted = int(removable.delete()[1].get("catalog.Variant", 0))
    listings_readiness_refresh(product_ids=parents)
    products_payload_changed(parents, {OFFERS, CONTENT})
    return deleted


def _delete_products(batch: ImportBatch, qs: Any, refused: list[dict[str, Any]]) -> int:
    for sku, version in qs.filter(version__gt=1).values_list("sku", "version"):
        refused.append({"row": None, "sku": sku, "reason": f"changed since the import (now version {version})"})
    try:
        return int(qs.filter(version=1).delete()[1].get("catalog.Product", 0))
    except ProtectedError as exc:
        blocked = {obj.product_id for obj in exc.protected_objects if hasattr(obj, "product_id")}
        for sku in Product.objects.filter(pk__in=blocked).values_list("sku", flat=True):
            refused.append({"row": None, "sku": sku, "reason": "has records that protect it (e.g. listings)"})
        return int(qs.filter(version=1).exclude(pk__in=blocked).delete()[1].get("catalog.Product", 0))
