"""Pagination of the staff list pages: one paginator that counts at most COUNT_CAP rows, and one ListView mixin
that uses it and turns a page number past the end into the last page instead of a 404.

(The API paginates with `common.api.pagination.ApiPagination`.)
"""

from functools import cached_property
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest
from django.views.generic.list import MultipleObjectMixin

# Counting every match of a search over 100k rows costs as much as the page itself, so we count at most this
# many and show "10,000+"; sorting the other way or narrowing the filters reaches the rest.
COUNT_CAP = 10_000


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


class PagedListMixin(MultipleObjectMixin):
    """A ListView paged by CappedPaginator; an out-of-range or malformed page number shows the nearest page.

    Set `paginate_by` (or override `get_paginate_by`); override `get_count_cap` to count less on costly queries.
    """

    paginator_class = CappedPaginator
    request: HttpRequest

    def get_count_cap(self) -> int | None:
        """A lower count cap for this request, or None for the paginator's own (COUNT_CAP)."""
        return None

    def paginate_queryset(self, queryset: Any, page_size: int) -> Any:
        paginator = self.get_paginator(queryset, page_size)
        cap = self.get_count_cap()
        if cap is not None:
            paginator.count_cap = cap  # type: ignore[attr-defined]
        page = paginator.get_page(self.request.GET.get("page"))
        return paginator, page, page.object_list, page.has_other_pages()
