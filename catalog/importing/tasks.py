"""django-q2 entry points for catalog imports: re-fetch the batch, return if it is gone, call one service.

Each task imports its service inside the function (the services import these tasks to enqueue them).
catalog/tasks.py re-exports them under their former dotted path, which queued rows may still name.
"""

import logging
from contextlib import AbstractContextManager

from accounts.audit import audit_actor

from ..models import ImportBatch

logger = logging.getLogger(__name__)


def _batch(batch_id: int) -> ImportBatch | None:
    batch = ImportBatch.objects.filter(pk=batch_id).select_related("created_by", "updated_by").first()
    if batch is None:
        logger.info("import batch %s is gone; nothing to do", batch_id)
    return batch


def _as_batch(batch: ImportBatch) -> AbstractContextManager[object]:
    """Audit entries written by the task name the import batch (and who started it) as their actor."""
    return audit_actor("import", f"import batch #{batch.pk}", user=batch.created_by)


def import_batch_validate_task(batch_id: int) -> None:
    from .services import import_batch_validate

    batch = _batch(batch_id)
    if batch:
        with _as_batch(batch):
            import_batch_validate(batch=batch, user=batch.created_by)


def import_batch_commit_task(batch_id: int) -> None:
    from .services import import_batch_commit

    batch = _batch(batch_id)
    if batch:
        with _as_batch(batch):
            import_batch_commit(batch=batch, user=batch.updated_by or batch.created_by)


def import_batch_undo_task(batch_id: int) -> None:
    from .undo import import_batch_undo

    batch = _batch(batch_id)
    if batch:
        with _as_batch(batch):
            import_batch_undo(batch=batch, user=batch.updated_by or batch.created_by)


def import_images_fetch_task(batch_id: int) -> None:
    from .images import import_images_fetch

    batch = _batch(batch_id)
    if batch:
        with _as_batch(batch):
            import_images_fetch(batch=batch, user=batch.updated_by or batch.created_by)


def import_listings_create_task(batch_id: int) -> None:
    from .channels import import_listings_create

    batch = _batch(batch_id)
    if batch:
        with _as_batch(batch):
            import_listings_create(batch=batch, user=batch.updated_by or batch.created_by)
