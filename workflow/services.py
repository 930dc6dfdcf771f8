"""Writes of the workflow app: stages, tasks, moves on the board and completion (docs/workflow.md).
Pages, API and admin call these; automation calls `tasks_create_for`.

A WIP limit is advisory (as on Jira boards): a move into a full column is allowed and the column is highlighted.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from common.actors import Actor as User
from common.actors import actor_or_none
from common.errors import ApplicationError
from listings.models import Listing

from .choices import TaskCreatedBy, TaskType
from .models import Stage, Task, priority_score_of

STAGE_FIELDS: tuple[str, ...] = ("name", "description", "color", "sort_order", "is_default", "is_terminal", "wip_limit")
TASK_FIELDS: tuple[str, ...] = (
    "title",
    "description",
    "task_type",
    "listing",
    "assignee",
    "impact_score",
    "ease_score",
    "urgency_score",
    "due_date",
    "scheduled_for",
    "outcome",
    "tags",
)
# Fields only the system sets (automation, alerts); offered to services, not to forms.
TASK_SYSTEM_FIELDS: tuple[str, ...] = ("created_by_kind", "source_rule", "alert")


def _assign(instance: Any, fields: dict[str, Any], allowed: Sequence[str]) -> None:
    unknown = set(fields).difference(allowed)
    if unknown:
        raise ApplicationError(f"Unknown field(s): {', '.join(sorted(unknown))}.")
    for name, value in fields.items():
        setattr(instance, name, value)


def _save(instance: Stage | Task, user: User) -> None:
    actor = actor_or_none(user)
    if instance._state.adding:
        instance.created_by = actor
    instance.updated_by = actor
    instance.full_clean()
    instance.save()


# --- stages ---


@transaction.atomic
def stage_create(*, user: User = None, **fields: Any) -> Stage:
    stage = Stage()
    _assign(stage, fields, STAGE_FIELDS)
    return _stage_save(stage, user)


@transaction.atomic
def stage_update(*, stage: Stage, user: User = None, **fields: Any) -> Stage:
    _assign(stage, fields, STAGE_FIELDS)
    return _stage_save(stage, user)


def _stage_save(stage: Stage, user: User) -> Stage:
    """Making a stage the default takes the flag from the previous default."""
    if stage.is_default:
        Stage.objects.filter(is_default=True).exclude(pk=stage.pk).update(is_default=False)
    _save(stage, user)
    return stage


@transaction.atomic
def stage_delete(*, stage: Stage, user: User = None) -> None:
    try:
        stage.delete()
    except ProtectedError:
        raise ApplicationError(
            f"Stage {stage.name} still holds {stage.tasks.count()} task(s); move them first."
        ) from None


def stage_default() -> Stage:
    """The stage new tasks start in: the default one, else the leftmost."""
    stage = Stage.objects.filter(is_default=True).first() or Stage.objects.order_by("sort_order", "id").first()
    if stage is None:
        raise ApplicationError("There is no stage on the board; add one first.")
    return stage


# --- tasks ---


def _task_prepare(task: Task, fields: dict[str, Any], listings: Iterable[Listing] | None) -> list[Listing] | None:
    _assign(task, fields, TASK_FIELDS + TASK_SYSTEM_FIELDS)
    task.priority_score = priority_score_of(task.impact_score, task.ease_score, task.urgency_score)
    if listings is None:
        return None
    rows = list(listings)
    if task.listing_id is None and rows:
        task.listing = rows[0]
    return rows


def _task_link(task: Task, rows: list[Listing] | None) -> None:
    if rows is None:
        if task.listing is not None:
            task.listings.add(task.listing)
        return
    if task.listing is not None and all(row.pk != task.listing_id for row in rows):
        rows.append(task.listing)
    task.listings.set(rows)


@transaction.atomic
def task_create(
    *, user: User = None, stage: Stage | None = None, listings: Iterable[Listing] | None = None, **fields: Any
) -> Task:
    """Add a task at the bottom of `stage` (default: the default stage). The main listing is also linked; with
    no main listing the first of `listings` becomes it."""
    fields.setdefault("created_by_kind", TaskCreatedBy.USER if actor_or_none(user) else TaskCreatedBy.SYSTEM)
    target = stage or stage_default()
    task = Task(stage=target)
    rows = _task_prepare(task, fields, listings if listings is not None else [])
    _lock_stages(target.pk)
    task.position = Task.objects.filter(stage=target).count()
    if target.is_terminal:
        task.completed_at = timezone.now()
    _save(task, user)
    _task_link(task, rows)
    return task


@transaction.atomic
def task_update(
    *, task: Task, user: User = None, stage: Stage | None = None, listings: Iterable[Listing] | None = None,
    **fields: Any,
) -> Task:  # fmt: skip
    """Change a task's fields; a new `stage` moves it to the bottom of that stage (as task_move does)."""
    stored_stage = Task.objects.filter(pk=task.pk).values_list("stage_id", flat=True).first()
    if stored_stage is not None:
        task.stage_id = stored_stage  # a form may have set the new stage already; the move below does it
    rows = _task_prepare(task, fields, listings)
    _save(task, user)
    _task_link(task, rows)
    if stage is not None and stage.pk != task.stage_id:
        task = task_move(task=task, stage=stage, position=None, user=user)
    return task


@transaction.atomic
def task_delete(*, task: Task, user: User = None) -> None:
    stage_id = task.stage_id
    _lock_stages(stage_id)
    task.delete()
    _renumber(list(Task.objects.filter(stage_id=stage_id).order_by("position", "id")))


def _lock_stages(*stage_ids: int) -> None:
    """Lock the stage rows (in id order, so two writers cannot deadlock): every write that places or removes a
    card takes its column's lock first, so positions stay dense under concurrent moves."""
    list(Stage.objects.select_for_update().filter(pk__in=set(stage_ids)).order_by("pk").values_list("pk"))


def _stage_of(task: Task) -> int | None:
    return Task.objects.filter(pk=task.pk).values_list("stage_id", flat=True).first()


def _renumber(tasks: list[Task]) -> None:
    """Give `tasks` the positions 0..n-1 in list order, writing only the rows that change."""
    changed = []
    for index, task in enumerate(tasks):
        if task.position != index:
            task.position = index
            changed.append(task)
    if changed:
        Task.objects.bulk_update(changed, ["position"])


@transaction.atomic
def task_move(*, task: Task, stage: Stage, position: int | None, user: User = None) -> Task:
    """Put `task` at `position` (0 = top; None or past the end = bottom) of `stage` and renumber both columns.

    Moving into a terminal stage sets completed_at; moving out of one clears it. A WIP limit never refuses the
    move (selectors.wip_exceeded tells the caller to highlight the column).
    """
    if position is not None and position < 0:
        raise ApplicationError("position must be 0 or more.", extra={"errors": {"position": ["Must be 0 or more."]}})
    old_stage_id = _stage_of(task)
    for _attempt in range(3):  # the task may be moved by someone else between the read and the lock
        if old_stage_id is None:
            raise ApplicationError("This task no longer exists.")
        _lock_stages(old_stage_id, stage.pk)
        now = _stage_of(task)
        if now == old_stage_id:
            break
        old_stage_id = now
    else:
        raise ApplicationError("The task is being moved by someone else; try again.")
    rows = list(Task.objects.filter(stage_id__in={old_stage_id, stage.pk}))
    current = next(row for row in rows if row.pk == task.pk)
    in_order = sorted(rows, key=lambda row: (row.position, row.id))
    target = [row for row in in_order if row.stage_id == stage.pk and row.pk != task.pk]
    index = len(target) if position is None else min(position, len(target))
    target.insert(index, current)
    if old_stage_id != stage.pk:
        _renumber([row for row in in_order if row.stage_id == old_stage_id and row.pk != task.pk])
        was_terminal = Stage.objects.filter(pk=old_stage_id, is_terminal=True).exists()
        if stage.is_terminal and not was_terminal:
            current.completed_at = timezone.now()
        elif not stage.is_terminal:
            current.completed_at = None
        current.stage = stage
        current.position = index
        _save(current, user)
    _renumber(target)
    task.refresh_from_db()
    return task


@transaction.atomic
def task_complete(*, task: Task, user: User = None, outcome: str | None = None) -> Task:
    """Move a task to the top of the first terminal stage, noting its outcome."""
    done = Stage.objects.filter(is_terminal=True).order_by("sort_order", "id").first()
    if done is None:
        raise ApplicationError("No stage is marked terminal, so nothing can complete a task.")
    if outcome is not None:
        task.outcome = outcome
        _save(task, user)
    if task.stage_id == done.pk:
        return task
    return task_move(task=task, stage=done, position=0, user=user)


@transaction.atomic
def tasks_create_for(
    *,
    listings: Iterable[Listing],
    title: str,
    task_type: str = TaskType.OTHER,
    created_by_kind: str = TaskCreatedBy.RULE,
    source_rule: str | int | None = None,
    per_listing: bool = True,
    user: User = None,
    **fields: Any,
) -> list[Task]:
    """Tasks for automation: one per listing (per_listing) or one about all of them.

    With a source rule, a listing that already has an open task of that rule with the same title gets no second
    one, so a rule firing again does not pile up duplicates. Returns the tasks made.
    """
    rows = list(listings)
    rule = "" if source_rule is None else str(source_rule)
    base: dict[str, Any] = {
        "title": title, "task_type": task_type, "created_by_kind": created_by_kind, "source_rule": rule,
    }  # fmt: skip
    if not per_listing:
        return [task_create(user=user, listings=rows, **base, **fields)]
    if rule:
        open_for = set(
            Task.listings.through.objects.filter(
                task__source_rule=rule, task__title=title, task__stage__is_terminal=False,
                listing_id__in=[row.pk for row in rows],
            ).values_list("listing_id", flat=True)
        )  # fmt: skip
        rows = [row for row in rows if row.pk not in open_for]
    return [task_create(user=user, listings=[row], **base, **fields) for row in rows]
