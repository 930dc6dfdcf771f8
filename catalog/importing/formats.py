"""django-import-export formats backed by python-calamine (reading) and our formula neutralisation (writing)."""

import io

import tablib
from import_export.formats import base_formats
from python_calamine import CalamineWorkbook

from .readers import _is_blank


class CalamineXLSX(base_formats.XLSX):
    """XLSX read with python-calamine (~11x faster than openpyxl read-only, docs/imports.md#background).

    Calamine sizes the sheet from its cells, not the declared dimension, and returns formula results. Blank
    rows are dropped. Writing is left to openpyxl (the parent class).
    """

    def create_dataset(self, in_stream: bytes | str) -> tablib.Dataset:
        data = in_stream.encode() if isinstance(in_stream, str) else in_stream
        workbook = CalamineWorkbook.from_object(io.BytesIO(data))
        try:
            rows = workbook.get_sheet_by_index(0).to_python(skip_empty_area=True)
        finally:
            workbook.close()
        dataset = tablib.Dataset()
        if not rows:
            return dataset
        dataset.headers = ["" if h is None else str(h).strip() for h in rows[0]]
        for row in rows[1:]:
            if not _is_blank(row):
                dataset.append(row)
        return dataset


class CalamineODS(base_formats.ODS):
    """ODS read with python-calamine too (tablib's odfpy reader builds a DOM of the whole file)."""

    def create_dataset(self, in_stream: bytes | str) -> tablib.Dataset:
        return CalamineXLSX.create_dataset(self, in_stream)  # type: ignore[arg-type]
