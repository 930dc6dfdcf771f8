"""The catalog quantity is derived from the stock ledger (docs/orders.md#import-quantities): the API refuses to
change it and points to the stock adjustment; a product import's `quantity` column is an `import` movement."""

import pytest

from catalog.importing.services import import_file
from catalog.models import ImportBatchStatus, Product, Variant
from catalog.services import variant_create
from inventory.choices import Reason
from inventory.models import Stock, StockMovement
from inventory.services import stock_adjust, stock_for_sku
from orders.services import order_ingest
from tests.catalog.factories import ProductFactory
from tests.catalog.importing.conftest import write_csv
from tests.orders.conftest import remote_line, remote_order

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/v1/products/"


@pytest.fixture
def shop(make_channel):
    return make_channel("shopify", currency="USD")


@pytest.fixture
def api(admin_user, token_client_for):
    return token_client_for(admin_user)


def _message(response):
    return [(e["field"], e["message"]) for e in response.json()["errors"]]


def test_api_refuses_a_quantity_change_and_names_the_stock_adjustment(api):
    product = ProductFactory(sku="MUG-1", quantity=5)
    tee = ProductFactory(sku="TEE", quantity=0)
    variant = variant_create(product=tee, sku="TEE-M", options={"Size": "M"}, quantity=4)
    response = api.patch(f"{PRODUCTS}{product.pk}/", {"quantity": 9}, format="json")
    assert response.status_code == 400
    [(field, message)] = _message(response)
    assert field == "quantity"
    assert "read-only" in message
    assert "POST /api/v1/stock/adjust/" in message
    response = api.patch(f"/api/v1/variants/{variant.pk}/", {"quantity": 1}, format="json")
    assert response.status_code == 400
    assert _message(response)[0][0] == "quantity"
    response = api.patch(f"{PRODUCTS}{tee.pk}/", {"variants": [{"id": variant.pk, "quantity": 7}]}, format="json")
    assert response.status_code == 400
    assert _message(response)[0][0] == "variants.0.quantity"
    assert (Product.objects.get(pk=product.pk).quantity, Variant.objects.get(pk=variant.pk).quantity) == (5, 4)
    # sending back the figure as read (a GET then PUT) is fine, and so is a new product's opening quantity
    body = api.get(f"{PRODUCTS}{product.pk}/").json()
    response = api.patch(f"{PRODUCTS}{product.pk}/", {"quantity": body["quantity"], "title": "Mug"}, format="json")
    assert response.status_code == 200, response.json()
    response = api.post(PRODUCTS, {"sku": "NEW-1", "title": "New", "price": "3.00", "quantity": 6}, format="json")
    assert response.status_code == 201, response.json()
    assert stock_for_sku("NEW-1").on_hand == 6
    # a bad quantity type is still a field error
    response = api.patch(f"{PRODUCTS}{product.pk}/", {"quantity": "lots"}, format="json")
    assert response.status_code == 400
    assert _message(response)[0][0] == "quantity"


def test_the_stock_adjustment_is_the_way_to_change_it(api):
    ProductFactory(sku="MUG-1", quantity=5)
    response = api.post("/api/v1/stock/adjust/", {"sku": "MUG-1", "delta": 4, "reason": "found"}, format="json")
    assert response.status_code in (200, 201), response.json()
    assert api.get(PRODUCTS).json()["results"][0]["quantity"] == 9


def _import(tmp_path, rows, name="products.csv", **kwargs):
    return import_file(path=write_csv(tmp_path / name, rows), **kwargs)


HEADER = ["sku", "parent_sku", "title", "price", "currency", "quantity", "status", "Size"]


def test_import_quantity_is_an_import_movement_and_available_follows(tmp_path, admin_user, shop):
    mug = ProductFactory(sku="MUG-1", quantity=10)
    order_ingest(channel=shop, remote=remote_order(lines=[remote_line(quantity=2)]))  # committed 2, available 8
    rows = [
        HEADER,
        ["MUG-1", "", "Mug", "10.00", "USD", "20", "active", ""],  # available 8 -> 20
        ["LAMP-1", "", "Lamp", "5.00", "USD", "3", "active", ""],  # new, opening 3
        ["TEE", "", "Tee", "8.00", "USD", "0", "active", ""],
        ["TEE-M", "TEE", "", "8.00", "USD", "4", "", "M"],  # new variant, 4
    ]
    batch = _import(tmp_path, rows, user=admin_user)
    assert batch.status == ImportBatchStatus.COMMITTED, batch.status
    stock = Stock.objects.get(sku="MUG-1")
    assert (stock.on_hand, stock.committed, stock.available) == (22, 2, 20)
    assert Product.objects.get(pk=mug.pk).quantity == 20
    movement = StockMovement.objects.get(stock=stock, reason=Reason.IMPORT)
    assert (movement.delta, movement.source_type, movement.source_id) == (12, "catalog.importbatch", str(batch.pk))
    assert movement.idempotency_key == f"import:{batch.pk}:quantity:row:2"
    assert movement.actor == admin_user
    assert [(m.reason, m.delta) for m in StockMovement.objects.filter(stock__sku="LAMP-1")] == [("import", 3)]
    assert [(m.reason, m.delta) for m in StockMovement.objects.filter(stock__sku="TEE-M")] == [("import", 4)]
    assert not Stock.objects.filter(sku="TEE", variant__isnull=True).exists()  # a product with variants: per variant
    # the next order starts from the imported figure: no "catalog edit" count in between
    order_ingest(channel=shop, remote=remote_order(order_id="2", lines=[remote_line(quantity=1)]))
    assert not StockMovement.objects.filter(idempotency_key__startswith="catalog-edit:").exists()
    assert Stock.objects.get(sku="MUG-1").available == 19
    # the same sheet again changes nothing in the ledger
    count = StockMovement.objects.count()
    rows[1][5] = "19"
    _import(tmp_path, rows, name="again.csv")
    assert StockMovement.objects.count() == count


def test_import_bad_quantities_are_row_errors_and_move_nothing(tmp_path):
    ProductFactory(sku="MUG-1", quantity=10)
    stock = stock_for_sku("MUG-1")
    rows = [
        HEADER,
        ["MUG-1", "", "Mug", "10.00", "USD", "-3", "active", ""],
        ["LAMP-1", "", "Lamp", "5.00", "USD", "lots", "active", ""],
        ["VASE-1", "", "Vase", "5.00", "USD", "2.5", "active", ""],
    ]
    batch = _import(tmp_path, rows)
    assert batch.error_count == 3
    assert not StockMovement.objects.filter(reason=Reason.IMPORT).exists()
    stock.refresh_from_db()
    assert stock.on_hand == 10
    stock_adjust(stock=stock, delta=-1, reason="broken")
    assert Product.objects.get(sku="MUG-1").quantity == 9
