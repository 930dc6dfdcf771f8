"""Stopping an import batch between chunks (docs/operations.md#jobs): the request, the check, the outcome.

`services.import_batch_stop` sets `stop_requested_at` (and who asked) while the dry run or commit is queued or
running. The engine asks `stop_check_for(...)` before each chunk; a run that stops there records the row it
stopped before (`stopped_at_row`) and a message saying how many rows it wrote. The Jobs page shows such a batch
as cancelled. A request that comes after the last chunk boundary is cleared when the run ends, with a note.
"""

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from django.utils import timezone

from ..models import ImportBatch

if TYPE_CHECKING:  # engine.py imports this module
    from .engine import ImportRun

# A check asked before each chunk: why to stop ("stop requested by …"), or "" to go on.
StopCheck = Callable[[], str]


def stop_reason(requested_at: datetime | None, requested_by: str) -> str:
    """The reason a stored stop request gives ("stop requested by boss at …"), or "" when there is none."""
    if requested_at is None:
        return ""
    at = timezone.localtime(requested_at)
    return f"stop requested by {requested_by or 'the system'} at {at:%Y-%m-%d %H:%M:%S} {at.tzname()}"


def stop_check_for(batch_id: int, also: StopCheck | None = None) -> StopCheck:
    """The check the engine asks before each chunk: the caller's own (a feed run's job) or the batch's request.

    One primary-key read per chunk (of 1,000 rows or more): nothing against the chunk's own queries.
    """

    def check() -> str:
        reason = also() if also is not None else ""
        if reason:
            return reason
        row = ImportBatch.objects.filter(pk=batch_id).values_list("stop_requested_at", "stop_requested_by").first()
        return stop_reason(*row) if row else ""

    return check


def batch_stopped(batch: ImportBatch) -> bool:
    """Whether the batch's dry run or commit ended stopped on request (what it wrote, if anything, stays)."""
    return batch.stopped_at_row is not None


def stopped_message(run: "ImportRun", *, row: int, reason: str, total: int) -> str:
    """Where the run stopped, why, and what it did: rows done, written (or checked) and not reached."""
    counts = run.counts
    left = max(total - run.processed, 0)
    head = f"Stopped at row {row:,} ({reason})"
    if not run.commit:
        return (
            f"{head}: the dry run checked {run.processed:,} of {total:,} rows ({counts['create']:,} to create, "
            f"{counts['update']:,} to update, {counts['unchanged']:,} unchanged, {counts['error']:,} failed); "
            "nothing was written. Upload the file again to check and import it."
        )
    written = counts["create"] + counts["update"]
    done = (
        f"{run.processed:,} of {total:,} rows done, {written:,} written ({counts['create']:,} created, "
        f"{counts['update']:,} updated), {counts['unchanged']:,} unchanged, {counts['error']:,} failed"
    )
    if not written and not (run.created_products or run.created_variants):
        return f"{head}: {done}; nothing was written. The {left:,} rows not reached were not imported."
    return (
        f"{head}: {done}. The {left:,} rows not reached were not imported; what was written stays "
        "(undo this batch to remove it)."
    )


def late_stop_note(reason: str, message: str) -> str:
    """A stop request the run never reached a chunk boundary for: kept in the log, saying the import finished."""
    note = f"The import finished before it reached a stop point ({reason})."
    return f"{note}\n{message}" if message else note
