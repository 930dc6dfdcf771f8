"""Cross-app operational pages: the dashboard and the health probe."""

import logging
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from accounts.mixins import StaffReadMixin
from catalog.selectors import catalog_counts
from operations.dashboard import channel_status_matrix, sync_chart, sync_counts
from operations.health import CHECKS

logger = logging.getLogger(__name__)

CHART_DAYS = 14


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
