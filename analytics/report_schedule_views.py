"""The Amazon report schedules page (docs/analytics.md#report-schedules): the schedules of the user's Amazon
channels; editors (the `sync` right) create one (channel and report type) or cancel one. Both call the same
services as the API and the admin."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import FormView

from accounts.mixins import StaffReadMixin, StaffWriteMixin
from accounts.roles import can_edit
from common.errors import ApplicationError
from common.views import error_text

from .forms import KeywordReportPullForm, ReportScheduleForm
from .report_schedule_filters import ReportScheduleFilterSet
from .report_schedule_selectors import keyword_report_pull_list, query_performance_cursor_list, report_schedule_list
from .services.keyword_reports import keyword_report_pull_queue
from .services.report_schedules import SPECS, report_schedule_cancel, report_schedule_create

SCHEDULE_AREA = "sync"  # asking a marketplace to do work, as "Pull now"


class ReportScheduleListView(StaffReadMixin, FormView):
    """GET: the list (filters: channel, report type, live); POST (editors): create a schedule."""

    template_name = "analytics/reportschedule_list.html"
    form_class = ReportScheduleForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "user": self.request.user}

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not can_edit(request.user, SCHEDULE_AREA):
            messages.error(request, "Your role does not allow scheduling reports.")
            return redirect("analytics:report_schedule_list")
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: ReportScheduleForm) -> HttpResponse:
        try:
            schedule = report_schedule_create(
                channel=form.cleaned_data["channel"], report_type=form.cleaned_data["report_type"],
                user=self.request.user,
            )  # fmt: skip
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return self.form_invalid(form)
        except ApplicationError as exc:
            form.add_error(None, error_text(exc))
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"Amazon now creates the {schedule.get_report_type_display()} report of {schedule.channel.name} by "
            f"itself (every {schedule.period}, first {schedule.first_report_at:%Y-%m-%d %H:%M} UTC).",
        )
        return redirect("analytics:report_schedule_list")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user = self.request.user
        filterset = ReportScheduleFilterSet(
            self.request.GET or None, queryset=report_schedule_list(user=user), request=self.request
        )
        return super().get_context_data(
            filter=filterset,
            schedules=filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset,
            can_schedule=can_edit(user, SCHEDULE_AREA),
            keyword_form=KeywordReportPullForm(user=user) if can_edit(user, SCHEDULE_AREA) else None,
            keyword_pulls=keyword_report_pull_list(user=user),
            sqp_cursors=query_performance_cursor_list(user=user),
            specs=SPECS,
            **kwargs,
        )


class ReportScheduleCancelView(StaffWriteMixin, View):
    """POST: cancel a schedule on Amazon and mark it cancelled; a refusal comes back as a message."""

    required_area = SCHEDULE_AREA
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        schedule = get_object_or_404(report_schedule_list(user=request.user), pk=pk)
        try:
            report_schedule_cancel(schedule=schedule)
        except ApplicationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, f"Cancelled: {schedule}. Pulls ask Amazon for each report again.")
        return redirect("analytics:report_schedule_list")


class KeywordReportPullView(StaffWriteMixin, View):
    """POST: queue a pull of last week's keyword report (Search Terms or Search Query Performance) for an Amazon
    channel; never pulls in the request. Refusals and bad input come back as messages."""

    required_area = SCHEDULE_AREA
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        form = KeywordReportPullForm(request.POST, user=request.user)
        if not form.is_valid():
            for name, errors in form.errors.items():
                label = form.fields[name].label if name in form.fields else name
                messages.error(request, f"{label}: {' '.join(str(e) for e in errors)}")
            return redirect("analytics:report_schedule_list")
        try:
            message = keyword_report_pull_queue(
                channel=form.cleaned_data["channel"], report=form.cleaned_data["report"], user=request.user
            )
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, message)
        return redirect("analytics:report_schedule_list")
