"""Read a keyword rank-tracker table (docs/analytics.md#rank-tracker-files): the cells of a CSV or XLSX export such as
Helium 10's Keyword Tracker ("Keyword", "Organic Rank", "Sponsored Position", "Search Volume", optionally "ASIN")
turned into checked rows. Pure: no database and no file access; the import service stores what comes out.

A rank is a position in the search results, 1 or more. A tracker that did not find the product within the pages it
reads writes the depth with ">" (">306"): the product ranks somewhere beyond, so the rank is stored empty and the
row carries a note. Blank, "-" and "N/A" mean the tracker gave no rank.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from .keyword_text import KeywordError, keyword_check

HEADER_SEARCH_ROWS = 10  # the header is the first of these rows with a "Keyword" cell (a title may sit above)
# Column titles we accept, compared lower-cased with single spaces.
COLUMNS = {
    "keyword": ("keyword", "keyword phrase", "search term"),
    "organic_rank": ("organic rank", "organic position", "organic"),
    "sponsored_rank": ("sponsored position", "sponsored rank", "sponsored"),
    "search_volume": ("search volume", "search volume (exact)"),
    "asin": ("asin",),
}
LABELS = {"organic_rank": "Organic Rank", "sponsored_rank": "Sponsored Position", "search_volume": "Search Volume"}
NO_VALUE = frozenset({"", "-", "—", "n/a", "na", "none"})
BEYOND = re.compile(r">\s*(\d[\d,]*)")


class RankFileError(ValueError):
    """The table as a whole cannot be read (no header, no rank column)."""


@dataclass(frozen=True)
class RankRow:
    """One checked row: the keyword, each rank (None: none given or beyond the depth), the search volume (None:
    not given) and the spreadsheet row number."""

    row_number: int
    keyword: str
    normalized: str
    organic_rank: int | None
    sponsored_rank: int | None
    search_volume: int | None
    has_volume: bool


@dataclass
class RankTable:
    rows: list[RankRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    columns: tuple[str, ...] = ()  # which of organic_rank, sponsored_rank, search_volume the file has


def _title(cell: Any) -> str:
    return " ".join(str(cell or "").split()).lower()


def _header(rows: list[list[Any]]) -> tuple[int, dict[str, int]]:
    for index, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        titles = [_title(c) for c in cells]
        if not any(t in COLUMNS["keyword"] for t in titles):
            continue
        found: dict[str, int] = {}
        for name, accepted in COLUMNS.items():
            position = next((i for i, t in enumerate(titles) if t in accepted), None)
            if position is not None:
                found[name] = position
        return index, found
    raise RankFileError("No header row with a 'Keyword' column in the first 10 rows.")


def _whole(value: Any, label: str, *, minimum: int) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{label} {value!r} is not a whole number.")
    text = str(value).strip().replace(",", "") if isinstance(value, str) else value
    try:
        number = Decimal(str(text))
    except InvalidOperation:
        raise ValueError(f"{label} {str(value).strip()!r} is not a whole number.") from None
    if not number.is_finite() or number != number.to_integral_value():
        raise ValueError(f"{label} {str(value).strip()!r} is not a whole number.")
    if number < minimum:
        raise ValueError(f"{label} must be {minimum} or more (got {int(number)}).")
    return int(number)


def parse_rank(value: Any, label: str) -> tuple[int | None, int | None]:
    """(rank, depth): a position 1 or more; (None, N) for ">N" (beyond the tracked depth); (None, None) for no
    rank. ValueError with the reason for anything else ("abc", 0, -3, 2.5)."""
    if value is None or (isinstance(value, str) and value.strip().lower() in NO_VALUE):
        return None, None
    if isinstance(value, str) and (beyond := BEYOND.fullmatch(value.strip())):
        return None, int(beyond.group(1).replace(",", ""))
    return _whole(value, label, minimum=1), None


def _cell(cells: list[Any], position: int | None) -> Any:
    if position is None or position >= len(cells):
        return None
    return cells[position]


def read_rank_table(rows: list[list[Any]], *, asin: str = "") -> RankTable:
    """Check every row under the header. A bad row becomes an error naming its row number, keyword and what is
    wrong, and is left out; the others come back as RankRow. With `asin` (the listing's), a row whose ASIN cell
    names another product is refused. RankFileError when there is no header or no rank column."""
    index, columns = _header(rows)
    if "organic_rank" not in columns and "sponsored_rank" not in columns:
        raise RankFileError("The file has no 'Organic Rank' and no 'Sponsored Position' column.")
    table = RankTable(columns=tuple(n for n in ("organic_rank", "sponsored_rank", "search_volume") if n in columns))
    for number, cells in enumerate(rows[index + 1 :], start=index + 2):
        if all(c is None or str(c).strip() == "" for c in cells):
            continue
        text = str(_cell(cells, columns["keyword"]) or "").strip()
        where = f"Row {number} ({text!r})"
        try:
            _row(table, cells, columns, number, text, asin)
        except (KeywordError, ValueError) as exc:
            table.errors.append(f"{where}: {exc}")
    return table


def _row(table: RankTable, cells: list[Any], columns: dict[str, int], number: int, text: str, asin: str) -> None:
    normalized = keyword_check(text)
    row_asin = str(_cell(cells, columns.get("asin")) or "").strip().upper()
    if asin and row_asin and row_asin != asin.upper():
        raise ValueError(f"ASIN {row_asin} is not this listing's ({asin.upper()}).")
    ranks: dict[str, int | None] = {}
    notes = []
    for name in ("organic_rank", "sponsored_rank"):
        rank, depth = parse_rank(_cell(cells, columns.get(name)), LABELS[name])
        ranks[name] = rank
        if depth is not None:
            notes.append(f"{LABELS[name]} '>{depth}' is beyond the tracked depth ({depth}), stored as empty")
    volume_cell = _cell(cells, columns.get("search_volume"))
    has_volume = "search_volume" in columns and not (
        volume_cell is None or (isinstance(volume_cell, str) and volume_cell.strip().lower() in NO_VALUE)
    )
    volume = _whole(volume_cell, "Search Volume", minimum=0) if has_volume else None
    table.rows.append(RankRow(number, text, normalized, ranks["organic_rank"], ranks["sponsored_rank"], volume,
                              has_volume))  # fmt: skip
    if notes:
        table.notes.append(f"Row {number} ({text!r}): " + "; ".join(notes) + ".")
