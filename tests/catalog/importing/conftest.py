import csv
import io
from pathlib import Path

import openpyxl
import pytest

from catalog.importing.columns import COLUMNS


def write_xlsx(path: Path, rows: list[list], sheet_title: str = "Products") -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def write_csv(path: Path, rows: list[list], delimiter: str = ",", bom: bool = False) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode())
    return path


def product_rows(n: int, start: int = 0, **overrides) -> list[list]:
    header = ["sku", "title", "price", "currency", "quantity", "brand"]
    rows = [header]
    for i in range(start, start + n):
        values = {
            "sku": f"P-{i:06d}",
            "title": f"Product {i}",
            "price": "10.50",
            "currency": "USD",
            "quantity": i % 7,
            "brand": "Acme",
        }
        values.update(overrides)
        rows.append([values[h] for h in header])
    return rows


@pytest.fixture
def xlsx(tmp_path):
    def make(rows, name="products.xlsx", **kwargs):
        return write_xlsx(tmp_path / name, rows, **kwargs)

    return make


@pytest.fixture
def csv_file(tmp_path):
    def make(rows, name="products.csv", **kwargs):
        return write_csv(tmp_path / name, rows, **kwargs)

    return make


@pytest.fixture
def all_columns():
    return list(COLUMNS)


@pytest.fixture
def queued(monkeypatch):
    """The follow-up tasks an import queues (images, listings), collected instead of sent to a worker."""
    calls = []
    monkeypatch.setattr("catalog.importing.services.enqueue", lambda func, *args, **kw: calls.append((func, args)))
    return calls
