"""Task pages: the board (drag and drop via static/js/board.js, a move form per card without JavaScript), the
task list with filters and "my tasks", the task page, and task creation from a listing or an alert
(docs/workflow.md)."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View
from django.views.generic import ListView

from accounts.mixins import StaffReadMixin, StaffWriteMixin
from accounts.roles import can_edit, channel_scoped
from common.errors import ApplicationError
from common.pagination import PagedListMixin
from common.views import add_service_errors, error_text
from competitors.models import Alert
from listings.models import Listing

from . import services
from .choices import TaskType
from .filters import TaskFilterSet
from .forms import QuickTaskForm, TaskCompleteForm, TaskForm, TaskMoveForm
from .models import Stage, Task
from .selectors import board_columns, stage_counts, task_list, wip_exceeded

AREA = "listings"


def _back(request: HttpRequest, default: str) -> str:
    back = request.POST.get("back", "")
    return back if back.startswith("/") and not back.startswith("//") else default


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


class BoardView(StaffReadMixin, View):
    template_name = "workflow/board.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        filterset = TaskFilterSet(request.GET or None, Task.objects.none(), request=request)
        columns = board_columns(filters=request.GET, request=request)
        context = {
            "columns": columns,
            "stages": [column.stage for column in columns],
            "filter_form": filterset.form,
            "can_edit": can_edit(request.user, AREA),
        }
        return render(request, self.template_name, context)


class TaskListView(StaffReadMixin, PagedListMixin, ListView):
    paginate_by = 50
    template_name = "workflow/task_list.html"
    context_object_name = "tasks"

    def get_queryset(self):
        self.filterset = TaskFilterSet(self.request.GET or None, task_list(), request=self.request)
        return self.filterset.qs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            filter_form=self.filterset.form, can_edit=can_edit(self.request.user, AREA), **kwargs
        )


def _service_fields(form: TaskForm) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in services.TASK_FIELDS}


class TaskCreateView(StaffWriteMixin, View):
    required_area = AREA
    template_name = "workflow/task_form.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        initial: dict[str, Any] = {}
        listing_id = request.GET.get("listing", "")
        if listing_id.isdigit():
            initial = {"listing": int(listing_id), "listings": listing_id}
        return render(request, self.template_name, {"form": TaskForm(initial=initial)})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = TaskForm(request.POST)
        if form.is_valid():
            try:
                task = services.task_create(
                    user=request.user, stage=form.cleaned_data["stage"], listings=form.cleaned_data["listings"],
                    **_service_fields(form),
                )  # fmt: skip
            except (ValidationError, ApplicationError) as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Task “{task.title}” added to {task.stage}.")
                return redirect("workflow:task_detail", pk=task.pk)
        return render(request, self.template_name, {"form": form}, status=400)


class TaskDetailView(StaffReadMixin, View):
    template_name = "workflow/task_detail.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        task = get_object_or_404(task_list().prefetch_related("listings__product", "listings__channel"), pk=pk)
        context = {
            "task": task,
            "move_form": TaskMoveForm(initial={"stage": task.stage_id, "position": task.position}),
            "complete_form": TaskCompleteForm(initial={"outcome": task.outcome}),
            "can_edit": can_edit(request.user, AREA),
        }
        return render(request, self.template_name, context)


class TaskUpdateView(StaffWriteMixin, View):
    required_area = AREA
    template_name = "workflow/task_form.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        task = get_object_or_404(Task, pk=pk)
        form = TaskForm(instance=task, initial={"listings": list(task.listings.all()), "stage": task.stage_id})
        return render(request, self.template_name, {"form": form, "task": task})

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        task = get_object_or_404(Task, pk=pk)
        form = TaskForm(request.POST, instance=task)
        if form.is_valid():
            try:
                services.task_update(
                    task=task, user=request.user, stage=form.cleaned_data["stage"],
                    listings=form.cleaned_data["listings"], **_service_fields(form),
                )  # fmt: skip
            except (ValidationError, ApplicationError) as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Task saved.")
                return redirect("workflow:task_detail", pk=task.pk)
        task.refresh_from_db()
        return render(request, self.template_name, {"form": form, "task": task}, status=400)


class TaskMoveView(StaffWriteMixin, View):
    """POST stage + position: the board script sends it with Accept: application/json and gets the column
    counts back; the plain form gets a redirect and a message."""

    required_area = AREA

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        task = get_object_or_404(Task, pk=pk)
        form = TaskMoveForm(request.POST)
        if not form.is_valid():
            errors = {field: [str(e) for e in errs] for field, errs in form.errors.items()}
            if _wants_json(request):
                return JsonResponse({"errors": errors}, status=400)
            messages.error(request, " ".join(f"{field}: {' '.join(errs)}" for field, errs in errors.items()))
            return redirect(_back(request, reverse("workflow:board")))
        stage: Stage = form.cleaned_data["stage"]
        try:
            task = services.task_move(task=task, stage=stage, position=form.cleaned_data["position"], user=request.user)
        except (ValidationError, ApplicationError) as exc:
            if _wants_json(request):
                return JsonResponse({"errors": {"__all__": [error_text(exc)]}}, status=400)
            messages.error(request, error_text(exc))
            return redirect(_back(request, reverse("workflow:board")))
        counts = stage_counts()
        over = wip_exceeded(stage, counts[stage.pk]["count"])
        if _wants_json(request):
            return JsonResponse({"task": task.pk, "stage": stage.pk, "position": task.position, "stages": counts})
        note = f" {stage} is over its WIP limit of {stage.wip_limit}." if over else ""
        messages.success(request, f"“{task.title}” moved to {stage}, position {task.position}.{note}")
        return redirect(_back(request, reverse("workflow:board")))


class TaskCompleteView(StaffWriteMixin, View):
    required_area = AREA

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        task = get_object_or_404(Task, pk=pk)
        form = TaskCompleteForm(request.POST)
        form.is_valid()
        try:
            services.task_complete(task=task, user=request.user, outcome=form.cleaned_data.get("outcome") or None)
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, "Task completed.")
        return redirect(_back(request, reverse("workflow:task_detail", args=[task.pk])))


class ListingTaskCreateView(StaffWriteMixin, View):
    """The listing page's "Tasks" box: a task about that listing."""

    required_area = AREA

    def post(self, request: HttpRequest, listing_pk: int) -> HttpResponse:
        listing = get_object_or_404(channel_scoped(Listing.objects.all(), request.user), pk=listing_pk)
        form = QuickTaskForm(request.POST)
        back = reverse("listings:listing_detail", args=[listing.pk]) + "#tasks"
        if not form.is_valid():
            messages.error(request, "A task needs a title and a type.")
            return redirect(back)
        try:
            task = services.task_create(user=request.user, listings=[listing], **form.cleaned_data)
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, f"Task “{task.title}” added to {task.stage}.")
        return redirect(back)


class AlertTaskCreateView(StaffWriteMixin, View):
    """ "Create task" on a competitor alert: a competitive task about the alert's listings."""

    required_area = AREA

    def post(self, request: HttpRequest, alert_pk: int) -> HttpResponse:
        alert = get_object_or_404(
            channel_scoped(Alert.objects.select_related("competitor"), request.user, "competitor__channel"),
            pk=alert_pk,
        )
        listings = list(alert.affected_listings.order_by("pk"))
        description = f"{alert.get_alert_type_display()}: {alert.previous_value or '—'} → {alert.new_value or '—'}"
        if alert.change_pct is not None:
            description += f" ({alert.change_pct} %)"
        try:
            task = services.task_create(
                user=request.user, listings=listings, alert=alert, task_type=TaskType.COMPETITIVE,
                title=f"{alert.get_alert_type_display()}: {alert.competitor}"[:255], description=description,
            )  # fmt: skip
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, error_text(exc))
            return redirect(_back(request, reverse("competitors:alert_list")))
        messages.success(request, f"Task “{task.title}” added to {task.stage}.")
        return redirect("workflow:task_detail", pk=task.pk)
