"""The performance movers page (docs/analytics.md#performance-metrics): the listings whose units and revenue
changed most, the last 7 days against the 7 before; and "Pull now", which queues a pull of a channel's metrics."""

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import TemplateView

from accounts.mixins import StaffReadMixin, StaffWriteMixin
from accounts.roles import can_edit
from common.errors import ApplicationError
from common.views import error_text

from .forms import PerformancePullForm
from .performance_selectors import MOVERS_DAYS, performance_movers
from .services.performance import performance_pull_queue

PULL_AREA = "sync"  # pulling from a marketplace, as the channel page's "Pull now"


class PerformanceMoversView(StaffReadMixin, TemplateView):
    template_name = "analytics/performance_movers.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        today = timezone.localdate()
        last = today - timedelta(days=1)
        split = last - timedelta(days=MOVERS_DAYS - 1)
        movers = performance_movers(self.request.user, today=today)
        can_pull = can_edit(self.request.user, PULL_AREA)
        return super().get_context_data(
            movers=movers,
            after=(split, last),
            before=(split - timedelta(days=MOVERS_DAYS), split - timedelta(days=1)),
            pull_form=PerformancePullForm(user=self.request.user) if can_pull else None,
            **kwargs,
        )


class PerformancePullView(StaffWriteMixin, View):
    """ "Pull now" (movers page, listing page): queue a pull of the channel's last N days; never pulls in the
    request. Refusals and bad input come back as a message on the page the button was on."""

    required_area = PULL_AREA
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        back = request.POST.get("next", "")
        hosts = {request.get_host()}
        if not url_has_allowed_host_and_scheme(back, allowed_hosts=hosts, require_https=request.is_secure()):
            back = reverse("analytics:performance_movers")
        form = PerformancePullForm(request.POST, user=request.user)
        if not form.is_valid():
            for name, errors in form.errors.items():
                label = form.fields[name].label if name in form.fields else name
                messages.error(request, f"{label}: {' '.join(str(e) for e in errors)}")
            return redirect(back)
        try:
            queued = performance_pull_queue(channel=form.cleaned_data["channel"], days=form.cleaned_data["days"])
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, error_text(exc))
            return redirect(back)
        messages.success(request, queued.message)
        return redirect(back)
