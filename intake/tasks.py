"""django-q2 entry points of the intake pipeline: ids in, one service call."""

import logging

logger = logging.getLogger(__name__)


def intake_phase_run_task(item_id: int, phase: str) -> None:
    from .services.pipeline import intake_phase_run

    intake_phase_run(item_id=item_id, phase=phase)
