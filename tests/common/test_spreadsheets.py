"""common/spreadsheets.py: the one neutralisation rule, and every export path that writes a spreadsheet using it.

Each export path gets a stored value starting with each formula prefix and must write it back with a leading
`'` (an XLSX cell as text, never a formula). A new export adds a case to EXPORTS.
"""

import csv
import io
from collections.abc import Callable
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.urls import reverse

from catalog.services import product_create
from common.spreadsheets import FORMULA_PREFIXES, csv_row, neutralise
from listings.services import listing_create
from syncing.models import SyncEvent

pytestmark = pytest.mark.django_db

PAYLOAD = "HYPERLINK(1)"


def test_neutralise_prefixes_formula_like_text_only():
    assert [neutralise(f"{p}x") for p in FORMULA_PREFIXES] == [f"'{p}x" for p in FORMULA_PREFIXES]
    assert set(FORMULA_PREFIXES) == {"=", "+", "-", "@", "\t", "\r", "\x00"}
    assert neutralise("plain") == "plain"
    assert neutralise("a=b") == "a=b"
    assert neutralise(-5) == -5  # numbers stay numbers
    assert neutralise(None) is None


def test_csv_row_blanks_none_and_neutralises_text():
    assert csv_row([None, "=1", 3, Decimal("1.50"), "\x00x"]) == ["", "'=1", 3, Decimal("1.50"), "'\x00x"]


# --- Every export path ---


def _csv(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def _xlsx(body: bytes) -> list[list[openpyxl.cell.Cell]]:
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    return [list(row) for row in sheet.iter_rows()]


def _body(response) -> bytes:
    assert response.status_code == 200, response.content[:500]
    return b"".join(response.streaming_content) if response.streaming else response.content


def _column(rows: list[list], name: str) -> list:
    header = [getattr(c, "value", c) for c in rows[0]]
    return [row[header.index(name)] for row in rows[1:]]


def _product(text: str):
    return product_create(sku="F-1", title=text, price=Decimal("1.00"))


def _listing(text: str, make_channel):
    product = product_create(sku="F-1", title="Plain", price=Decimal("1.00"))
    return listing_create(product=product, channel=make_channel("shopify", name="Shop"), title=text)


def products_export(kind):
    def run(text, staff_client, api, make_channel):
        _product(text)
        return _body(staff_client.get("/imports/export/", {"format": kind})), "title"

    return run


def products_api_export(kind):
    def run(text, staff_client, api, make_channel):
        _product(text)
        return _body(api.get("/api/v1/products/export/", {"format": kind})), "title"

    return run


def products_bulk_csv(text, staff_client, api, make_channel):
    product = _product(text)
    response = staff_client.post(reverse("catalog:product_bulk"), {"action": "export_csv", "ids": [product.pk]})
    return _body(response), "title"


def products_admin_export(format_index):
    def run(text, staff_client, api, make_channel):
        _product(text)
        form = {"format": format_index, "resource": "0", "productresource_sku": "on", "productresource_title": "on"}
        return _body(staff_client.post("/admin/catalog/product/export/", form)), "title"

    return run


def listings_export(kind):
    def run(text, staff_client, api, make_channel):
        _listing(text, make_channel)
        return _body(staff_client.get("/imports/export/listings/", {"format": kind})), "title"

    return run


def listings_api_export(kind):
    def run(text, staff_client, api, make_channel):
        _listing(text, make_channel)
        return _body(api.get("/api/v1/listings/export/", {"format": kind})), "title"

    return run


def sync_events_csv(text, staff_client, api, make_channel):
    SyncEvent.objects.create(channel=make_channel("shopify"), operation="create", outcome="rejected", message=text)
    return _body(staff_client.get(reverse("syncing:event_list"), {"export": "csv"})), "message"


EXPORTS: dict[str, tuple[str, Callable]] = {
    "products_csv": ("csv", products_export("csv")),
    "products_xlsx": ("xlsx", products_export("xlsx")),
    "products_api_csv": ("csv", products_api_export("csv")),
    "products_api_xlsx": ("xlsx", products_api_export("xlsx")),
    "products_bulk_csv": ("csv", products_bulk_csv),
    "products_admin_xlsx": ("xlsx", products_admin_export("0")),
    "products_admin_csv": ("csv", products_admin_export("1")),
    "listings_csv": ("csv", listings_export("csv")),
    "listings_xlsx": ("xlsx", listings_export("xlsx")),
    "listings_api_csv": ("csv", listings_api_export("csv")),
    "listings_api_xlsx": ("xlsx", listings_api_export("xlsx")),
    "sync_events_csv": ("csv", sync_events_csv),
}


@pytest.fixture
def api(admin_user, token_client_for):
    return token_client_for(admin_user)


@pytest.mark.parametrize("prefix", FORMULA_PREFIXES, ids=repr)
@pytest.mark.parametrize("export", list(EXPORTS))
def test_every_export_neutralises_formula_prefixes(export, prefix, staff_client, api, make_channel):
    if prefix == "\x00" and connection.vendor == "postgresql":
        pytest.skip("PostgreSQL text cannot hold NUL, so no stored value starts with it")
    # given a stored value that starts with a formula prefix
    text = f"{prefix}{PAYLOAD}"
    kind, export_file = EXPORTS[export]

    # when it is exported
    body, column = export_file(text, staff_client, api, make_channel)

    # then the file holds it with a leading quote; in XLSX as a text cell (XML cannot hold NUL, so it is dropped,
    # and XML reads a CR back as a line feed)
    if kind == "csv":
        assert _column(_csv(body), column) == [f"'{text}"]
    else:
        (cell,) = _column(_xlsx(body), column)
        # django-import-export (the admin) writes U+FFFD for a character XLSX cannot hold; our exports drop it
        dropped = "\ufffd" if export == "products_admin_xlsx" else ""
        assert cell.value == "'" + text.replace("\x00", dropped).replace("\r", "\n")
        assert cell.data_type == "s"
