"""Import a rank-tracker file (CSV or XLSX, e.g. a Helium 10 Keyword Tracker export) into one listing's keywords:
organic and sponsored rank, and the search volume when the file has it (docs/analytics.md#rank-tracker-files)."""

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from analytics.keyword_ranks import RankFileError, RankRow, read_rank_table
from analytics.keyword_text import clean_display
from analytics.models import Keyword, KeywordSource
from catalog.importing.readers import UploadRefused, detect_delimiter, inspect_upload
from common.actors import Actor as User
from listings.models import Listing

MAX_ROWS = 5000  # a tracker follows a few hundred keywords per product; more is not a tracker export
WRITE_BATCH = 500


@dataclass
class RankImportResult:
    """What an import did: rows read, keywords added and updated, refused rows with the reason, and notes (ranks
    beyond the tracked depth stored empty, a keyword given twice)."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _cells(path: Path, file_format: str) -> list[list[Any]]:
    if file_format == "csv":
        with path.open("r", encoding="utf-8-sig", newline="") as fh:
            delimiter = detect_delimiter(fh.read(64 * 1024))
            fh.seek(0)
            return [list(r) for r in csv.reader(fh, delimiter=delimiter)]
    from python_calamine import CalamineWorkbook

    try:
        return [list(r) for r in CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()]
    except Exception as exc:  # calamine raises its own error types for unreadable workbooks
        raise ValidationError({"file": f"The workbook could not be read ({exc})."}) from exc


def _read(path: Path, filename: str, asin: str) -> Any:
    try:
        file_format = inspect_upload(path, filename)
    except UploadRefused as exc:
        raise ValidationError({"file": exc.message}) from exc
    cells = _cells(path, file_format)
    if len(cells) > MAX_ROWS + 10:
        raise ValidationError({"file": f"The file has {len(cells)} rows; at most {MAX_ROWS} keywords at a time."})
    try:
        return read_rank_table(cells, asin=asin)
    except RankFileError as exc:
        raise ValidationError({"file": str(exc)}) from exc


def keyword_ranks_import(*, listing: Listing, path: str | Path, filename: str, user: User = None) -> RankImportResult:
    """Store the file's organic and sponsored ranks (and search volumes) on `listing`'s keywords.

    A keyword the listing has (compared normalised: "Kettle" is "kettle") is updated; a new one is added, tracked,
    with source "manual". A rank the file leaves blank or puts beyond the tracked depth (">306") is stored empty:
    the file is the tracker's latest snapshot. A column the file does not have leaves that figure alone. A bad row
    is refused with its row number and the reason; the other rows are stored. The whole file is refused (on
    `file`) when it is not a readable CSV/XLSX, has no 'Keyword' header or no rank column."""
    asin = str((listing.marketplace_ids or {}).get("asin") or "")
    table = _read(Path(path), filename, asin)
    result = RankImportResult(rows=len(table.rows) + len(table.errors), errors=table.errors, notes=table.notes)
    latest: dict[str, RankRow] = {}
    for row in table.rows:
        if row.normalized in latest:
            first = latest[row.normalized]
            result.notes.append(f"Row {row.row_number} ({row.keyword!r}): the same keyword as row {first.row_number}; "
                                f"row {row.row_number} is used.")  # fmt: skip
        latest[row.normalized] = row
    _store(listing, table.columns, latest, result)
    return result


@transaction.atomic
def _store(listing: Listing, columns: tuple[str, ...], rows: dict[str, RankRow], result: RankImportResult) -> None:
    existing = {k.keyword_normalized: k for k in Keyword.objects.filter(listing=listing, keyword_normalized__in=rows)}
    now = timezone.now()
    created: list[Keyword] = []
    updated: list[Keyword] = []
    for normalized, row in rows.items():
        keyword = existing.get(normalized)
        if keyword is None:
            keyword = Keyword(listing=listing, keyword=clean_display(row.keyword), keyword_normalized=normalized,
                              source=KeywordSource.MANUAL, is_tracked=True)  # fmt: skip
            created.append(keyword)
        else:
            updated.append(keyword)
        if "organic_rank" in columns:
            keyword.organic_rank = row.organic_rank
        if "sponsored_rank" in columns:
            keyword.sponsored_rank = row.sponsored_rank
        if row.has_volume:
            keyword.search_volume = row.search_volume
        keyword.last_updated = now
    for keyword in created:
        keyword.full_clean(exclude=["listing"], validate_unique=False, validate_constraints=False)  # checked above
    Keyword.objects.bulk_create(created, batch_size=WRITE_BATCH)
    fields = ["organic_rank", "sponsored_rank", "search_volume", "last_updated"]
    Keyword.objects.bulk_update(updated, fields, batch_size=WRITE_BATCH)
    result.created, result.updated = len(created), len(updated)
