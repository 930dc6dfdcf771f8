"""Start, stop and retry phases; resume after a manual review (docs/intake.md#control)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.roles import can_edit
from catalog.models import Category
from catalog.validators import validate_gtin
from common.actors import Actor as User
from common.enqueue import enqueue
from common.errors import ApplicationError

from ..choices import IntakeStatus, ItemCondition, PhaseName, PhaseStatus
from ..models import MAX_CONFIDENCE, IntakeItem, IntakePhase
from ..tasks import intake_phase_run_task
from .log import intake_log

# The phases, in order (docs/intake.md#phases).
PIPELINE: tuple[str, ...] = (
    PhaseName.PHOTO_CHECK,
    PhaseName.ANALYSIS,
    PhaseName.RESEARCH,
    PhaseName.SEO,
    PhaseName.LISTING,
)
REVIEW_THRESHOLD = 80  # analysis confidence below this sends the item to manual review (seed 004)
REQUIRED_FIELDS = ("name", "category", "condition")
REVIEW_FIELDS = ("name", "category", "condition", "brand", "model", "size", "colour", "barcode")


def _label(phase: str) -> str:
    return str(PhaseName(phase).label)


def _check_may_act(item: IntakeItem, user: User) -> None:
    if user is not None and not can_edit(user, "intake"):
        raise ApplicationError("Your role does not allow photo intake.", extra={"code": "permission_denied"})


def next_phase(phase: str) -> str | None:
    index = PIPELINE.index(phase)
    return PIPELINE[index + 1] if index + 1 < len(PIPELINE) else None


def _locked(item: IntakeItem) -> IntakeItem:
    return IntakeItem.objects.select_for_update().get(pk=item.pk)


def _queue(item: IntakeItem, phase: str) -> None:
    """Mark `phase` pending and the item running, and queue the phase's task (in this transaction: outbox)."""
    record, _ = IntakePhase.objects.get_or_create(item=item, phase=phase)
    record.status = PhaseStatus.PENDING
    record.error_message = ""
    record.save(update_fields=["status", "error_message", "retry_count"])
    item.status = IntakeStatus.PROCESSING
    item.is_running = True
    item.requires_review = False
    item.current_phase = phase
    item.error_message = ""
    item.full_clean()
    item.save()
    enqueue(intake_phase_run_task, item.pk, phase, group="intake", task_name=f"intake-{item.pk}-{phase}")


def _first_unfinished(item: IntakeItem) -> str | None:
    done = set(item.phases.filter(status=PhaseStatus.COMPLETED).values_list("phase", flat=True))
    return next((phase for phase in PIPELINE if phase not in done), None)


@transaction.atomic
def intake_start(*, item: IntakeItem, user: User = None, phase: str | None = None) -> IntakeItem:
    """Run `phase` (or the first phase not completed yet) and the ones after it."""
    _check_may_act(item, user)
    item = _locked(item)
    if item.is_running:
        raise ApplicationError(f"Intake #{item.pk} is already running ({_label(item.current_phase)}).")
    if item.requires_review:
        raise ApplicationError(f"Intake #{item.pk} waits for a manual review; confirm or correct its fields first.")
    if phase is not None and phase not in PIPELINE:
        raise ApplicationError(f"Unknown or not yet available phase '{phase}'; phases: {', '.join(PIPELINE)}.")
    target = phase or _first_unfinished(item)
    if target is None:
        raise ApplicationError(f"Every phase of intake #{item.pk} is completed; there is nothing to start.")
    done = set(item.phases.filter(status=PhaseStatus.COMPLETED).values_list("phase", flat=True))
    if target in done:
        raise ApplicationError(f"{_label(target)} of intake #{item.pk} is already completed.")
    missing = [p for p in PIPELINE[: PIPELINE.index(target)] if p not in done]
    if missing:
        raise ApplicationError(f"{_label(target)} needs {_label(missing[0])} to be completed first.")
    _queue(item, target)
    intake_log(item=item, phase=target, message=f"{_label(target)} queued.", action="start", user=user)
    return item


@transaction.atomic
def intake_stop(*, item: IntakeItem, user: User = None) -> IntakeItem:
    """Ask the running phase to stop; the worker honours it between steps and discards the unfinished output."""
    _check_may_act(item, user)
    item = _locked(item)
    if not item.is_running:
        raise ApplicationError(f"No phase of intake #{item.pk} is running; there is nothing to stop.")
    phase = item.current_phase
    IntakePhase.objects.filter(item=item, phase=phase, status__in=[PhaseStatus.PENDING, PhaseStatus.RUNNING]).update(
        status=PhaseStatus.STOPPED
    )
    item.status = IntakeStatus.STOPPED
    item.is_running = False
    item.full_clean()
    item.save()
    intake_log(item=item, phase=phase, message=f"{_label(phase)} stopped.", action="stop", user=user)
    return item


@transaction.atomic
def intake_phase_retry(*, item: IntakeItem, phase: str, user: User = None) -> IntakeItem:
    """Run a failed or stopped phase again (its retry count goes up; a completed phase is refused)."""
    _check_may_act(item, user)
    item = _locked(item)
    if phase not in PIPELINE:
        raise ApplicationError(f"Unknown or not yet available phase '{phase}'; phases: {', '.join(PIPELINE)}.")
    record = IntakePhase.objects.filter(item=item, phase=phase).first()
    if record is None or record.status == PhaseStatus.PENDING and not item.is_running:
        raise ApplicationError(f"{_label(phase)} of intake #{item.pk} has not run yet; start it instead.")
    if record.status == PhaseStatus.COMPLETED:
        raise ApplicationError(f"{_label(phase)} of intake #{item.pk} is already completed; there is nothing to retry.")
    if item.is_running:
        raise ApplicationError(f"Intake #{item.pk} is running ({_label(item.current_phase)}); stop it first.")
    if item.requires_review:
        raise ApplicationError(f"Intake #{item.pk} waits for a manual review; confirm or correct its fields first.")
    record.retry_count += 1
    record.save(update_fields=["retry_count"])
    _queue(item, phase)
    intake_log(
        item=item,
        phase=phase,
        message=f"{_label(phase)} retried (retry {record.retry_count}).",
        action="retry",
        user=user,
    )
    return item


def _reviewed_value(name: str, value: Any) -> tuple[Any, str]:
    """The stored value and its display text for a reviewed field; ApplicationError for a bad value."""
    text = "" if value is None else str(value).strip()
    if name == "category":
        category = Category.objects.filter(pk=int(text)).first() if text.isdigit() else None
        if category is None:
            raise ApplicationError(f"Category '{text}' does not exist.", extra={"field": "category"})
        return category.pk, category.full_name
    if name == "condition" and text not in ItemCondition.values:
        raise ApplicationError(
            f"Unknown condition '{text}'; use one of {', '.join(ItemCondition.values)}.", extra={"field": "condition"}
        )
    if name == "name" and not text:
        raise ApplicationError("The item needs a name.", extra={"field": "name"})
    if name == "barcode" and text:
        try:
            validate_gtin(text)
        except ValidationError as exc:
            raise ApplicationError(" ".join(exc.messages), extra={"field": "barcode"}) from exc
    return text, text


@transaction.atomic
def intake_review(*, item: IntakeItem, fields: dict[str, Any], user: User = None) -> IntakeItem:
    """Confirm or correct the fields of an item waiting for review; confidence becomes 100 and the pipeline resumes
    (seed 004 resumeFromManualReview). Fields not given are confirmed as they are; required ones must have a value.
    """
    _check_may_act(item, user)
    item = _locked(item)
    if item.status != IntakeStatus.NEEDS_REVIEW:
        raise ApplicationError(f"Intake #{item.pk} is not waiting for a review (status: {item.get_status_display()}).")
    unknown = sorted(set(fields) - set(REVIEW_FIELDS))
    if unknown:
        raise ApplicationError(f"Unknown field(s): {', '.join(unknown)}; fields: {', '.join(REVIEW_FIELDS)}.")
    current = dict(item.fields)
    changes = {}
    for name in REVIEW_FIELDS:
        before = current.get(name) or {}
        if name in fields:
            value, display = _reviewed_value(name, fields[name])
            if value in ("", None) and name not in REQUIRED_FIELDS:
                current.pop(name, None)
                continue
            if value != before.get("value"):
                changes[name] = {"before": before.get("value"), "after": value}
        elif name in REQUIRED_FIELDS:
            if before.get("value") in ("", None):
                raise ApplicationError(f"The {name} is unknown; give it.", extra={"field": name})
            value, display = before["value"], before.get("display", before["value"])
        elif before:
            value, display = before["value"], before.get("display", before["value"])
        else:
            continue
        evidence = [*before.get("evidence", []), {"kind": "review", "user": getattr(user, "username", "")}]
        current[name] = {
            "value": value,
            "display": display,
            "confidence": MAX_CONFIDENCE,
            "evidence": evidence,
            "engine": "review",
        }
    item.fields = current
    item.confidence = MAX_CONFIDENCE
    item.requires_review = False
    item.status = IntakeStatus.PROCESSING
    intake_log(
        item=item,
        phase=PhaseName.ANALYSIS,
        message="Review confirmed; confidence 100.",
        details={"changes": changes},
        action="review",
        user=user,
    )
    after = next_phase(PhaseName.ANALYSIS)
    if after is None:
        item.status = IntakeStatus.COMPLETED
        item.full_clean()
        item.save()
        return item
    _queue(item, after)
    return item
