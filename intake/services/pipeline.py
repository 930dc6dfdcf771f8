"""Run one phase of one item: idempotent by input hash, stoppable between steps, logged, then hand on to the next.

A phase module offers `input_for(item) -> dict` (the typed input, hashed), `compute(item, input, checkpoint) ->
dict` (outside any transaction: the slow part) and `apply(item, output, user)` (inside the finishing transaction:
the database writes), plus OUTPUT_VERSION. See docs/intake.md#phases.
"""

import hashlib
import json
import logging
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

from django.db import transaction
from django.utils import timezone

from common.enqueue import enqueue

from ..analysis.engines import get_engine
from ..choices import IntakeStatus, LogLevel, PhaseName, PhaseStatus
from ..models import IntakeItem, IntakePhase
from ..tasks import intake_phase_run_task
from . import phase_analysis, phase_listing, phase_photo_check, phase_research, phase_seo
from .control import REVIEW_THRESHOLD, next_phase
from .log import intake_log

logger = logging.getLogger(__name__)
PHASES: dict[str, ModuleType] = {
    PhaseName.PHOTO_CHECK: phase_photo_check,
    PhaseName.ANALYSIS: phase_analysis,
    PhaseName.RESEARCH: phase_research,
    PhaseName.SEO: phase_seo,
    PhaseName.LISTING: phase_listing,
}


class PhaseStopped(Exception):
    """Raised at a checkpoint when someone stopped the item while the phase ran."""


def input_hash(phase: str, payload: dict[str, Any]) -> str:
    text = json.dumps({"phase": phase, "input": payload}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _checkpoint(item_id: int, phase: str) -> Callable[[str], None]:
    def check(step: str) -> None:
        status = IntakeItem.objects.filter(pk=item_id).values_list("status", "current_phase").first()
        if status is None or status[0] != IntakeStatus.PROCESSING or status[1] != phase:
            raise PhaseStopped(step)

    return check


@transaction.atomic
def _begin(item_id: int, phase: str) -> tuple[IntakeItem, IntakePhase, dict[str, Any], str] | None:
    item = IntakeItem.objects.select_for_update().filter(pk=item_id).first()
    if item is None or not item.is_running or item.current_phase != phase:
        logger.info("intake %s: %s no longer wanted; skipped", item_id, phase)
        return None
    record, _ = IntakePhase.objects.get_or_create(item=item, phase=phase)
    module = PHASES[phase]
    payload = module.input_for(item)
    digest = input_hash(phase, payload)
    if record.status == PhaseStatus.COMPLETED and record.input_hash == digest:
        intake_log(item=item, phase=phase, message="Same input as the completed run: output reused.", action="reuse")
        _advance(item, record, record.output)
        return None
    record.status = PhaseStatus.RUNNING
    record.started_at = timezone.now()
    record.finished_at = None
    record.error_message = ""
    record.save()
    intake_log(
        item=item,
        phase=phase,
        message=f"{record.get_phase_display()} started.",
        details={"input": payload},
        action="run",
    )
    return item, record, payload, digest


def _advance(item: IntakeItem, record: IntakePhase, output: dict[str, Any]) -> None:
    """After a completed phase: the review gate, the next phase, or the end of the pipeline."""
    if record.phase == PhaseName.ANALYSIS and (item.confidence or 0) < REVIEW_THRESHOLD:
        item.status = IntakeStatus.NEEDS_REVIEW
        item.requires_review = True
        item.is_running = False
        item.full_clean()
        item.save()
        intake_log(
            item=item,
            phase=record.phase,
            level=LogLevel.WARNING,
            message=f"Confidence {item.confidence} is below {REVIEW_THRESHOLD}: waiting for a manual review.",
            details={"reasons": output.get("review_reasons", [])},
            action="review_needed",
        )
        return
    following = next_phase(record.phase)
    if following is None:
        item.status = IntakeStatus.COMPLETED
        item.is_running = False
        item.full_clean()
        item.save()
        intake_log(item=item, phase=record.phase, message="Pipeline completed.", action="complete")
        return
    IntakePhase.objects.update_or_create(item=item, phase=following, defaults={"status": PhaseStatus.PENDING})
    item.current_phase = following
    item.full_clean()
    item.save()
    enqueue(intake_phase_run_task, item.pk, following, group="intake", task_name=f"intake-{item.pk}-{following}")


@transaction.atomic
def _finish(item_id: int, phase: str, digest: str, output: dict[str, Any], started: float) -> None:
    item = IntakeItem.objects.select_for_update().get(pk=item_id)
    record = IntakePhase.objects.select_for_update().get(item=item, phase=phase)
    if item.status != IntakeStatus.PROCESSING or item.current_phase != phase or record.status != PhaseStatus.RUNNING:
        # Stopped meanwhile, or stopped and queued again (pending), or finished by a parallel delivery: this run's
        # output is not the one wanted.
        intake_log(item=item, phase=phase, message="Stopped before the end: output discarded.", action="stopped")
        return
    module = PHASES[phase]
    engine = get_engine()
    module.apply(item, output)
    record.status = PhaseStatus.COMPLETED
    record.input_hash = digest
    record.output = output
    record.output_version = module.OUTPUT_VERSION
    record.engine = engine.code
    record.engine_version = engine.version[:120]
    record.finished_at = timezone.now()
    record.duration_ms = round((time.monotonic() - started) * 1000)
    record.save()
    intake_log(
        item=item,
        phase=phase,
        message=f"{record.get_phase_display()} completed in {record.duration_ms} ms.",
        details={"output": module.summary(output), "engine": engine.version},
        action="complete",
    )
    _advance(item, record, output)


@transaction.atomic
def _fail(item_id: int, phase: str, message: str, stopped: bool) -> None:
    item = IntakeItem.objects.select_for_update().get(pk=item_id)
    record = IntakePhase.objects.select_for_update().get(item=item, phase=phase)
    outdated = f"An outdated run ended: {message}"
    if record.status == PhaseStatus.PENDING:  # stopped and queued again meanwhile: the new run decides
        intake_log(item=item, phase=phase, message=outdated, action="stopped")
        return
    if stopped or item.status != IntakeStatus.PROCESSING:
        record.status = PhaseStatus.STOPPED
        record.save(update_fields=["status"])
        intake_log(item=item, phase=phase, message=f"Stopped at step '{message}'.", action="stopped")
        return
    if record.status != PhaseStatus.RUNNING:  # completed by a parallel delivery of the same task
        intake_log(item=item, phase=phase, message=outdated, action="stopped")
        return
    record.status = PhaseStatus.FAILED
    record.error_message = message
    record.finished_at = timezone.now()
    record.save()
    item.status = IntakeStatus.ERROR
    item.is_running = False
    item.error_message = f"{record.get_phase_display()} failed: {message}"
    item.full_clean()
    item.save()
    intake_log(item=item, phase=phase, level=LogLevel.ERROR, message=item.error_message, action="fail")


def intake_phase_run(*, item_id: int, phase: str) -> None:
    """Run `phase` of item `item_id` if it is still wanted (the task entry point; safe to deliver twice)."""
    began = _begin(item_id, phase)
    if began is None:
        return
    item, _, payload, digest = began
    started = time.monotonic()
    try:
        output = PHASES[phase].compute(item, payload, _checkpoint(item_id, phase))
        _finish(item_id, phase, digest, output, started)
    except PhaseStopped as stop:
        _fail(item_id, phase, str(stop), stopped=True)
    except Exception as exc:  # noqa: BLE001 - any failure of a phase is recorded on it, never lost
        logger.exception("intake %s: %s failed", item_id, phase)
        message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        _fail(item_id, phase, str(message)[:2000], stopped=False)
