"""Shared pieces of the staff pages: service-error mapping and capped pagination (access mixins: accounts.mixins)."""

from functools import cached_property
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.paginator import Paginator
from django.forms import BaseForm

from common.errors import ApplicationError

# Counting every match of a search over 100k rows costs as much as the page itself, so we count at most this
# many and show "10,000+"; sorting the other way or narrowing the filters reaches the rest.
COUNT_CAP = 10_000


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

    def get_page(self, number: Any) -> Any:
        """Like Paginator.get_page; a first page with room to spare needs no COUNT at all (typical searches)."""
        try:
            wanted = int(number)
        except (TypeError, ValueError):
            wanted = 1
        if wanted <= 1 and "count" not in self.__dict__:
            ids = self._ids(0, self.per_page + 1)
            if len(ids) <= self.per_page:
                self.__dict__["count"] = len(ids)
            return self._page_from_ids(ids[: self.per_page], 1)
        return super().get_page(number)

    def page(self, number: Any) -> Any:
        """Fetch the page in two steps: the ids in list order (a narrow sort), then those rows with their joins.

        SQLite sorts whole result rows; sorting only (key, id) pairs and then loading 50 rows by primary key keeps
        deep pages of an unindexed sort (price, stock) cheap over 100k rows.
        """
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return self._page_from_ids(self._ids(bottom, min(bottom + self.per_page, self.count)), number)

    def _ids(self, bottom: int, top: int) -> list[Any]:
        rows: Any = self.object_list
        return list(rows.values_list("pk", flat=True)[bottom:top])

    def _page_from_ids(self, ids: list[Any], number: int) -> Any:
        rows: Any = self.object_list
        by_id = {obj.pk: obj for obj in rows.order_by().filter(pk__in=ids)}
        return self._get_page([by_id[pk] for pk in ids if pk in by_id], number, self)  # type: ignore[attr-defined]
