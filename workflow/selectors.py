"""Reads of the workflow app: the board's columns, the task list and "my tasks" (docs/workflow.md)."""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet

from .filters import TaskFilterSet
from .models import Stage, Task


@dataclass
class BoardColumn:
    stage: Stage
    tasks: list[Task] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Every task of the stage, whatever the filters show."""
        return int(getattr(self.stage, "task_count", len(self.tasks)))

    @property
    def over_wip(self) -> bool:
        return wip_exceeded(self.stage, self.total)


def wip_exceeded(stage: Stage, count: int) -> bool:
    """True when the column holds more tasks than its WIP limit (the limit is advisory: highlighted only)."""
    return stage.wip_limit is not None and count > stage.wip_limit


def _with_relations(queryset: QuerySet[Task]) -> QuerySet[Task]:
    return queryset.select_related("stage", "assignee", "listing__product", "listing__channel")


def task_list(*, filters: Any = None, request: Any = None) -> QuerySet[Task]:
    """Tasks, highest priority first, narrowed by TaskFilterSet when `filters` is given."""
    queryset = _with_relations(Task.objects.all()).order_by("-priority_score", "id")
    if filters is None:
        return queryset
    return TaskFilterSet(filters, queryset, request=request).qs


def task_my_list(*, user: Any) -> QuerySet[Task]:
    """Open tasks assigned to `user`, most urgent first."""
    return task_list().filter(assignee=user, stage__is_terminal=False)


def stage_list() -> QuerySet[Stage]:
    return Stage.objects.annotate(task_count=Count("tasks")).order_by("sort_order", "id")


def board_columns(*, filters: Any = None, request: Any = None) -> list[BoardColumn]:
    """One column per stage with its tasks in board order. Filters narrow the cards; the WIP highlight counts
    every task of the stage so a filter cannot hide an overloaded column."""
    stages = list(stage_list())
    columns = {stage.pk: BoardColumn(stage) for stage in stages}
    tasks = task_list(filters=filters, request=request).order_by("position", "id")
    grouped: dict[int, list[Task]] = defaultdict(list)
    for task in tasks:
        grouped[task.stage_id].append(task)
    for stage_id, rows in grouped.items():
        columns[stage_id].tasks = rows
    return list(columns.values())


def stage_counts() -> dict[int, dict[str, Any]]:
    """Per stage id: task count, WIP limit and whether it is over (what the board script refreshes)."""
    counts: dict[int, dict[str, Any]] = {}
    for stage in stage_list():
        count = int(getattr(stage, "task_count", 0))
        counts[stage.pk] = {"count": count, "wip_limit": stage.wip_limit, "over_wip": wip_exceeded(stage, count)}
    return counts


def listing_task_list(*, listing_id: int) -> QuerySet[Task]:
    """Tasks about a listing (main or linked), open ones first."""
    linked = Task.listings.through.objects.filter(listing_id=listing_id).values("task_id")
    return (
        Task.objects.filter(Q(listing_id=listing_id) | Q(pk__in=linked))
        .select_related("stage", "assignee")
        .order_by("stage__is_terminal", "-priority_score", "id")
    )
