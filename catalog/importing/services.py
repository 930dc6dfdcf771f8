"""Import batches: upload, dry run, commit, undo. Pages, admin, the CLI and tasks all call these."""

import contextlib
import gc
import logging
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, cast

from django.core.files import File
from django.db import connection, transaction
from django.db.models import Field, ProtectedError
from django.utils import timezone

from common.actors import Actor, actor_or_none
from common.enqueue import enqueue
from common.errors import ApplicationError
from listings.services import listings_readiness_refresh

from ..models import ImportBatch, ImportBatchStatus, ImportErrorPolicy, ImportRow, Product, Variant
from . import columns as col
from .channels import import_listings_remove
from .engine import CHUNK_SIZE, ImportRun, RejectAll
from .readers import UploadRefused, file_extension, inspect_upload, read_sheet
from .sql import executemany_update

logger = logging.getLogger(__name__)
UNDO_REFUSALS_KEPT = 200
Status = ImportBatchStatus


def import_batch_create(
    *,
    upload: IO[bytes],
    filename: str,
    on_error: str = ImportErrorPolicy.SKIP_ROWS,
    sheet_name: str = "",
    user: Actor = None,
    start: bool = True,
) -> ImportBatch:
    """Store the upload, run the safety checks (no parsing) and queue the dry run.

    A refused file still gets a batch (status `refused`, the reason in `message`) so every attempt is on record;
    its stored copy is deleted.
    """
    if on_error not in ImportErrorPolicy.values:
        raise ApplicationError(f"Unknown error policy '{on_error}'; use reject-all or skip-rows.")
    actor = actor_or_none(user)
    batch = ImportBatch(
        token=secrets.token_hex(16),
        original_filename=Path(filename).name[:255],
        file_format=file_extension(filename)[:8],
        on_error=on_error,
        sheet_name=sheet_name.strip(),
        created_by=actor,
        updated_by=actor,
    )
    batch.file.save(f"{batch.token}.{batch.file_format or 'bin'}", File(upload), save=False)
    batch.file_size = batch.file.size
    try:
        batch.file_format = inspect_upload(batch.file.path, filename)
    except UploadRefused as exc:
        batch.status, batch.message = Status.REFUSED, exc.message
        batch.file.delete(save=False)
    with transaction.atomic():
        batch.save()
        if start and batch.status == Status.UPLOADED:
            from ..tasks import import_batch_validate_task

            enqueue(import_batch_validate_task, batch.pk, group="imports", task_name=f"import-{batch.pk}-check")
    return batch


def _save_progress(run: ImportRun) -> None:
    # created ids go out with every chunk, so a commit that dies half-way can still be undone
    ids = {"created_product_ids": run.created_products, "created_variant_ids": run.created_variants}
    ImportBatch.objects.filter(pk=run.batch.pk).update(
        **(ids if run.commit else {}),
        processed_rows=run.processed,
        rows_per_second=run.rows_per_second,
        created_count=run.counts["create"],
        updated_count=run.counts["update"],
        unchanged_count=run.counts["unchanged"],
        error_count=run.counts["error"],
    )


def _run(batch: ImportBatch, *, commit: bool, user: Actor) -> ImportBatch:
    with gc_paused():
        return _run_sheet(batch, commit=commit, user=user)


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a sheet is read and imported.

    A 100k-row sheet is ~1.5 million live objects (cells, rows, values) and almost none of them is ever part of
    a reference cycle, yet every full collection the allocations trigger walks all of them: 10-15 % of a dry run
    (benchmarks/bench_import.py). Reference counting still frees all of them; the collector resumes afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _run_sheet(batch: ImportBatch, *, commit: bool, user: Actor) -> ImportBatch:
    batch.status = Status.COMMITTING if commit else Status.VALIDATING
    batch.started_at, batch.finished_at, batch.processed_rows = timezone.now(), None, 0
    batch.save(update_fields=["status", "started_at", "finished_at", "processed_rows"])
    try:
        sheet = read_sheet(batch.file.path, batch.file_format, batch.sheet_name)
    except UploadRefused as exc:
        return _finish(batch, Status.REFUSED, exc.message)
    cmap = col.map_header(sheet.header)
    if not cmap.has("sku"):
        found = ", ".join(h for h in sheet.header if h) or "none"
        return _finish(batch, Status.REFUSED, f"The sheet has no 'sku' column (headers found: {found}).")
    batch.rows.filter(kind=ImportRow.Kind.ERROR).delete()
    batch.total_rows, batch.headers, batch.unknown_columns = len(sheet.rows), sheet.header, cmap.unknown
    batch.sheet_name = sheet.name if sheet.sheet_names else batch.sheet_name
    batch.save(update_fields=["total_rows", "headers", "unknown_columns", "sheet_name"])
    run = ImportRun(
        batch=batch,
        cmap=cmap,
        rows=sheet.rows,
        sheet_name=sheet.name,
        commit=commit,
        user=user,
        on_progress=_save_progress,
    )
    del sheet
    if commit:  # a commit run again after a worker died keeps what the first attempt created
        run.created_products = [list(r) for r in batch.created_product_ids]
        run.created_variants = [list(r) for r in batch.created_variant_ids]
    try:
        run.run()
    except RejectAll:
        _record(batch, run)
        written = bool(run.created_products or run.created_variants or run.processed)
        if written:
            batch.status, batch.committed_at = Status.COMMITTED, timezone.now()
            batch.save(update_fields=["status", "committed_at"])
            batch.undo_report = import_batch_undo(batch=batch, user=user).undo_report  # _finish saves this instance
        return _finish(
            batch,
            Status.FAILED,
            "A row failed while importing and the policy is 'reject all': nothing was kept "
            "(the rows written before the failure were undone). See the errors below.",
        )
    _record(batch, run)
    if commit:
        batch.committed_at = timezone.now()
        _enqueue_followups(batch)
    return _finish(batch, Status.COMMITTED if commit else Status.VALIDATED, "")


def _record(batch: ImportBatch, run: ImportRun) -> None:
    batch.processed_rows = run.processed
    batch.rows_per_second = run.rows_per_second
    batch.created_count, batch.updated_count = run.counts["create"], run.counts["update"]
    batch.unchanged_count, batch.error_count = run.counts["unchanged"], run.counts["error"]
    batch.first_errors, batch.sample_diffs = run.first_errors, run.sample_diffs
    if run.commit:
        batch.created_product_ids, batch.created_variant_ids = run.created_products, run.created_variants


def _finish(batch: ImportBatch, status: str, message: str) -> ImportBatch:
    batch.status, batch.message, batch.finished_at = status, message, timezone.now()
    batch.save()
    return batch


def _enqueue_followups(batch: ImportBatch) -> None:
    kinds = set(
        batch.rows.filter(kind__in=[ImportRow.Kind.IMAGES, ImportRow.Kind.CHANNELS]).values_list("kind", flat=True)
    )
    if ImportRow.Kind.IMAGES in kinds:
        from ..tasks import import_images_fetch_task

        enqueue(import_images_fetch_task, batch.pk, group="imports", task_name=f"import-{batch.pk}-images")
    if ImportRow.Kind.CHANNELS in kinds:
        from ..tasks import import_listings_create_task

        enqueue(import_listings_create_task, batch.pk, group="imports", task_name=f"import-{batch.pk}-listings")


def import_batch_validate(*, batch: ImportBatch, user: Actor = None) -> ImportBatch:
    """Dry run: count creates/updates/unchanged/errors and keep failed rows; no product is written."""
    if batch.status not in (Status.UPLOADED, Status.VALIDATED, Status.VALIDATING):
        logger.info("import %s: dry run skipped, status is %s", batch.pk, batch.status)
        return batch
    return _run(batch, commit=False, user=user)


def import_batch_confirm(*, batch: ImportBatch, user: Actor = None) -> ImportBatch:
    """Accept the preview and queue the commit."""
    if batch.status != Status.VALIDATED:
        raise ApplicationError(f"This import cannot be confirmed: it is {batch.get_status_display().lower()}.")
    if batch.on_error == ImportErrorPolicy.REJECT_ALL and batch.error_count:
        raise ApplicationError(
            f"{batch.error_count} row(s) failed and the policy is 'reject all'; fix the file and upload it again."
        )
    if batch.created_count + batch.updated_count == 0:
        raise ApplicationError("Nothing to import: every row is unchanged or failed.")
    with transaction.atomic():
        batch.status, batch.processed_rows, batch.updated_by = Status.COMMITTING, 0, actor_or_none(user)
        batch.save(update_fields=["status", "processed_rows", "updated_by"])
        from ..tasks import import_batch_commit_task

        enqueue(import_batch_commit_task, batch.pk, group="imports", task_name=f"import-{batch.pk}-commit")
    return batch


def import_batch_commit(*, batch: ImportBatch, user: Actor = None) -> ImportBatch:
    """Write the rows in chunks of CHUNK_SIZE, each in its own transaction, publishing progress after each."""
    if batch.status not in (Status.COMMITTING, Status.VALIDATED, Status.UPLOADED):
        logger.info("import %s: commit skipped, status is %s", batch.pk, batch.status)
        return batch
    return _run(batch, commit=True, user=user)


def import_file(
    *, path: str | Path, on_error: str = ImportErrorPolicy.REJECT_ALL, dry_run: bool = False, user: Actor = None
) -> ImportBatch:
    """Run a whole import synchronously (the CLI): checks, dry run, then commit unless `dry_run`."""
    path = Path(path)
    with path.open("rb") as fh:
        batch = import_batch_create(upload=fh, filename=path.name, on_error=on_error, user=user, start=False)
    if batch.status == Status.REFUSED:
        return batch
    if dry_run or on_error == ImportErrorPolicy.REJECT_ALL:
        batch = import_batch_validate(batch=batch, user=user)
        if dry_run or batch.status != Status.VALIDATED or batch.error_count:
            return batch
    return import_batch_commit(batch=batch, user=user)


# --- undo ---
# The undo runs in a worker, in chunks of CHUNK_SIZE rows, each chunk in its own transaction together with the
# progress (`undo_report`: done/total, the refusals so far, and a cursor per step). A worker that dies half-way
# leaves the batch "undoing"; running the task again resumes after the last finished chunk.


def import_batch_undo_request(*, batch: ImportBatch, user: Actor = None) -> ImportBatch:
    """Accept an undo and queue it (the page, the API and Admin call this; the worker calls `import_batch_undo`)."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        _check_undoable(batch)
        batch.status, batch.updated_by, batch.message = Status.UNDOING, actor_or_none(user), ""
        batch.undo_report = _undo_report_start(batch)
        batch.save(update_fields=["status", "updated_by", "message", "undo_report"])
        from ..tasks import import_batch_undo_task

        enqueue(import_batch_undo_task, batch.pk, group="imports", task_name=f"import-{batch.pk}-undo")
    return batch


def _check_undoable(batch: ImportBatch) -> None:
    if batch.status != Status.COMMITTED:
        raise ApplicationError(f"Only an imported batch can be undone; this one is {batch.get_status_display()}.")


def _undo_report_start(batch: ImportBatch) -> dict[str, Any]:
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
            batch.undo_report = _undo_report_start(batch)
            batch.save(update_fields=["status", "updated_by", "undo_report"])
        elif batch.status != Status.UNDOING:  # already undone, or a queue that delivered the task twice
            logger.info("import %s: undo skipped, status is %s", batch.pk, batch.status)
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
    for row in chunk:
        obj = objects.get(row.object_id)
        reason = _changed_since(model, obj, row)
        if obj is None or reason:
            refused.append({"row": row.row_number, "sku": row.sku, "reason": reason})
            continue
        names.update(_restore(model, obj, row.before))
        if model is Product:
            obj["version"] += 1
        obj["updated_at"], obj["updated_by_id"] = now, batch.updated_by_id
        done.append(obj)
    extra = ["version"] if model is Product else []
    executemany_update(model, done, sorted(names) + extra + ["updated_at", "updated_by_id"])
    listings_readiness_refresh(product_ids={o["id"] if model is Product else o["product_id"] for o in done})
    return len(done)


def _delete_variants(batch: ImportBatch, variants: Any, refused: list[dict[str, Any]]) -> int:
    for sku in variants.filter(updated_at__gt=batch.committed_at).values_list("sku", flat=True):
        refused.append({"row": None, "sku": sku, "reason": "variant changed since the import"})
    removable = variants.filter(updated_at__lte=batch.committed_at)
    parents = set(removable.values_list("product_id", flat=True))
    deleted = int(removable.delete()[1].get("catalog.Variant", 0))
    listings_readiness_refresh(product_ids=parents)
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
