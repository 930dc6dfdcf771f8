"""Import batches: upload, dry run, commit, stop, undo. Pages, admin, the CLI and tasks all call these.

The undo itself (what the worker runs) is in undo.py; `import_batch_undo` is re-exported here with the rest.
"""

import contextlib
import gc
import logging
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from common.actors import Actor, actor_or_none
from common.enqueue import enqueue
from common.errors import ApplicationError

from ..models import ImportBatch, ImportBatchStatus, ImportErrorPolicy, ImportRow
from . import columns as col
from .engine import ImportRun, ImportStopped, RejectAll
from .kinds import SheetKind, header_names, sheet_kind_for, sheet_kind_header_error
from .readers import Sheet, UploadRefused, file_extension, inspect_upload, read_sheet
from .sql import insert_import_rows
from .stopping import StopCheck, late_stop_note, stop_check_for, stop_reason, stopped_message
from .tasks import (
    import_batch_commit_task,
    import_batch_undo_task,
    import_batch_validate_task,
    import_images_fetch_task,
    import_listings_create_task,
)
from .undo import import_batch_undo, undo_report_start

__all__ = [
    "import_batch_commit",
    "import_batch_confirm",
    "import_batch_create",
    "import_batch_stop",
    "import_batch_undo",
    "import_batch_undo_request",
    "import_batch_validate",
    "import_file",
]
logger = logging.getLogger(__name__)
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


def _run(batch: ImportBatch, *, commit: bool, user: Actor, stop_check: StopCheck | None) -> ImportBatch:
    with gc_paused():
        return _run_sheet(batch, commit=commit, user=user, stop_check=stop_check_for(batch.pk, stop_check))


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


def _run_sheet(batch: ImportBatch, *, commit: bool, user: Actor, stop_check: StopCheck) -> ImportBatch:
    batch.status = Status.COMMITTING if commit else Status.VALIDATING
    batch.started_at, batch.finished_at, batch.processed_rows = timezone.now(), None, 0
    batch.save(update_fields=["status", "started_at", "finished_at", "processed_rows"])
    try:
        sheet = read_sheet(batch.file.path, batch.file_format, batch.sheet_name)
    except UploadRefused as exc:
        return _finish(batch, Status.REFUSED, exc.message)
    kind = sheet_kind_for(sheet.header)
    if kind is not None:
        return _run_kind(batch, kind, sheet, commit=commit, user=user)
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
        # a commit run again after a worker died keeps what the first attempt created
        created_products=[list(r) for r in batch.created_product_ids] if commit else None,
        created_variants=[list(r) for r in batch.created_variant_ids] if commit else None,
        stop_check=stop_check,
    )
    del sheet
    try:
        run.run()
    except ImportStopped as stop:
        return _stopped(batch, run, stop)
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


def _stopped(batch: ImportBatch, run: ImportRun, stop: ImportStopped) -> ImportBatch:
    """End a run stopped at a chunk boundary. The chunks committed before it stay: a commit that wrote rows ends
    imported (so it can be undone, and its images and listings follow); otherwise the batch ends failed. The
    message, which the Jobs page shows as cancelled, says where it stopped and what was written."""
    _record(batch, run)
    batch.stopped_at_row = stop.row
    message = stopped_message(run, row=stop.row, reason=stop.reason, total=batch.total_rows)
    wrote = run.counts["create"] or run.counts["update"] or run.created_products or run.created_variants
    if not (run.commit and wrote):
        return _finish(batch, Status.FAILED, message)
    batch.committed_at = timezone.now()
    _enqueue_followups(batch)
    return _finish(batch, Status.COMMITTED, message)


def _run_kind(batch: ImportBatch, kind: SheetKind, sheet: Sheet, *, commit: bool, user: Actor) -> ImportBatch:
    """A sheet of another kind (kinds.py): the kind checks and writes the rows; the batch records them alike."""
    refused = sheet_kind_header_error(kind, sheet.header)
    if refused:
        return _finish(batch, Status.REFUSED, refused)
    batch.rows.filter(kind=ImportRow.Kind.ERROR).delete()
    batch.total_rows, batch.headers, batch.unknown_columns = len(sheet.rows), sheet.header, []
    batch.save(update_fields=["total_rows", "headers", "unknown_columns"])
    index = dict(zip(header_names(sheet.header), range(len(sheet.header)), strict=True))
    run = kind.run(batch=batch, rows=sheet.rows, index=index, commit=commit, user=user)
    insert_import_rows(
        [
            ImportRow(batch=batch, kind=ImportRow.Kind.ERROR, row_number=number, sku=_cell_text(cells, index), values=[
                col.json_safe(c) for c in cells
            ], errors=errors)
            for number, cells, errors in run.failed
        ]
    )  # fmt: skip
    _record(batch, run)  # type: ignore[arg-type]
    if run.commit and run.counts["error"] and batch.on_error == ImportErrorPolicy.REJECT_ALL:
        return _finish(batch, Status.FAILED, "Rows failed and the policy is 'reject all': nothing was written.")
    if commit:
        batch.committed_at = timezone.now()
    return _finish(batch, Status.COMMITTED if commit else Status.VALIDATED, "")


def _cell_text(cells: list[Any], index: dict[str, int]) -> str:
    at = index.get("sku")
    value = cells[at] if at is not None and at < len(cells) else None
    return "" if value is None else str(value)[:255]


def _record(batch: ImportBatch, run: ImportRun) -> None:
    batch.processed_rows = run.processed
    batch.rows_per_second = run.rows_per_second
    batch.created_count, batch.updated_count = run.counts["create"], run.counts["update"]
    batch.unchanged_count, batch.error_count = run.counts["unchanged"], run.counts["error"]
    batch.first_errors, batch.sample_diffs = run.first_errors, run.sample_diffs
    if run.commit:
        batch.created_product_ids, batch.created_variant_ids = run.created_products, run.created_variants


def _finish(batch: ImportBatch, status: str, message: str) -> ImportBatch:
    with transaction.atomic():  # the row lock orders this against import_batch_stop
        requested = (
            ImportBatch.objects.select_for_update()
            .filter(pk=batch.pk)
            .values_list("stop_requested_at", "stop_requested_by")
            .first()
        )
        if requested and requested[0] is not None and batch.stopped_at_row is None:
            # asked after the last chunk boundary: kept in the log and cleared, so the commit after this dry
            # run is not stopped by it
            message = late_stop_note(stop_reason(*requested), message)
            batch.stop_requested_at, batch.stop_requested_by = None, ""
        batch.status, batch.message, batch.finished_at = status, message, timezone.now()
        batch.save()
    return batch


def _enqueue_followups(batch: ImportBatch) -> None:
    kinds = set(
        batch.rows.filter(kind__in=[ImportRow.Kind.IMAGES, ImportRow.Kind.CHANNELS]).values_list("kind", flat=True)
    )
    if ImportRow.Kind.IMAGES in kinds:
        enqueue(import_images_fetch_task, batch.pk, group="imports", task_name=f"import-{batch.pk}-images")
    if ImportRow.Kind.CHANNELS in kinds:
        enqueue(import_listings_create_task, batch.pk, group="imports", task_name=f"import-{batch.pk}-listings")


def import_batch_validate(
    *, batch: ImportBatch, user: Actor = None, stop_check: StopCheck | None = None
) -> ImportBatch:
    """Dry run: count creates/updates/unchanged/errors and keep failed rows; no product is written.

    Stops before a chunk when the batch was asked to (`import_batch_stop`) or `stop_check` gives a reason.
    """
    if batch.status not in (Status.UPLOADED, Status.VALIDATED, Status.VALIDATING):
        logger.info("import %s: dry run skipped, status is %s", batch.pk, batch.status)
        return batch
    return _run(batch, commit=False, user=user, stop_check=stop_check)


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
        enqueue(import_batch_commit_task, batch.pk, group="imports", task_name=f"import-{batch.pk}-commit")
    return batch


def import_batch_commit(*, batch: ImportBatch, user: Actor = None, stop_check: StopCheck | None = None) -> ImportBatch:
    """Write the rows in chunks of CHUNK_SIZE, each in its own transaction, publishing progress after each.

    Stops before a chunk when the batch was asked to (`import_batch_stop`) or `stop_check` gives a reason; the
    chunks written before stay.
    """
    if batch.status not in (Status.COMMITTING, Status.VALIDATED, Status.UPLOADED):
        logger.info("import %s: commit skipped, status is %s", batch.pk, batch.status)
        return batch
    return _run(batch, commit=True, user=user, stop_check=stop_check)


def import_batch_stop(*, batch: ImportBatch, user: Actor = None) -> ImportBatch:
    """Ask a queued or running dry run or commit to stop at its next chunk boundary (the Jobs page and API).

    The request is kept on the batch (`stop_requested_at`, stopping.py) and said in its message; the run stops
    before its next chunk, keeping the chunks it committed. A batch that has ended, or is being undone, is refused.
    """
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status == Status.UNDOING:
            raise ApplicationError(
                f"import-{batch.pk} is being undone; an undo is not stopped half-way. Wait for it to end."
            )
        if not batch.is_running:
            undo = " Undo it on its page if needed." if batch.status == Status.COMMITTED else ""
            raise ApplicationError(
                f"import-{batch.pk} has already ended ({batch.get_status_display().lower()}); "
                f"it cannot be stopped.{undo}"
            )
        if batch.stop_requested_at is not None:
            return batch  # asked already: the first request stands
        who = actor_or_none(user)
        batch.stop_requested_at, batch.stop_requested_by = timezone.now(), who.get_username() if who else ""
        reason = stop_reason(batch.stop_requested_at, batch.stop_requested_by)
        batch.message = f"{reason[0].upper()}{reason[1:]}; it stops at the next chunk boundary."
        batch.save(update_fields=["stop_requested_at", "stop_requested_by", "message", "updated_at"])
    return batch


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


# --- undo (the worker's part is undo.py) ---


def import_batch_undo_request(*, batch: ImportBatch, user: Actor = None) -> ImportBatch:
    """Accept an undo and queue it (the page, the API and Admin call this; the worker calls `import_batch_undo`)."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        _check_undoable(batch)
        batch.status, batch.updated_by, batch.message = Status.UNDOING, actor_or_none(user), ""
        batch.undo_report = undo_report_start(batch)
        batch.save(update_fields=["status", "updated_by", "message", "undo_report"])
        enqueue(import_batch_undo_task, batch.pk, group="imports", task_name=f"import-{batch.pk}-undo")
    return batch


def _check_undoable(batch: ImportBatch) -> None:
    if batch.status != Status.COMMITTED:
        raise ApplicationError(f"Only an imported batch can be undone; this one is {batch.get_status_display()}.")
