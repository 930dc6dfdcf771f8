"""Rows of a sheet turned into values: the per-cell conversions planned once per sheet (the hot loop)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

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
    "weight_grams": col.to_int,
    "status": col.to_status,
}


@dataclass(slots=True)
class Row:
    """One data row: its cells, what they mean, and what the import decided.

    `target` holds the field values to write keyed by attname (a new row's full set, or an existing row's
    values with the changes applied); `changes` maps attname -> (old, new).
    """

    number: int
    cells: list[Any]
    sku: str | None = None
    parent_sku: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    category_path: tuple[str, ...] | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    image_urls: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    blanks: list[str] = field(default_factory=list)  # present field columns left blank on this row
    action: str = ""
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    target: dict[str, Any] | None = None

    def fail(self, column: str, value: Any, message: str) -> None:
        self.errors.append({"column": column, "value": col.json_safe(value), "message": message})


class RowParser:
    """Converts cells to values with a plan made once per sheet (the hot loop of an import)."""

    def __init__(self, cmap: col.ColumnMap) -> None:
        self.cmap = cmap
        self.plan = [(name, cmap.index[name], func) for name, func in CONVERTERS.items() if name in cmap.index]
        self.sku_at = cmap.index.get("sku")
        self.parent_at = cmap.index.get("parent_sku")
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

    def parse(self, number: int, cells: list[Any]) -> Row:
        row = Row(number=number, cells=cells)
        width = len(cells)
        row.sku = self._one(row, "sku", self.sku_at, col.to_sku, width)
        if row.sku is None and not row.errors:
            row.fail("sku", None, "SKU is required.")
        if self.parent_at is not None:
            row.parent_sku = self._one(row, "parent_sku", self.parent_at, col.to_sku, width)
        values = row.values
        for name, position, func in self.plan:  # inlined: this loop runs for every cell of the file
            raw = cells[position] if position < width else None
            if raw is None or raw == "":
                row.blanks.append(name)
                continue
            try:
                value = func(raw)
            except col.CellError as exc:
                row.fail(name, raw, str(exc))
                continue
            if value is None:
                row.blanks.append(name)  # spaces only
            else:
                values[name] = value
        category_at = self.cmap.index.get("category")
        if category_at is not None:
            if col.is_blank(cells_get(cells, category_at, width)):
                row.blanks.append("category")
            else:
                row.category_path = self._one(row, "category", category_at, col.to_category_path, width)
        for name, position, func in self.lists:
            setattr(row, name, self._one(row, name, position, func, width) or [])
        for code, position in self.cmap.attributes.items():
            value = cells[position] if position < width else None
            if not col.is_blank(value):
                row.attributes[code] = col.json_safe(value.strip() if isinstance(value, str) else value)
            else:
                row.blanks.append(col.ATTRIBUTE_PREFIX + code)
        if self.options:
            self._parse_options(row, width)
        return row

    def _one(self, row: Row, name: str, position: int | None, func: Callable[[Any], Any], width: int) -> Any:
        value = cells_get(row.cells, position, width)
        if value is None or value == "":
            return None
        try:
            return func(value)
        except col.CellError as exc:
            row.fail(name, value, str(exc))
            return None

    def _parse_options(self, row: Row, width: int) -> None:
        for n, name_at, value_at in self.options:
            name = col.to_text(cells_get(row.cells, name_at, width))
            value = col.to_text(cells_get(row.cells, value_at, width))
            if name and value:
                row.options[name] = value
            elif name or value:
                filled = f"option{n}_name" if name else f"option{n}_value"
                row.fail(filled, name or value, f"Give both option{n}_name and option{n}_value.")
        if row.options and not row.parent_sku:
            row.fail("option1_name", next(iter(row.options)), "Options apply to variant rows only; fill parent_sku.")


def cells_get(cells: list[Any], position: int | None, width: int) -> Any:
    return cells[position] if position is not None and position < width else None


def parse_row(number: int, cells: list[Any], cmap: col.ColumnMap) -> Row:
    return RowParser(cmap).parse(number, cells)
