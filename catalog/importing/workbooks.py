"""Workbooks we write: the template, the error workbook and streamed product exports (CSV and XLSX).

Every text cell we write goes through `common.spreadsheets.neutralise`, so a spreadsheet program never evaluates
user data as a formula.
"""

import datetime as dt
import tempfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from common.spreadsheets import csv_row, neutralise
from listings.models import Listing

from ..fields import PRODUCT_CONTENT_TEXT_FIELDS, PRODUCT_MEASURE_FIELDS
from ..models import ImportBatch, ImportRow, Product, Variant
from .columns import COLUMN_NOTES, COLUMNS
from .images import import_image_errors
from .readers import iter_csv_bytes

IMAGE_ERRORS_SHEET = "Image errors"
EXPORT_CHUNK = 2000  # rows fetched per query while streaming an export
LISTING_COLUMNS = [
    "id",
    "channel",
    "product_sku",
    "variant_sku",
    "product_title",
    "status",
    "status_reason",
    "title",
    "price",
    "compare_at_price",
    "quantity",
    "external_id",
    "external_url",
    "last_pushed_at",
    "last_error",
    "updated_at",
]
LISTING_FIELDS: tuple[str, ...] = ("id", "status", "status_reason", "title", "price", "compare_at_price", "quantity")
LISTING_FIELDS += ("external_id", "external_url", "last_pushed_at", "last_error_message", "updated_at")

# Imported untouched into a demo install (`seed_demo`), the sample rows give no row error and create no category:
# they name a leaf of catalog.demo.TREE and a channel of channels.demo.DEMO_CHANNELS, both above this module's
# layer, so they are named here and a test holds them to the demo (docs/imports.md#what-an-operator-sees).
SAMPLE_CATEGORY = "Fashion > Men > T-Shirts"
SAMPLE_CHANNEL = "Shopify US"
SAMPLE_ROWS = [
    {
        "sku": "TSHIRT-001",
        "title": "Organic cotton T-shirt",
        "description": "<p>Soft <b>organic</b> cotton.</p>",
        "brand": "Acme",
        "category": SAMPLE_CATEGORY,
        "price": "19.90",
        "currency": "USD",
        "compare_at_price": "24.90",
        "cost_price": "7.50",
        "quantity": 120,
        "barcode": "4006381333931",
        "weight_grams": 180,
        "length_mm": 300,
        "width_mm": 250,
        "height_mm": 20,
        "status": "active",
        "image_urls": "https://example.com/tshirt-front.jpg;https://example.com/tshirt-back.jpg",
        "channels": SAMPLE_CHANNEL,
        "bullet_point_1": "100% organic cotton, GOTS certified",
        "bullet_point_2": "Machine washable at 40 °C",
        "search_terms": "tee shirt organic cotton crew neck",
        "seo_title": "Organic cotton T-shirt | Acme",
        "handle": "organic-cotton-tshirt",
        "manufacturer": "Acme Textiles",
        "model_number": "TS-100",
        "mpn": "ACM-TS-100",
    },
    {
        "sku": "TSHIRT-001-XL",
        "price": "21.90",
        "quantity": 20,
        "parent_sku": "TSHIRT-001",
        "option1_name": "Size",
        "option1_value": "XL",
        "option2_name": "Colour",
        "option2_value": "Black",
    },
]


def _text_cell(sheet: Any, value: Any) -> WriteOnlyCell:
    value = neutralise(value)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)  # XML cannot hold NUL and other control characters
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(cell.value, str) and cell.value.startswith("="):
        cell.data_type = "s"  # never a formula, whatever the value
    return cell


def _save(workbook: Workbook) -> bytes:
    with tempfile.TemporaryFile() as fh:
        workbook.save(fh)
        fh.seek(0)
        return fh.read()


def template_workbook() -> bytes:
    """Headers, two sample rows (a product and one of its variants) and a notes sheet."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Products")
    bold = Font(bold=True)
    header = []
    for name in COLUMNS:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for sample in SAMPLE_ROWS:
        sheet.append([_text_cell(sheet, sample.get(name)) for name in COLUMNS])
    notes = workbook.create_sheet("Notes")
    notes.append(["column", "what to put in it"])
    for name in COLUMNS:
        notes.append([name, COLUMN_NOTES[name]])
    for line in (
        "",
        "Only the first sheet is imported unless you choose another one on the upload page.",
        "Headers are matched case-insensitively; unknown columns are reported and ignored.",
        "A row whose SKU exists updates that product. A column left out of the file keeps the current values.",
        "On an update, a blank cell clears an optional field (description, brand, category, compare_at_price,",
        "cost_price, barcode, weight_grams, length_mm, width_mm, height_mm, attr:<code>; on variants price,",
        "compare_at_price, barcode);",
        "a blank title, price, currency, quantity or status is an error for that row. New rows take the defaults.",
        "Columns named attr:<code> fill the product attribute <code> of its category.",
        "Variant rows (with parent_sku) use sku, price, compare_at_price, quantity, barcode and the options.",
    ):
        notes.append(["", line])
    return _save(workbook)


def error_workbook(batch: ImportBatch) -> bytes:
    """The failed rows as uploaded, plus an `errors` column, ready to fix and upload again."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(batch.sheet_name[:31] or "Errors")
    header = list(batch.headers) or list(COLUMNS)
    sheet.append([*header, "errors"])
    rows = batch.rows.filter(kind=ImportRow.Kind.ERROR).order_by("row_number")
    for row in rows.iterator(chunk_size=EXPORT_CHUNK):
        message = "; ".join(f"row {row.row_number} {e['column']}: {e['message']}" for e in row.errors)
        cells = list(row.values) + [None] * max(0, len(header) - len(row.values))
        sheet.append([_text_cell(sheet, v) for v in cells[: len(header)]] + [_text_cell(sheet, message)])
    _image_errors_sheet(workbook, batch)
    return _save(workbook)


def _image_errors_sheet(workbook: Workbook, batch: ImportBatch) -> None:
    """Image URLs that could not be added, one row per product row: only `sku` and `image_urls` (the failed
    URLs), so the sheet imported again adds those images and changes nothing else
    (docs/imports.md#what-an-operator-sees)."""
    failed: dict[int, tuple[str, list[str], list[str]]] = {}
    for error in import_image_errors(batch=batch):
        sku, urls, messages = failed.setdefault(error["row"], (error["sku"], [], []))
        if error["value"]:
            urls.append(error["value"])
        messages.append(f"row {error['row']} {error['column']}: {error['message']}")
    if not failed:
        return
    sheet = workbook.create_sheet(IMAGE_ERRORS_SHEET)
    sheet.append(["sku", "image_urls", "errors"])
    for sku, urls, messages in failed.values():
        sheet.append(
            [_text_cell(sheet, sku), _text_cell(sheet, "; ".join(urls)), _text_cell(sheet, "; ".join(messages))]
        )


# --- export ---


def _money(value: Decimal | None) -> str:
    return "" if value is None else str(value)


def in_chunks(queryset: QuerySet[Any], size: int = EXPORT_CHUNK) -> Iterator[list[Any]]:
    """The queryset's rows in its own order, `size` at a time, fetched as they are consumed.

    `.iterator()` reads through a server-side cursor on PostgreSQL and `fetchmany` on SQLite, so an export keeps
    the list page's sort order without holding 100k objects (keyset paging would only work for the id order).
    """
    chunk: list[Any] = []
    for obj in queryset.iterator(chunk_size=size):
        chunk.append(obj)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def export_rows(products: QuerySet[Product]) -> Iterator[list[Any]]:
    """Header then one row per product (in the queryset's order) followed by its variants, in the import's
    column order (the file imports back as unchanged)."""
    yield list(COLUMNS)
    paths: dict[int, str] = {}
    for chunk in in_chunks(products.select_related("category")):
        variants: dict[int, list[Variant]] = {}
        for variant in Variant.objects.filter(product_id__in=[p.pk for p in chunk]).order_by("product_id", "position"):
            variants.setdefault(variant.product_id, []).append(variant)
        for product in chunk:
            if product.category_id and product.category_id not in paths:
                paths[product.category_id] = product.category.full_name  # type: ignore[union-attr]
            yield _product_row(product, paths.get(product.category_id or 0, ""))
            for variant in variants.get(product.pk, []):
                yield _variant_row(product, variant)


def listing_export_rows(listings: QuerySet[Listing]) -> Iterator[list[Any]]:
    """Header then one row per listing in the queryset's order. Override columns (title, price,
    compare_at_price, quantity) are blank where the listing inherits the product's value."""
    yield list(LISTING_COLUMNS)
    related = ("product", "variant", "channel", "product__sku", "product__title", "variant__sku", "channel__name")
    queryset = (
        listings.select_related(None).select_related("product", "variant", "channel").only(*LISTING_FIELDS, *related)
    )
    for chunk in in_chunks(queryset):
        for listing in chunk:
            yield [
                listing.pk,
                listing.channel.name,
                listing.product.sku,
                listing.variant.sku if listing.variant else "",
                listing.product.title,
                listing.status,
                listing.status_reason,
                listing.title or "",
                _money(listing.price),
                _money(listing.compare_at_price),
                "" if listing.quantity is None else listing.quantity,
                listing.external_id,
                listing.external_url,
                _stamp(listing.last_pushed_at),
                listing.last_error_message,
                _stamp(listing.updated_at),
            ]


def _stamp(value: dt.datetime | None) -> str:
    """UTC, to the second (spreadsheets have no time zones; text keeps the CSV and XLSX cells the same)."""
    return "" if value is None else value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def _product_row(product: Product, category: str) -> list[Any]:
    values = {
        "sku": product.sku,
        "title": product.title,
        "description": product.description,
        "brand": product.brand,
        "category": category,
        "price": _money(product.price),
        "currency": product.currency,
        "compare_at_price": _money(product.compare_at_price),
        "cost_price": _money(product.cost_price),
        "quantity": product.quantity,
        "barcode": product.barcode,
        **{name: getattr(product, name) for name in PRODUCT_MEASURE_FIELDS},
        "status": product.status,
        "short_description": product.short_description,
        **{name: getattr(product, name) for name in PRODUCT_CONTENT_TEXT_FIELDS},
    }
    return [values.get(name, "") for name in COLUMNS]


def _variant_row(product: Product, variant: Variant) -> list[Any]:
    options = list(variant.options.items())[:2]
    values: dict[str, Any] = {
        "sku": variant.sku,
        "price": _money(variant.price),
        "compare_at_price": _money(variant.compare_at_price),
        "quantity": variant.quantity,
        "barcode": variant.barcode,
        "parent_sku": product.sku,
    }
    for n, (name, value) in enumerate(options, start=1):
        values[f"option{n}_name"], values[f"option{n}_value"] = name, value
    return [values.get(name, "") for name in COLUMNS]


def export_csv(rows: Iterable[list[Any]]) -> Iterator[bytes]:
    yield "\ufeff".encode()  # BOM: Excel then opens the UTF-8 file with the right encoding
    yield from iter_csv_bytes(csv_row(row) for row in rows)


def export_xlsx_file(rows: Iterable[list[Any]], sheet_title: str = "Products") -> Any:
    """Write rows to a temporary xlsx in write-only mode (rows go to disk as they come) and return the file."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title)
    for row in rows:
        sheet.append([_text_cell(sheet, v) for v in row])
    fh = tempfile.TemporaryFile()  # noqa: SIM115 - the caller streams and closes it
    workbook.save(fh)
    fh.seek(0)
    return fh
