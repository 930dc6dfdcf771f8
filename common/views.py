from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from catalog.selectors import catalog_counts


class DashboardView(LoginRequiredMixin, TemplateView):
    template_name = "dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["counts"] = catalog_counts()
        return context
