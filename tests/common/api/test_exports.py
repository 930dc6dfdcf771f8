"""API downloads: GET /api/v1/products/export/ and /api/v1/listings/export/ (XLSX or CSV, filtered like the lists)."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest

from accounts.services import user_channels_restrict
from catalog.services import product_create
from listings.services import listing_create

pytestmark = pytest.mark.django_db


def _body(response) -> bytes:
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content)


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(_body(response).decode("utf-8-sig"))))


@pytest.fixture
def products():
    return [
        product_create(sku="EX-A", title="Zebra mug", price=Decimal("3.00"), brand="Acme"),
        product_create(sku="EX-B", title="=SUM(A1)", price=Decimal("9.00"), brand="Acme"),
        product_create(sku="EX-C", title="Apple cup", price=Decimal("5.00"), brand="Other"),
    ]


def test_product_export_as_csv_is_filtered_sorted_and_neutralised(api, products):
    rows = _csv(api.get("/api/v1/products/export/", {"format": "csv", "brand": "Acme", "sort": "-price"}))
    header, *data = rows
    assert header[:2] == ["sku", "title"]
    assert [(r[0], r[1]) for r in data] == [("EX-B", "'=SUM(A1)"), ("EX-A", "Zebra mug")]


def test_product_export_defaults_to_xlsx(viewer_api, products):
    response = viewer_api.get("/api/v1/products/export/")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(_body(response))).active
    assert sorted(row[0] for row in sheet.iter_rows(min_row=2, values_only=True)) == ["EX-A", "EX-B", "EX-C"]


def test_export_with_a_bad_filter_is_a_json_400(api, products):
    response = api.get("/api/v1/products/export/", {"format": "csv", "category": "abc"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "category" in response.content.decode()


def test_listing_export_is_limited_to_the_callers_channels(make_user, token_client_for, make_channel, products):
    shop, etsy = make_channel("shopify", name="Shop US"), make_channel("etsy", name="Etsy DE")
    for product in products:
        listing_create(product=product, channel=shop)
    listing_create(product=products[0], channel=etsy)
    user = make_user("limited-exporter", "viewer")
    user_channels_restrict(target=user, channel_ids=[etsy.pk])
    rows = _csv(token_client_for(type(user).objects.get(pk=user.pk)).get("/api/v1/listings/export/", {"format": "csv"}))
    header, *data = rows
    channel_at, sku_at = header.index("channel"), header.index("product_sku")
    assert [(r[channel_at], r[sku_at]) for r in data] == [("Etsy DE", "EX-A")]


def test_export_needs_authentication(anon_api):
    assert anon_api.get("/api/v1/listings/export/").status_code in (401, 403)


def test_an_unknown_file_type_is_a_400_naming_the_choices(api):
    response = api.get("/api/v1/listings/export/", {"format": "pdf"})
    assert response.status_code == 400
    assert "use csv or xlsx" in response.content.decode()
