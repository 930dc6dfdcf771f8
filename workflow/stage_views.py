"""The stages page (docs/workflow.md#stages-page): the board's stages in board order with their task counts, and
create / edit / delete through the services. Viewers read; the listings edit right changes stages."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from accounts.mixins import StaffReadMixin, StaffWriteMixin
from accounts.roles import can_edit
from common.errors import ApplicationError
from common.views import add_service_errors, error_text

from . import services
from .models import Stage
from .selectors import stage_list
from .stage_forms import StageForm

AREA = "listings"


class StageListView(StaffReadMixin, View):
    template_name = "workflow/stage_list.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        stages = stage_list().annotate(open_count=Count("tasks", filter=Q(tasks__completed_at__isnull=True)))
        context = {"stages": stages, "can_edit": can_edit(request.user, AREA)}
        return render(request, self.template_name, context)


class StageEditView(StaffWriteMixin, View):
    """GET shows the form (a new stage starts right of the last column); POST saves through the services, whose
    refusals (bad colour, WIP limit below 0, a name already used) appear next to the fields they name."""

    required_area = AREA
    template_name = "workflow/stage_form.html"

    def _render(self, form: StageForm, stage: Stage | None, status: int = 200) -> HttpResponse:
        return render(self.request, self.template_name, {"form": form, "stage": stage}, status=status)

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        stage = get_object_or_404(Stage, pk=pk) if pk else None
        initial: dict[str, Any] | None = None
        if stage is None:
            last = stage_list().last()
            initial = {"sort_order": last.sort_order + 1 if last else 1}
        return self._render(StageForm(instance=stage, initial=initial), stage)

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        stage = get_object_or_404(Stage, pk=pk) if pk else None
        form = StageForm(request.POST, instance=stage)
        if form.is_valid():
            try:
                if stage is None:
                    stage = services.stage_create(user=request.user, **form.service_fields())
                    messages.success(request, f"Stage “{stage.name}” created.")
                else:
                    stage = services.stage_update(stage=stage, user=request.user, **form.service_fields())
                    messages.success(request, f"Stage “{stage.name}” saved.")
            except (ValidationError, ApplicationError) as exc:
                add_service_errors(form, exc)
            else:
                return redirect("workflow:stage_list")
        if stage is not None:
            stage.refresh_from_db()  # the service set the refused values on it before validating
        return self._render(form, stage, status=400)


class StageDeleteView(StaffWriteMixin, View):
    """POST deletes a stage without tasks; one that still holds tasks is kept and the service's message shown.
    GET goes back to the list."""

    required_area = AREA

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return redirect("workflow:stage_list")

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        stage = get_object_or_404(Stage, pk=pk)
        name = stage.name
        try:
            services.stage_delete(stage=stage, user=request.user)
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, f"Stage “{name}” deleted.")
        return redirect("workflow:stage_list")
