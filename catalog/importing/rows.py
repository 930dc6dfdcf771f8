"""Rows of a sheet turned into values: the per-cell conversions planned once per sheet (the hot loop).

A 100k-row file runs this loop 1.2 million times, so the common cells take inlined fast paths (text that is
already a str, money that is a float with whole cents, whole numbers) and repeated text (brands, currencies,
statuses) is converted once per distinct spelling; anything else goes through the converters of `columns`,
which word the errors. Both paths give the same values (tests/catalog/importing/test_unchanged_rows.py).
"""

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from ..fields import PRODUCT_MEASURE_FIELDS
from ..validators import SKU_MAX_LENGTH, SKU_PATTERN
from . import columns as col

CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "title": col.text_limited_to(255),
    "description": col.to_text,
    "brand": col.text_limited_to(120),
    "price": col.to_decimal,
    "currency": col.to_currency,
    "compare_at_price": col.to_decimal,
    "cost_price": col.to_decimal,
    "quantity": col.to_int,
    "barcode": col.to_barcode,
    **dict.fromkeys(PRODUCT_MEASURE_FIELDS, col.to_int),
    "status": col.to_status,
    "short_description": col.to_text,
    **{name: col.text_limited_to(limit) for name, limit in col.CONTENT_TEXT_LIMITS.items()},
    "search_terms": col.to_search_terms,
    "handle": col.to_handle,
}
# The inlined fast path of each column (the converter above stays the reference and handles the rest).
TEXT, MONEY, WHOLE, GTIN, OTHER = 1, 2, 3, 4, 0
TEXT_LIMITS: dict[str, int | None] = {"title": 255, "description": None, "brand": 120, "short_description": None}
TEXT_LIMITS |= col.CONTENT_TEXT_LIMITS
FAST_KIND = {"price": MONEY, "compare_at_price": MONEY, "cost_price": MONEY, "quantity": WHOLE}
FAST_KIND |= {
    **dict.fromkeys(PRODUCT_MEASURE_FIELDS, WHOLE),
    "title": TEXT,
    "description": TEXT,
    "brand": TEXT,
    "barcode": GTIN,
}
FAST_KIND |= dict.fromkeys(["short_description", *col.CONTENT_TEXT_LIMITS], TEXT)
MEMO_LIMIT = 4096  # distinct spellings remembered per column; a column of unique values stops memoising there
_MISSING = object()
_NO_ERRORS: Sequence[dict[str, Any]] = ()
_NO_NAMES: Sequence[str] = ()
_NO_MAP: Mapping[str, Any] = MappingProxyType({})
_SKU_MATCH = SKU_PATTERN.match
_IS_VALID_GTIN = col.is_valid_gtin
_CENT = Decimal(1).scaleb(-2)


class CachedError:
    """A converter's error remembered for a repeated spelling."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


class Row:
    """One data row: its cells, what they mean, and what the import decided.

    `target` holds the field values to write keyed by attname (a new row's full set, or an existing row's
    values with the changes applied); `changes` maps attname -> (old, new). The class attributes are the
    shared, read-only defaults (most rows have no errors, options, attributes, channels or images): a row
    gets its own list or dict only when it has something to put there, which halves the cost of a row.
    """

    sku: str | None = None
    parent_sku: str | None = None
    category_path: tuple[str, ...] | None = None
    attributes: Mapping[str, Any] = _NO_MAP
    metafields: Mapping[str, Any] = _NO_MAP
    options: Mapping[str, Any] = _NO_MAP
    image_urls: Sequence[str] = _NO_NAMES
    channels: Sequence[str] = _NO_NAMES
    errors: Sequence[dict[str, Any]] = _NO_ERRORS
    blanks: Sequence[str] = _NO_NAMES  # present field columns left blank on this row
    action: str = ""
    changes: dict[str, tuple[Any, Any]] = MappingProxyType({})  # type: ignore[assignment]
    target: dict[str, Any] | None = None

    def __init__(self, number: int, cells: list[Any], values: dict[str, Any] | None = None) -> None:
        self.number = number
        self.cells = cells
        self.values: dict[str, Any] = {} if values is None else values

    def fail(self, column: str, value: Any, message: str) -> None:
        if not self.errors:
            self.errors = []
        self.errors.append({"column": column, "value": col.json_safe(value), "message": message})  # type: ignore[attr-defined]


class RowParser:
    """Converts cells to values with a plan made once per sheet (the hot loop of an import)."""

    def __init__(self, cmap: col.ColumnMap) -> None:
        self.cmap = cmap
        self.plan: list[tuple[str, int, int, int | None, Callable[[Any], Any], dict[Any, Any] | None]] = [
            (name, cmap.index[name], FAST_KIND.get(name, OTHER), TEXT_LIMITS.get(name), func, {})
            for name, func in CONVERTERS.items()
            if name in cmap.index
        ]
        self.sku_at = cmap.index.get("sku")
        self.parent_at = cmap.index.get("parent_sku")
        self.category_at = cmap.index.get("category")
        self.lists = [
            (name, cmap.index[name], func)
            for name, func in (("image_urls", col.to_url_list), ("channels", col.to_name_list))
            if name in cmap.index
        ]
        self.options = [
            (n, cmap.index.get(f"option{n}_name"), cmap.index.get(f"option{n}_value"))
            for n in ("1", "2")
            if f"option{n}_name" in cmap.index or f"option{n}_value" in cmap.index
        ]
        positions = [*cmap.index.values(), *cmap.attributes.values(), *cmap.metafields.values()]
        self.width = max(positions) + 1 if positions else 0
        self.padding = [None] * self.width

    def parse(self, number: int, cells: list[Any]) -> Row:
        row = Row(number, cells)
        if len(cells) < self.width:  # a short CSV line: the missing cells are blank
            cells = [*cells, *self.padding[len(cells) :]]
        self._parse_skus(row, cells)
        blanks = self._parse_fields(row, cells)
        self._parse_lists(row, cells, blanks)
        if blanks:
            row.blanks = blanks
        if self.options:
            self._parse_options(row, cells)
        return row

    def _parse_skus(self, row: Row, cells: list[Any]) -> None:
        sku_at = self.sku_at
        raw = cells[sku_at] if sku_at is not None else None
        sku = raw.strip() if raw.__class__ is str else None
        if sku and len(sku) <= SKU_MAX_LENGTH and _SKU_MATCH(sku):
            row.sku = sku
        else:
            row.sku = self._one(row, "sku", raw, col.to_sku)
            if row.sku is None and not row.errors:
                row.fail("sku", None, "SKU is required.")
        if self.parent_at is not None:
            row.parent_sku = self._one(row, "parent_sku", cells[self.parent_at], col.to_sku)

    def _parse_fields(self, row: Row, cells: list[Any]) -> list[str]:
        """Convert the field cells into `row.values` (the hot loop); return the names of the blank ones."""
        values = row.values
        blanks: list[str] = []
        for name, position, kind, limit, func, memo in self.plan:  # runs for every cell of the file
            raw = cells[position]
            if raw is None or raw == "":
                blanks.append(name)
                continue
            cls = raw.__class__
            if kind == TEXT and cls is str:
                text = raw.strip()
                if text and (limit is None or len(text) <= limit) and "\x00" not in raw:
                    values[name] = text
                    continue
            elif kind == MONEY and cls is float and 0 <= raw <= col.MONEY_FLOAT_MAX:
                cents = round(raw * 100)
                if abs(raw * 100 - cents) < 1e-6:
                    values[name] = Decimal(cents) * _CENT
                    continue
            elif kind == WHOLE and (cls is float or cls is int) and 0 <= raw <= col.INT_MAX and raw == int(raw):
                values[name] = int(raw)
                continue
            elif kind == GTIN and cls is str and _IS_VALID_GTIN(raw):  # skips the memo: each row has its own
                values[name] = raw
                continue
            if cls is str and memo is not None:
                value = memo.get(raw, _MISSING)
                if value is _MISSING:
                    value = self._convert(func, raw)
                    if len(memo) < MEMO_LIMIT:
                        memo[raw] = value
            else:
                value = self._convert(func, raw)
            if value is None:
                blanks.append(name)  # spaces only
            elif value.__class__ is CachedError:
                row.fail(name, raw, value.message)
            else:
                values[name] = value
        return blanks

    def _parse_lists(self, row: Row, cells: list[Any], blanks: list[str]) -> None:
        """The category path, the image/channel lists and the attribute cells (blank ones added to `blanks`)."""
        if self.category_at is not None:
            raw = cells[self.category_at]
            if col.is_blank(raw):
                blanks.append("category")
            else:
                row.category_path = self._one(row, "category", raw, col.to_category_path)
        for name, position, func in self.lists:
            setattr(row, name, self._one(row, name, cells[position], func) or [])
        if self.cmap.attributes:
            attributes: dict[str, Any] = {}
            for code, position in self.cmap.attributes.items():
                value = cells[position]
                if not col.is_blank(value):
                    attributes[code] = col.json_safe(value.strip() if isinstance(value, str) else value)
                else:
                    blanks.append(col.ATTRIBUTE_PREFIX + code)
            if attributes:
                row.attributes = attributes
        if self.cmap.metafields:
            metafields: dict[str, Any] = {}
            for name, position in self.cmap.metafields.items():
                value = cells[position]
                if not col.is_blank(value):
                    metafields[name] = col.json_safe(value.strip() if isinstance(value, str) else value)
                else:
                    blanks.append(col.METAFIELD_PREFIX + name)
            if metafields:
                row.metafields = metafields

    @staticmethod
    def _convert(func: Callable[[Any], Any], raw: Any) -> Any:
        try:
            return func(raw)
        except col.CellError as exc:
            return CachedError(str(exc))

    @staticmethod
    def _one(row: Row, name: str, value: Any, func: Callable[[Any], Any]) -> Any:
        if value is None or value == "":
            return None
        try:
            return func(value)
        except col.CellError as exc:
            row.fail(name, value, str(exc))
            return None

    def _parse_options(self, row: Row, cells: list[Any]) -> None:
        options: dict[str, Any] = {}
        for n, name_at, value_at in self.options:
            name = col.to_text(cells[name_at] if name_at is not None else None)
            value = col.to_text(cells[value_at] if value_at is not None else None)
            if name and value:
                options[name] = value
            elif name or value:
                filled = f"option{n}_name" if name else f"option{n}_value"
                row.fail(filled, name or value, f"Give both option{n}_name and option{n}_value.")
        if options:
            row.options = options
            if not row.parent_sku:
                row.fail("option1_name", next(iter(options)), "Options apply to variant rows only; fill parent_sku.")


def parse_row(number: int, cells: list[Any], cmap: col.ColumnMap) -> Row:
    return RowParser(cmap).parse(number, cells)
