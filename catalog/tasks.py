"""django-q2 entry points for catalog imports: re-fetch the batch, return if it is gone, call one service."""

import logging
from contextlib import AbstractContextManager

from accounts.audit import audit_actor

from .importing import channels, images, services
from .models import ImportBatch

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
    batch = _batch(batch_id)
    if batch:
        with _as_batch(batch):
            services.import_batch_validate(batch=batch, user=batch.created_by)


def import_batch_commit_task(batch_id: int) -> None:
    batch = _batch(batch_id)
    if batch:
        with _as_batch(batch):
            services.import_batch_commit(batch=batch, user=batch.updated_by or batch.created_by)


def import_batch_undo_task(batch_id: int) -> None:
    batch = _batch(batch_id)
    if batch:
        with _as_batch(batch):
            services.import_batch_undo(batch=batch, user=batch.updated_by or batch.created_by)


def import_images_fetch_task(batch_id: int) -> None:
    batch = _batch(batch_id)
    if batch:
        with _as_batch(batch):
            images.import_images_fetch(batch=batch, user=batch.updated_by or batch.created_by)


def import_listings_create_task(batch_id: int) -> None:
    batch = _batch(batch_id)
    if batch:
        with _as_batch(batch):
            channels.import_listings_create(batch=batch, user=batch.updated_by or batch.created_by)
