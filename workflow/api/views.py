"""Board API: `/api/v1/stages/` and `/api/v1/tasks/` (filters: stage, task_type, assignee, listing, mine, is_open,
q), `POST /api/v1/tasks/{id}/move/` and `POST /api/v1/tasks/{id}/complete/` (docs/workflow.md#api)."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from workflow import services
from workflow.filters import TaskFilterSet
from workflow.selectors import stage_list, task_list, wip_exceeded

from .serializers import (
    StageSerializer,
    TaskCompleteSerializer,
    TaskMoveResultSerializer,
    TaskMoveSerializer,
    TaskSerializer,
)


class StageViewSet(viewsets.ModelViewSet):
    """Board columns. `wip_limit` (0 or more; null: none) only highlights an overloaded column."""

    required_role_area = "listings"
    serializer_class = StageSerializer
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_queryset(self) -> Any:
        return stage_list()

    def perform_destroy(self, instance: Any) -> None:
        services.stage_delete(stage=instance, user=self.request.user)


class TaskViewSet(viewsets.ModelViewSet):
    """Tasks on the board; `mine=true` lists those assigned to the caller."""

    required_role_area = "listings"
    serializer_class = TaskSerializer
    filterset_class = TaskFilterSet
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_queryset(self) -> Any:
        return task_list().prefetch_related("listings")

    def perform_destroy(self, instance: Any) -> None:
        services.task_delete(task=instance, user=self.request.user)

    def _result(self, task: Any) -> Response:
        count = task.stage.tasks.count()
        data = {"task": TaskSerializer(task, context=self.get_serializer_context()).data,
                "wip_exceeded": wip_exceeded(task.stage, count)}  # fmt: skip
        return Response(data)

    @extend_schema(request=TaskMoveSerializer, responses={200: TaskMoveResultSerializer})
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str | None = None) -> Response:
        """Put the task at `position` (0 = top) of `stage`; the other tasks of both stages are renumbered. A WIP
        limit does not refuse the move: `wip_exceeded` says the column is over it."""
        task = self.get_object()
        body = TaskMoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        moved = services.task_move(
            task=task, stage=body.validated_data["stage"], position=body.validated_data.get("position"),
            user=request.user,
        )  # fmt: skip
        return self._result(moved)

    @extend_schema(request=TaskCompleteSerializer, responses={200: TaskMoveResultSerializer})
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        """Move the task to the first terminal stage (sets completed_at), with an optional `outcome`."""
        task = self.get_object()
        body = TaskCompleteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        done = services.task_complete(task=task, user=request.user, outcome=body.validated_data.get("outcome"))
        return self._result(done)
