"""Read a downloaded feed file in its declared format into supplier rows (dicts of their column -> value).

A file that is not the declared format is refused with a message saying what it looks like instead; nothing is
guessed (docs/operations.md#formats).
"""

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from defusedxml import ElementTree
from openpyxl import load_workbook

from catalog.importing.readers import detect_delimiter

FORMAT_NAMES = {"csv": "CSV", "xlsx": "XLSX", "xml": "XML", "json": "JSON"}


class FormatError(Exception):
    """The file is not the feed's declared format, or its record path finds nothing."""


def _looks_like(head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        return "a ZIP archive (XLSX?)"
    if head.lstrip().startswith((b"<?xml", b"<")):
        return "XML or HTML"
    if head.lstrip()[:1] in (b"{", b"["):
        return "JSON"
    if b"\x00" in head:
        return "a binary file"
    return "text"


def parse_feed(
    path: Path, file_format: str, record_path: str = "", limit: int | None = None
) -> tuple[list[str], list[dict[str, Any]]]:
    """(their columns, rows) of the file; `limit` keeps only the first rows (the preview)."""
    head = path.open("rb").read(512)
    what = FORMAT_NAMES.get(file_format, file_format)
    try:
        rows = list(_rows(path, file_format, record_path, head, limit))
    except FormatError:
        raise
    except (
        UnicodeDecodeError,
        csv.Error,
        zipfile.BadZipFile,
        ElementTree.ParseError,
        json.JSONDecodeError,
        KeyError,
        ValueError,
        OSError,
    ) as exc:
        raise FormatError(f"The file is not a valid {what} file (it looks like {_looks_like(head)}): {exc}") from None
    columns: list[str] = []
    for row in rows:
        for key in row:
            if key not in columns:
                columns.append(key)
    return columns, rows


def _rows(path: Path, file_format: str, record_path: str, head: bytes, limit: int | None) -> Iterator[dict[str, Any]]:
    if file_format == "csv":
        kind = _looks_like(head)
        if kind != "text":
            raise FormatError(f"The file is not a CSV file: it looks like {kind}.")
        yield from _limited(_csv_rows(path), limit)
    elif file_format == "xlsx":
        if not head.startswith(b"PK\x03\x04"):
            raise FormatError(f"The file is not an XLSX workbook: it looks like {_looks_like(head)}.")
        yield from _limited(_xlsx_rows(path), limit)
    elif file_format == "xml":
        yield from _limited(_xml_rows(path, record_path), limit)
    elif file_format == "json":
        yield from _limited(_json_rows(path, record_path), limit)
    else:
        raise FormatError(f"Unknown feed format '{file_format}'.")


def _limited(rows: Iterator[dict[str, Any]], limit: int | None) -> Iterator[dict[str, Any]]:
    for index, row in enumerate(rows):
        if limit is not None and index >= limit:
            return
        yield row


def _csv_rows(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        sample = fh.read(64 * 1024)
        fh.seek(0)
        reader = csv.reader(fh, delimiter=detect_delimiter(sample))
        header = [h.strip() for h in next(reader, [])]
        if not any(header):
            raise FormatError("The CSV file is empty: it has no header row.")
        for cells in reader:
            if any(c.strip() for c in cells):
                yield dict(zip(header, cells, strict=False))


def _xlsx_rows(path: Path) -> Iterator[dict[str, Any]]:
    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
        if not any(header):
            raise FormatError("The XLSX workbook's first sheet is empty: it has no header row.")
        for cells in rows:
            if any(c not in (None, "") for c in cells):
                yield {h: c for h, c in zip(header, cells, strict=False) if h}
    finally:
        workbook.close()


def _xml_rows(path: Path, record_path: str) -> Iterator[dict[str, Any]]:
    if not record_path.strip():
        raise FormatError("An XML feed needs a record path, e.g. products/product.")
    root = ElementTree.parse(str(path)).getroot()
    steps = [s for s in record_path.strip("/").split("/") if s]
    if steps and steps[0] == root.tag:
        steps = steps[1:]
    records = root.findall("/".join(steps)) if steps else [root]
    if not records:
        raise FormatError(f"The XML file has no element at record path '{record_path}' (its root is <{root.tag}>).")
    for record in records:
        row: dict[str, Any] = dict(record.attrib)
        for child in record:
            row[child.tag] = (child.text or "").strip()
        yield row


def _json_rows(path: Path, record_path: str) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8-sig") as fh:
        data: Any = json.load(fh)
    for key in [k for k in record_path.strip().split(".") if k]:
        if not isinstance(data, dict) or key not in data:
            raise FormatError(f"The JSON file has no '{key}' on record path '{record_path}'.")
        data = data[key]
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise FormatError(f"The JSON record path '{record_path or '(top level)'}' is not a list of objects.")
    for record in data:
        yield {str(k): v if not isinstance(v, dict | list) else json.dumps(v) for k, v in record.items()}


def rows_to_csv(columns: list[str], rows: list[dict[str, Any]]) -> bytes:
    """Our mapped rows as the CSV the import engine reads."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])
    return out.getvalue().encode("utf-8")
