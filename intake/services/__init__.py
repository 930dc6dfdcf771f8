"""Intake writes: every entry point (pages, API, admin, tasks) calls these."""

from .control import PIPELINE, REVIEW_THRESHOLD, intake_phase_retry, intake_review, intake_start, intake_stop
from .items import MAX_PHOTOS, intake_item_create, photo_bytes
from .log import intake_log
from .pipeline import intake_phase_run

__all__ = [
    "MAX_PHOTOS",
    "PIPELINE",
    "REVIEW_THRESHOLD",
    "intake_item_create",
    "intake_log",
    "intake_phase_retry",
    "intake_phase_run",
    "intake_review",
    "intake_start",
    "intake_stop",
    "photo_bytes",
]
