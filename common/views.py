"""Shared pieces of the staff pages: access mixins, service-error mapping, capped pagination, the dashboard."""

from functools import cached_property
from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.paginator import Paginator
from django.forms import BaseForm
from django.views.generic import TemplateView

from catalog.selectors import catalog_counts
from common.errors import ApplicationError

# Counting every match of a search over 100k rows costs as much as the page itself, so we count at most this
# many and show "10,000+"; sorting the other way or narrowing the filters reaches the rest.
COUNT_CAP = 10_000


class StaffReadMixin(LoginRequiredMixin):
    """Any signed-in user may read the staff pages; anonymous visitors go to the login page."""


class StaffWriteMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """Writes need the model permission; a signed-in user without it gets 403, an anonymous one the login page."""


def add_service_errors(form: BaseForm, exc: ValidationError | ApplicationError, *, prefix: str = "") -> None:
    """Put a service's refusal next to the fields it names, or at the top of the form."""
    if isinstance(exc, ApplicationError):
        form.add_error(None, f"{prefix}{exc.message}")
        return
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                message = " ".join(error.messages)
                if field in form.fields and field != NON_FIELD_ERRORS:
                    form.add_error(field, f"{prefix}{message}")
                elif field == NON_FIELD_ERRORS:
                    form.add_error(None, f"{prefix}{message}")
                else:
                    form.add_error(None, f"{prefix}{field}: {message}")
        return
    for message in exc.messages:
        form.add_error(None, f"{prefix}{message}")


def error_text(exc: ValidationError | ApplicationError) -> str:
    """A refusal as one readable sentence for a flash message."""
    if isinstance(exc, ApplicationError):
        return exc.message
    if hasattr(exc, "error_dict"):
        return " ".join(
            f"{'' if field == NON_FIELD_ERRORS else field + ': '}{' '.join(e.messages)}"
            for field, errors in exc.error_dict.items()
            for e in errors
        )
    return " ".join(exc.messages)


class CappedPaginator(Paginator):
    """A paginator whose count stops at COUNT_CAP (one bounded COUNT over a LIMIT subquery)."""

    count_cap = COUNT_CAP

    @cached_property
    def count(self) -> int:  # type: ignore[override]
        rows: Any = self.object_list
        counted = rows.order_by()[: self.count_cap + 1].count()
        self.count_is_capped = counted > self.count_cap
        return min(counted, self.count_cap)

    count_is_capped = False


class DashboardView(StaffReadMixin, TemplateView):
    template_name = "dashboard.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["counts"] = catalog_counts()
        return context
