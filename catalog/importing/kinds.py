"""Other kinds of sheet the import machinery takes besides the product sheet (docs/imports.md, docs/orders.md).

A kind is recognised by its header (e.g. a stock count has the columns `sku, on_hand`) and brought by the app that
owns its data: that app registers it in its AppConfig.ready(), as with the event bus, so the catalog never imports
an app above it. The batch, its upload checks, dry run and preview, per-row errors, error workbook, confirm and
undo stay this package's; the kind only checks and writes its rows.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..models import ImportBatch


@dataclass
class KindRun:
    """What a kind's pass over the rows found: the counters and errors the batch records (as `ImportRun`)."""

    commit: bool
    processed: int = 0
    rows_per_second: float = 0.0
    counts: dict[str, int] = field(default_factory=lambda: {"create": 0, "update": 0, "unchanged": 0, "error": 0})
    first_errors: list[dict[str, Any]] = field(default_factory=list)
    sample_diffs: list[dict[str, Any]] = field(default_factory=list)
    # (row number, cells, errors) of each failed row: the error workbook's rows
    failed: list[tuple[int, list[Any], list[dict[str, Any]]]] = field(default_factory=list)
    created_products: list[list[int]] = field(default_factory=list)
    created_variants: list[list[int]] = field(default_factory=list)


Rows = Sequence[tuple[int, list[Any]]]


@dataclass(frozen=True)
class SheetKind:
    code: str
    label: str
    columns: tuple[str, ...]  # the exact columns, in any order; the first names the kind with `marker`
    marker: str  # a column only this kind has
    run: Callable[..., KindRun]  # run(batch=, rows=, index=, commit=, user=) -> KindRun
    undo: Callable[..., str]  # undo(batch=, user=) -> message


_kinds: dict[str, SheetKind] = {}


def sheet_kind_register(kind: SheetKind) -> None:
    _kinds[kind.code] = kind


def header_names(header: Sequence[Any]) -> list[str]:
    return [" ".join(str(raw or "").split()).lower() for raw in header]


def sheet_kind_for(header: Sequence[Any]) -> SheetKind | None:
    """The registered kind whose marker column the header has (None: a product sheet)."""
    names = set(header_names(header))
    return next((kind for kind in _kinds.values() if kind.marker in names), None)


def sheet_kind_of(batch: ImportBatch) -> SheetKind | None:
    return sheet_kind_for(batch.headers or [])


def sheet_kind_header_error(kind: SheetKind, header: Sequence[Any]) -> str:
    """Why the header is not exactly the kind's columns ('' when it is)."""
    names = [n for n in header_names(header) if n]
    if sorted(names) == sorted(kind.columns):
        return ""
    found = ", ".join(str(h) for h in header if str(h or "").strip()) or "none"
    return f"A {kind.label} sheet has exactly the columns {', '.join(kind.columns)} (found: {found})."
