"""The preview warns on large price moves (a warning, not an error): a drop over 50 % or a rise over 100 %
against the stored price (catalog/importing/engine.py `_warn_price_moves`)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.importing.services import import_file
from catalog.models import Product
from tests.catalog.factories import ProductFactory

from .conftest import write_csv

pytestmark = pytest.mark.django_db


def test_large_moves_warn_small_ones_do_not_and_the_rows_still_import(tmp_path, staff_client):
    for sku in ("DROP", "RISE", "SMALL", "NEW-PRICE-SAME"):
        ProductFactory(sku=sku, price=Decimal("100.00"), currency="USD")
    rows = [["sku", "price", "currency"], ["DROP", "2.00", "USD"], ["RISE", "250.00", "USD"]]
    rows += [["SMALL", "60.00", "USD"], ["NEW-PRICE-SAME", "100.00", "USD"]]
    batch = import_file(path=write_csv(tmp_path / "prices.csv", rows), dry_run=True)
    warnings = {d["sku"]: d["warning"] for d in batch.sample_diffs if d.get("warning")}
    assert set(warnings) == {"DROP", "RISE"}
    assert warnings["DROP"].startswith("Price drops 98 %")
    assert warnings["RISE"].startswith("Price rises 150 %")
    assert batch.error_count == 0  # a warning, not an error
    page = staff_client.get(reverse("imports:batch_detail", kwargs={"pk": batch.pk})).content.decode()
    assert page.count("data-price-warning") == 2
    assert "Price drops 98 %" in page
    # committing still writes the prices
    import_file(path=tmp_path / "prices.csv")
    assert Product.objects.get(sku="DROP").price == Decimal("2.00")


def test_no_price_change_no_warning_section(tmp_path, staff_client):
    ProductFactory(sku="SAME", price=Decimal("10.00"), currency="USD")
    path = write_csv(tmp_path / "same.csv", [["sku", "price", "currency"], ["SAME", "9.00", "USD"]])
    batch = import_file(path=path, dry_run=True)
    assert not [d for d in batch.sample_diffs if d.get("warning")]
    page = staff_client.get(reverse("imports:batch_detail", kwargs={"pk": batch.pk})).content.decode()
    assert 'id="import-price-warnings"' not in page
