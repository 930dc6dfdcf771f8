"""Recognise unchanged product rows from their raw cells, before converting them.

The usual upsert is an export edited in a few places and uploaded again: most rows hold exactly what is
stored. Converting such a row, reading its stored values back as Python objects and comparing them field by
field costs ~40 us; here one query per chunk fetches the stored values in the form the cells arrive in (text,
numbers as floats) and a row whose cells equal them is counted as unchanged at once (~3 us).

A row takes this path only when the full path would also find it valid and unchanged:
- it is a product row (no parent_sku) whose SKU is stored as a product and appears once in the chunk and not
  earlier in the file;
- its text cells are str without surrounding whitespace or NUL and within the column's length limit, its
  numbers are int or float (never bool, date or text), its category cell names the stored category;
- the sheet has no attribute or metafield columns (a blank one clears the value), and the row leaves its
  channels, image_urls and option cells blank;
- its stored category has no attribute definitions (the full path re-checks required attributes).
Every other row goes through the full path unchanged.
"""

import operator
from collections.abc import Callable
from typing import Any, NamedTuple

from django.db import connection

from ..fields import PRODUCT_CONTENT_TEXT_FIELDS, PRODUCT_MEASURE_FIELDS
from ..models import Category, Product
from . import columns as col
from .row_checks import RowChecks
from .sql import sku_in

COMPARED: tuple[str, ...] = ("title", "description", "brand", "price", "currency", "compare_at_price")
COMPARED += ("cost_price", "quantity", "barcode", *PRODUCT_MEASURE_FIELDS, "status")
COMPARED += ("short_description", *PRODUCT_CONTENT_TEXT_FIELDS)  # every content column (docs/catalog.md#content)
NUMERIC = {"price", "compare_at_price", "cost_price", "quantity", *PRODUCT_MEASURE_FIELDS}
TEXT_LIMITS = {"title": 255, "brand": 120, "currency": 3, "barcode": 14, "status": 16}
TEXT_LIMITS |= {**col.CONTENT_TEXT_LIMITS, "search_terms": 250, "handle": 255}
MUST_BE_BLANK: tuple[str, ...] = (
    "parent_sku",
    "channels",
    "image_urls",
    "option1_name",
    "option1_value",
    "option2_name",
)
MUST_BE_BLANK += ("option2_value",)
PLAIN_TYPES = frozenset({str, int, float, type(None)})
_NOT_ELIGIBLE = object()


def _getter(positions: list[int]) -> Callable[[list[Any]], tuple[Any, ...]]:
    """A C-level picker returning a tuple of the cells at `positions` (itemgetter returns a bare value for one,
    and takes none: a sheet of SKUs and categories only compares no other cell)."""
    if not positions:
        return lambda cells: ()
    if len(positions) == 1:
        only = positions[0]
        return lambda cells: (cells[only],)
    return operator.itemgetter(*positions)


class Split(NamedTuple):
    """What `UnchangedRows.split` found in a raw chunk; the caller counts and records it."""

    rest: list[tuple[int, list[Any]]]  # the rows left to convert and check
    unchanged: dict[str, int]  # upper SKU -> row number of each row that holds exactly what is stored
    absent: set[str]  # upper SKUs looked up and found not to be products


class UnchangedRows:
    """Per-run filter: `split(chunk)` finds the unchanged rows of a raw chunk and returns them apart from the rest.

    It reads the run's checks (the SKUs seen so far; categories and definitions through their caches) and leaves
    the counting, and the recording of the SKUs it found unchanged, to its caller.
    """

    def __init__(self, checks: RowChecks) -> None:
        self.checks = checks
        index = checks.cmap.index
        self.names = [n for n in COMPARED if n in index]
        self.sku_at = index["sku"]
        self.category_at = index.get("category")
        self.pick = _getter([index[n] for n in self.names])
        self.texts = [(index[n], TEXT_LIMITS.get(n)) for n in self.names if n not in NUMERIC]
        blank_at = [index[n] for n in MUST_BE_BLANK if n in index]
        self.pick_blank = _getter(blank_at) if blank_at else None
        self.blanks = (None,) * len(blank_at)
        self.category_ids: dict[Any, Any] = {None: None}
        self.plain_categories: dict[int | None, bool] = {None: True}
        quote = connection.ops.quote_name
        float_cast = "CAST({} AS DOUBLE PRECISION)" if connection.vendor == "postgresql" else "{}"
        columns = [float_cast.format(f"t.{quote(n)}") if n in NUMERIC else f"t.{quote(n)}" for n in self.names]
        table = quote(Product._meta.db_table)
        compared = "".join(f", {c}" for c in columns)
        self.sql = f"SELECT UPPER(t.sku), t.category_id{compared} FROM {table} t WHERE "  # noqa: S608
        positions = [self.sku_at, *[index[n] for n in self.names], *blank_at]
        self.width = max(positions + ([self.category_at] if self.category_at is not None else [])) + 1

    @classmethod
    def for_sheet(cls, checks: RowChecks) -> "UnchangedRows | None":
        """The filter for the sheet `checks.cmap` maps, or None when no row of it can take this path."""
        cmap = checks.cmap
        if "sku" not in cmap.index or cmap.attributes or cmap.metafields:
            return None
        if not any(n in cmap.index for n in COMPARED) and "category" not in cmap.index:
            return None
        return cls(checks)

    def split(self, chunk: list[tuple[int, list[Any]]]) -> Split:
        """Find the chunk's unchanged rows (SKUs unique in the chunk and not seen before); return them and the rest."""
        keys: list[str | None] = []
        counts: dict[str, int] = {}
        sku_at, seen = self.sku_at, self.checks.seen
        for _, cells in chunk:
            raw = cells[sku_at] if sku_at < len(cells) else None
            key = raw.strip().upper() if raw.__class__ is str else None
            if key and key in seen:
                key = None  # a duplicate: the full path words the error
            keys.append(key)
            if key:
                counts[key] = counts.get(key, 0) + 1
        unique = [k for k, n in counts.items() if n == 1]
        stored = self._stored(unique) if unique else {}
        absent = set(unique).difference(stored)  # not products: the checks need not look them up again
        if not stored:
            return Split(chunk, {}, absent)
        rest: list[tuple[int, list[Any]]] = []
        unchanged: dict[str, int] = {}
        for item, key in zip(chunk, keys, strict=True):
            found = stored.get(key) if key else None
            if found is None or not self._matches(item[1], found):
                rest.append(item)
                continue
            unchanged[key] = item[0]  # type: ignore[index]
        return Split(rest, unchanged, absent)

    def _matches(self, cells: list[Any], found: tuple[Any, ...]) -> bool:
        if len(cells) < self.width:  # a short CSV line
            return False
        values = self.pick(cells)
        if values != found[2:] or not PLAIN_TYPES.issuperset(map(type, values)):
            return False
        if self.pick_blank is not None and self.pick_blank(cells) != self.blanks:
            return False
        for position, limit in self.texts:
            text = cells[position]
            if text is not None and (text.strip() != text or "\x00" in text or (limit and len(text) > limit)):
                return False
        if self.category_at is not None:
            category_id = self._category_id(cells[self.category_at])
            if category_id is _NOT_ELIGIBLE or category_id != found[1]:
                return False
        return self._plain_category(found[1])

    def _category_id(self, raw: Any) -> Any:
        """The id the full path would give this category cell (None when blank), or _NOT_ELIGIBLE."""
        try:
            return self.category_ids[raw]
        except KeyError:
            pass
        except TypeError:  # an unhashable cell
            return _NOT_ELIGIBLE
        found: Any = _NOT_ELIGIBLE
        if raw.__class__ is str and raw.strip():
            try:
                path = col.to_category_path(raw)
                category = self.checks.category_for_path(path) if path else None
            except col.CellError:
                category = None
            if category is not None and category.pk is not None:
                found = category.pk
        elif col.is_blank(raw):
            found = None
        if len(self.category_ids) < 4096:
            self.category_ids[raw] = found
        return found

    def _plain_category(self, category_id: int | None) -> bool:
        """Whether the stored category has no attribute definitions (own or inherited)."""
        if category_id not in self.plain_categories:
            category = Category.objects.filter(pk=category_id).first() if category_id is not None else None
            self.plain_categories[category_id] = category is None or not self.checks.definitions_for(category)
        return self.plain_categories[category_id]

    def _stored(self, keys: list[str]) -> dict[str, tuple[Any, ...]]:
        where, params = sku_in(set(keys))
        with connection.cursor() as cursor:
            cursor.execute(self.sql + where, params)
            return {row[0]: row for row in cursor.fetchall()}
