"""The analytics page: per channel, the chart and the table of daily figures (docs/analytics.md#the-page)."""

from typing import Any

from django.views.generic import TemplateView

from accounts.mixins import StaffReadMixin

from .chart import daily_charts
from .forms import DailyStatsQueryForm
from .reports import daily_stats_cached

NOT_AVAILABLE = "not available from this marketplace"


def channel_tables(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Group the rows per channel, newest day first, with the range's totals."""
    tables: dict[int, dict[str, Any]] = {}
    for row in rows:
        table = tables.setdefault(
            row["channel"],
            {"channel": row["channel"], "name": row["channel_name"], "currency": row["currency"], "days": []},
        )
        table["days"].append(row)
    for table in tables.values():
        days = table["days"]
        table["days"] = sorted(days, key=lambda r: r["day"], reverse=True)
        table["totals"] = {
            name: sum(r[name] for r in days)
            for name in ("orders", "units", "revenue", "refunds", "net_revenue", "other_currency_orders", "oversells")
        }
        table["has_traffic"] = any(r["sessions"] is not None or r["page_views"] is not None for r in days)
    return list(tables.values())


class DailyStatsView(StaffReadMixin, TemplateView):
    template_name = "analytics/daily_stats.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        form = DailyStatsQueryForm(self.request.GET, user=self.request.user)
        context = super().get_context_data(form=form, not_available=NOT_AVAILABLE, **kwargs)
        if not form.is_valid():
            return context | {"tables": [], "charts": []}
        first, last = form.cleaned_data["from"], form.cleaned_data["to"]
        rows = daily_stats_cached(form.channels(), first, last)
        return context | {
            "first": first,
            "last": last,
            "tables": channel_tables(rows),
            "charts": daily_charts(rows, first, last),
        }
