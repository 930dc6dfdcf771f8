"""Cross-app operational pages: the dashboard, the health probe, the system log and the error page."""

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_GET
from django.views.generic import ListView, TemplateView

from accounts.mixins import RoleRequiredMixin, StaffReadMixin
from catalog.selectors import catalog_counts
from common.logging import request_id_var
from common.pagination import PagedListMixin
from operations.dashboard import channel_status_matrix, sync_chart, sync_counts
from operations.filters import SystemLogFilterSet
from operations.health import CHECKS
from operations.models import SystemLog

logger = logging.getLogger(__name__)

CHART_DAYS = 14


class AdminPageMixin(RoleRequiredMixin):
    """Operations pages show internals (log messages, stack traces, tables): the admin role only."""

    required_area = "admin"
    write = True


class DashboardView(StaffReadMixin, TemplateView):
    """Counts, the channel x status matrix and 14 days of sync outcomes per channel."""

    template_name = "operations/dashboard.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["counts"] = catalog_counts()
        user = self.request.user
        context["matrix"] = channel_status_matrix(user)
        context["sync"] = sync_counts(user)
        context["charts"] = sync_chart(days=CHART_DAYS, user=user)
        context["chart_days"] = CHART_DAYS
        return context


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """GET /healthz: 200 when every check passes, 503 otherwise (for load balancers); no login needed."""
    results: dict[str, Any] = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as exc:  # any failure of a dependency is a failed check, not a 500
            logger.warning("healthz: %s check failed: %s", name, type(exc).__name__)
            results[name] = {"ok": False, "error": type(exc).__name__}
    healthy = all(r["ok"] for r in results.values())
    return JsonResponse({"status": "ok" if healthy else "fail", "checks": results}, status=200 if healthy else 503)


# --- System log ---


class SystemLogListView(AdminPageMixin, PagedListMixin, ListView):
    """Search the stored log records: level and above, logger, text, request id, job, time."""

    paginate_by = 50
    template_name = "operations/systemlog_list.html"
    context_object_name = "records"

    def get_queryset(self):
        queryset = SystemLog.objects.order_by("-created_at", "-id")
        self.filterset = SystemLogFilterSet(self.request.GET or None, queryset=queryset)
        return self.filterset.qs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        return context


@requires_csrf_token
def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    """handler500: the error page with the request id, which leads an admin to the system log records of it.

    Renders without a RequestContext (no context processors, no database): whatever broke must not break this.
    """
    request_id = getattr(request, "request_id", "") or request_id_var.get()
    template = loader.get_template(template_name)
    return HttpResponse(template.render({"request_id": "" if request_id == "-" else request_id}), status=500)
