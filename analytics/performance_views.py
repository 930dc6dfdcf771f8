"""The performance movers page (docs/analytics.md#performance-metrics): the listings whose units and revenue
changed most, the last 7 days against the 7 before."""

from datetime import timedelta
from typing import Any

from django.utils import timezone
from django.views.generic import TemplateView

from accounts.mixins import StaffReadMixin

from .performance_selectors import MOVERS_DAYS, performance_movers


class PerformanceMoversView(StaffReadMixin, TemplateView):
    template_name = "analytics/performance_movers.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        today = timezone.localdate()
        last = today - timedelta(days=1)
        split = last - timedelta(days=MOVERS_DAYS - 1)
        movers = performance_movers(self.request.user, today=today)
        return super().get_context_data(
            movers=movers,
            after=(split, last),
            before=(split - timedelta(days=MOVERS_DAYS), split - timedelta(days=1)),
            **kwargs,
        )
