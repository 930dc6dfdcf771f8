"""Spreadsheet safety for every file we export (CSV and XLSX): one rule, one function.

A spreadsheet program runs a cell as a formula when its text starts with `=`, `+`, `-` or `@`, and some also
after a leading tab, carriage return or NUL; a product title such as `=HYPERLINK(...)` would then run on the
computer of whoever opens the export. Every exported text cell goes through `neutralise`, which puts a `'` in
front of such text: spreadsheet programs show the text as typed, and an import of the file reads it back with
the quote. Numbers, dates and empty cells are left as they are (a number is never run as a formula).
"""

from collections.abc import Iterable
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\x00")


def neutralise(value: Any) -> Any:
    """Prefix `'` to text that starts like a formula; return any other value unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_row(values: Iterable[Any]) -> list[Any]:
    """One CSV row: `None` as an empty cell and every text cell neutralised."""
    return ["" if value is None else neutralise(value) for value in values]
