"""Upload safety checks and spreadsheet reading (xlsx, ods, csv) into plain rows of cell values.

Every check in `inspect_upload` runs before any parser sees the file (OWASP ASVS 5.2.1-5.2.3): size, extension
against magic bytes, zip entry count and unpacked size, encrypted or legacy workbooks, XML DOCTYPE/entity
declarations. Reading uses python-calamine (about 11x faster than openpyxl, docs/imports.md#background); openpyxl in
read-only mode with `reset_dimensions()` is the fallback when calamine cannot open a workbook.
"""

import codecs
import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

ALLOWED_EXTENSIONS = {"xlsx": "xlsx", "csv": "csv", "ods": "ods"}
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls and password-protected (encrypted) OOXML
ENCRYPTION_MARK = "EncryptionInfo".encode("utf-16-le")
OTHER_MAGICS = {b"%PDF": "a PDF document", b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image", b"GIF8": "a GIF"}
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
XML_PROLOG_BYTES = 2048  # a DOCTYPE must come before the root element, so the head of each part is enough
HEADER_SEARCH_ROWS = 10  # the header row is the first of these rows that has a "sku" cell (titles may sit above)


class UploadRefused(Exception):
    """The file was refused before parsing; `message` says why in words an operator understands."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Sheet:
    """The rows of one sheet: `rows` yields (spreadsheet row number, cells) after the header row."""

    name: str
    sheet_names: list[str]
    header: list[str]
    header_row: int
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


def file_extension(filename: str) -> str:
    return Path(filename).suffix.lower().lstrip(".")


def inspect_upload(path: str | Path, filename: str) -> str:
    """Check the stored upload at `path` and return its format (xlsx, ods, csv), or raise UploadRefused."""
    path = Path(path)
    size = path.stat().st_size
    limit = settings.IMPORT_MAX_BYTES
    if size > limit:
        raise UploadRefused(f"The file is {_mb(size)}; the largest file accepted is {_mb(limit)}.")
    if size == 0:
        raise UploadRefused("The file is empty.")
    ext = file_extension(filename)
    if ext == "xls":
        raise UploadRefused("Old Excel 97-2003 files (.xls) are not accepted; save the file as .xlsx and upload again.")
    if ext not in ALLOWED_EXTENSIONS:
        raise UploadRefused(f"Files of type '.{ext}' are not accepted; upload an .xlsx, .csv or .ods file.")
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(OLE_MAGIC):
        if ENCRYPTION_MARK in path.read_bytes():
            raise UploadRefused("The workbook is password-protected (encrypted); remove the password and upload again.")
        raise UploadRefused(
            f"The file is named .{ext} but is an old Excel 97-2003 workbook; save it as .xlsx and upload again."
        )
    for magic, what in OTHER_MAGICS.items():
        if head.startswith(magic):
            raise UploadRefused(f"The file is named .{ext} but its content is {what}, not a spreadsheet.")
    if ext == "csv":
        if head.startswith(ZIP_MAGIC):
            raise UploadRefused("The file is named .csv but its content is a zip archive (an .xlsx or .ods workbook?).")
        _check_csv_text(path)
        return "csv"
    if not head.startswith(ZIP_MAGIC):
        raise UploadRefused(f"The file is named .{ext} but its content is not a workbook (it looks like plain text).")
    _check_zip(path, ext)
    return ext


def _check_csv_text(path: Path) -> None:
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as fh:
        while chunk := fh.read(1024 * 1024):
            if b"\x00" in chunk:
                raise UploadRefused("The .csv file contains binary data (NUL bytes); export it again as CSV UTF-8.")
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                raise UploadRefused(
                    f"The .csv file is not UTF-8 text (bad byte at offset {exc.start}); save it as 'CSV UTF-8'."
                ) from exc


def _check_zip(path: Path, ext: str) -> None:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UploadRefused(f"The .{ext} workbook is corrupt (not a readable zip archive).") from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > settings.IMPORT_MAX_ZIP_ENTRIES:
            raise UploadRefused(
                f"The workbook has {len(infos)} parts; at most {settings.IMPORT_MAX_ZIP_ENTRIES} are accepted."
            )
        unpacked = sum(info.file_size for info in infos)
        if unpacked > settings.IMPORT_MAX_UNCOMPRESSED_BYTES:
            raise UploadRefused(
                f"The workbook unpacks to {_mb(unpacked)}; at most {_mb(settings.IMPORT_MAX_UNCOMPRESSED_BYTES)} "
                "is accepted (this protects the server against zip bombs)."
            )
        names = {info.filename for info in infos}
        if ext == "xlsx" and not {"[Content_Types].xml", "xl/workbook.xml"} <= names:
            if "mimetype" in names:
                raise UploadRefused("The file is named .xlsx but is an OpenDocument (.ods) file; rename it to .ods.")
            raise UploadRefused("The file is named .xlsx but is a zip archive without an Excel workbook inside.")
        if ext == "ods" and ("mimetype" not in names or not archive.read("mimetype").startswith(ODS_MIMETYPE)):
            raise UploadRefused("The file is named .ods but is not an OpenDocument spreadsheet.")
        try:
            for info in infos:
                if info.filename.endswith((".xml", ".rels")) and info.file_size:
                    with archive.open(info) as part:
                        prolog = part.read(XML_PROLOG_BYTES)
                    if b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog:
                        raise UploadRefused(
                            f"The workbook part '{info.filename}' declares XML entities (DOCTYPE), which spreadsheets "
                            "never need; the file was refused as unsafe."
                        )
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise UploadRefused(f"The .{ext} workbook is corrupt ({exc}).") from exc


# --- reading ---


def _is_blank(cells: list[Any]) -> bool:
    for c in cells:  # noqa: SIM110 - a plain loop: most rows stop at their first cell, with no generator to start
        if c is not None and (c.__class__ is not str or c.strip()):
            return False
    return True


def _find_header(rows: list[list[Any]]) -> int:
    for index, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if any(isinstance(c, str) and c.strip().lower() == "sku" for c in cells):
            return index
    for index, cells in enumerate(rows):
        if not _is_blank(cells):
            return index
    return 0


def _sheet_from_rows(name: str, sheet_names: list[str], raw: list[list[Any]], first_row_number: int = 1) -> Sheet:
    header_index = _find_header(raw)
    header_cells = raw[header_index] if raw else []
    header = ["" if c is None else str(c).strip() for c in header_cells]
    while header and not header[-1]:
        header.pop()
    rows = [
        (first_row_number + index, cells)
        for index, cells in enumerate(raw[header_index + 1 :], start=header_index + 1)
        if not _is_blank(cells)
    ]
    _check_row_count(len(rows))
    return Sheet(
        name=name, sheet_names=sheet_names, header=header, header_row=first_row_number + header_index, rows=rows
    )


def _check_row_count(count: int) -> None:
    if count > settings.IMPORT_MAX_ROWS:
        raise UploadRefused(
            f"The sheet has {count:,} data rows; at most {settings.IMPORT_MAX_ROWS:,} are accepted per file. "
            "Split it into several files."
        )


def read_sheet(path: str | Path, file_format: str, sheet_name: str = "") -> Sheet:
    """Read the chosen sheet (default: the first) of a checked upload."""
    if file_format == "csv":
        return _read_csv(Path(path))
    try:
        return _read_calamine(Path(path), sheet_name)
    except UploadRefused:
        raise
    except Exception as calamine_error:  # noqa: BLE001 - fall back to openpyxl, then report the first error
        if file_format != "xlsx":
            raise UploadRefused(f"The workbook could not be read: {calamine_error}.") from calamine_error
        try:
            return _read_openpyxl(Path(path), sheet_name)
        except UploadRefused:
            raise
        except Exception as exc:  # noqa: BLE001
            raise UploadRefused(f"The workbook is corrupt and could not be read ({exc}).") from exc


def _pick_sheet(sheet_names: list[str], sheet_name: str) -> str:
    if not sheet_names:
        raise UploadRefused("The workbook has no sheets.")
    if not sheet_name:
        return sheet_names[0]
    if sheet_name not in sheet_names:
        raise UploadRefused(f"The workbook has no sheet '{sheet_name}'; its sheets are: {', '.join(sheet_names)}.")
    return sheet_name


def _read_calamine(path: Path, sheet_name: str) -> Sheet:
    from python_calamine import CalamineWorkbook, PasswordError

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except PasswordError as exc:
        raise UploadRefused("The workbook is password-protected; remove the password and upload again.") from exc
    try:
        names = list(workbook.sheet_names)
        name = _pick_sheet(names, sheet_name)
        sheet = workbook.get_sheet_by_name(name)
        # Calamine sizes the range from the cells it found, not from the declared <dimension>, so a 4-row file
        # that claims 1,048,576 rows stays 4 rows (docs/imports.md#background). Blank trailing rows are dropped below.
        _check_row_count(max(0, sheet.height - 1))
        raw = sheet.to_python(skip_empty_area=False)
    finally:
        workbook.close()
    return _sheet_from_rows(name, names, raw)


def _read_openpyxl(path: Path, sheet_name: str) -> Sheet:
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    try:
        names = list(workbook.sheetnames)
        name = _pick_sheet(names, sheet_name)
        worksheet = workbook[name]
        worksheet.reset_dimensions()  # never trust the declared size
        raw = [list(r) for r in worksheet.iter_rows(values_only=True)]
    finally:
        workbook.close()
    return _sheet_from_rows(name, names, raw)


def detect_delimiter(sample: str) -> str:
    """';' or ',' (Excel in many European locales writes ';'), decided on the header line."""
    first = sample.splitlines()[0] if sample else ""
    return ";" if first.count(";") > first.count(",") else ","


def _read_csv(path: Path) -> Sheet:
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        delimiter = detect_delimiter(fh.read(64 * 1024))
        fh.seek(0)
        raw = [list(r) for r in csv.reader(fh, delimiter=delimiter)]
    return _sheet_from_rows(path.name, [], raw)


def iter_csv_bytes(rows: Iterable[list[Any]]) -> Iterator[bytes]:
    """Encode rows as CSV lines one at a time (used by streamed exports)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(row)
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate(0)
