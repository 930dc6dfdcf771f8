"""Competitor pages: the list with "add", a competitor's page (price chart, observations, alerts, "observe now")
and the alert inbox with status actions (docs/competitors.md#pages)."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View
from django.views.generic import ListView

from accounts.mixins import StaffReadMixin, StaffWriteMixin
from accounts.roles import can_edit, channel_scoped
from common.errors import ApplicationError
from common.pagination import PagedListMixin
from common.views import add_service_errors, error_text

from . import services
from .chart import price_chart
from .choices import OPEN_ALERT_STATUSES
from .filters import AlertFilterSet, CompetitorFilterSet
from .forms import AlertStatusForm, CompetitorForm
from .models import Alert, Competitor
from .selectors import alert_list, competitor_chart_observations, competitor_list

AREA = "listings"
ALERT_ACTIONS = [("viewed", "Mark viewed"), ("actioned", "Actioned"), ("dismissed", "Dismiss")]


class CompetitorListView(StaffReadMixin, PagedListMixin, ListView):
    paginate_by = 50
    template_name = "competitors/competitor_list.html"
    context_object_name = "competitors"

    def get_queryset(self):
        self.filterset = CompetitorFilterSet(
            self.request.GET or None, channel_scoped(competitor_list(), self.request.user), request=self.request
        )
        open_alerts = Count("alerts", filter=Q(alerts__status__in=OPEN_ALERT_STATUSES))
        return self.filterset.qs.annotate(open_alerts=open_alerts).order_by("-threat_score", "id")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            filter_form=self.filterset.form, can_edit=can_edit(self.request.user, AREA), **kwargs
        )


class CompetitorCreateView(StaffWriteMixin, View):
    required_area = AREA
    template_name = "competitors/competitor_form.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": CompetitorForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = CompetitorForm(request.POST)
        if form.is_valid():
            fields = {name: form.cleaned_data[name] for name in services.COMPETITOR_FIELDS}
            try:
                competitor = services.competitor_create(
                    user=request.user, listings=form.cleaned_data["listings"], **fields
                )
            except (ValidationError, ApplicationError) as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Tracking {competitor}.")
                return redirect("competitors:competitor_detail", pk=competitor.pk)
        return render(request, self.template_name, {"form": form}, status=400)


class CompetitorDetailView(StaffReadMixin, View):
    template_name = "competitors/competitor_detail.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        competitor = get_object_or_404(channel_scoped(competitor_list(), request.user), pk=pk)
        observations = competitor_chart_observations(competitor)
        context = {
            "competitor": competitor,
            "chart": price_chart(observations),
            "observations": observations[::-1][:20],
            "alerts": competitor.alerts.order_by("-last_seen_at")[:20],
            "can_edit": can_edit(request.user, AREA),
        }
        return render(request, self.template_name, context)


class CompetitorObserveView(StaffWriteMixin, View):
    """ "Observe now": one observation through the marketplace, at once (a page waits a second or two)."""

    required_area = AREA

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        competitor = get_object_or_404(
            channel_scoped(Competitor.objects.select_related("channel"), request.user), pk=pk
        )
        try:
            observation = services.competitor_observe(competitor=competitor)
        except ApplicationError as exc:
            messages.error(request, error_text(exc))
        else:
            seen = f"{observation.landed_price} {observation.currency}" if observation.has_offer else "no offer"
            messages.success(request, f"Observed {competitor}: {seen}.")
        return redirect("competitors:competitor_detail", pk=competitor.pk)


class AlertListView(StaffReadMixin, PagedListMixin, ListView):
    """The alert inbox: open alerts (new, viewed) unless a status is chosen."""

    paginate_by = 50
    template_name = "competitors/alert_list.html"
    context_object_name = "alerts"

    def get_queryset(self):
        data = self.request.GET.copy()
        if not data.get("status"):
            data.setlist("status", [str(s) for s in OPEN_ALERT_STATUSES])
        self.filterset = AlertFilterSet(
            data, channel_scoped(alert_list(), self.request.user, "competitor__channel"), request=self.request
        )
        return self.filterset.qs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            filter_form=self.filterset.form,
            can_edit=can_edit(self.request.user, AREA),
            alert_actions=ALERT_ACTIONS,
            **kwargs,
        )


class AlertStatusView(StaffWriteMixin, View):
    required_area = AREA

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        alert = get_object_or_404(channel_scoped(Alert.objects.all(), request.user, "competitor__channel"), pk=pk)
        form = AlertStatusForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose viewed, actioned or dismissed.")
        else:
            action = form.cleaned_data["action_taken"] or None
            try:
                services.alert_status_set(
                    alert=alert, status=form.cleaned_data["status"], user=request.user, action_taken=action
                )
            except (ValidationError, ApplicationError) as exc:
                messages.error(request, error_text(exc))
            else:
                messages.success(request, f"Alert marked {form.cleaned_data['status']}.")
        back = request.POST.get("back", "")
        return redirect(
            back if back.startswith("/") and not back.startswith("//") else reverse("competitors:alert_list")
        )
