"""The bulk price and stock grid: one changeset through the catalog and inventory services, errors in place
(docs/pages.md#bulk-price-and-stock-grid)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from catalog.models import Product, Variant
from catalog.services import product_create, variant_create
from inventory.models import StockMovement
from listings.models import Changeset
from listings.services.grid import GridChange, GridChangesetError, offers_grid_save

pytestmark = pytest.mark.django_db

GRID = "/catalog/bulk-edit/"


@pytest.fixture
def mug():
    return product_create(sku="MUG-1", title="Mug", price=Decimal("10.00"), quantity=5)


@pytest.fixture
def tee():
    product = product_create(sku="TEE-1", title="Tee", price=Decimal("20.00"))
    variant_create(product=product, sku="TEE-1-S", options={"Size": "S"}, quantity=3)
    return product


def _post(mug, tee, **overrides):
    small = tee.variants.get()
    data = {
        "row": [f"p{mug.pk}", f"p{tee.pk}", f"v{small.pk}"],
        f"p{mug.pk}-price": "10.00",
        f"p{mug.pk}-seen-price": "10.00",
        f"p{mug.pk}-compare_at_price": "",
        f"p{mug.pk}-seen-compare_at_price": "",
        f"p{mug.pk}-stock": "5",
        f"p{mug.pk}-seen-stock": "5",
        f"p{tee.pk}-price": "20.00",
        f"p{tee.pk}-seen-price": "20.00",
        f"p{tee.pk}-compare_at_price": "",
        f"p{tee.pk}-seen-compare_at_price": "",
        f"v{small.pk}-price": "",
        f"v{small.pk}-seen-price": "",
        f"v{small.pk}-compare_at_price": "",
        f"v{small.pk}-seen-compare_at_price": "",
        f"v{small.pk}-stock": "3",
        f"v{small.pk}-seen-stock": "3",
        "reason": "",
    }
    data.update({k.format(mug=mug.pk, tee=tee.pk, small=small.pk): v for k, v in overrides.items()})
    return data


# --- service ---


def test_grid_save_writes_prices_through_catalog_and_stock_through_the_ledger(mug, tee, editor_user):
    small = tee.variants.get()
    changes = [
        GridChange(key="a", product_id=mug.pk, fields={"price": Decimal("12.00")}, seen={"price": Decimal("10.00")}),
        GridChange(key="b", variant_id=small.pk, stock=8, stock_seen=3),
    ]

    counts = offers_grid_save(changes=changes, reason="received", user=editor_user)

    assert counts == {"rows": 2, "prices": 1, "stock": 1, "changeset": Changeset.objects.get(kind="grid").pk}
    mug.refresh_from_db()
    assert (mug.price, mug.version) == (Decimal("12.00"), 2)
    assert Variant.objects.get(pk=small.pk).quantity == 8
    movement = StockMovement.objects.filter(stock__variant=small, reason="manual_adjustment").get()
    assert (movement.delta, movement.note, movement.actor) == (5, "received", editor_user)


def test_grid_save_is_all_or_nothing_with_every_refusal_named(mug, tee):
    changes = [
        GridChange(key="ok", product_id=mug.pk, fields={"price": Decimal("11.00")}, seen={"price": Decimal("10.00")}),
        GridChange(
            key="bad",
            product_id=tee.pk,
            fields={"compare_at_price": Decimal("5.00")},
            seen={"compare_at_price": None},
        ),
    ]

    with pytest.raises(GridChangesetError) as exc:
        offers_grid_save(changes=changes)

    assert list(exc.value.row_errors) == ["bad"]
    assert "below the price" in exc.value.row_errors["bad"]
    assert Product.objects.get(pk=mug.pk).price == Decimal("10.00")


def test_grid_save_refuses_a_stale_row(mug):
    Product.objects.filter(pk=mug.pk).update(price=Decimal("9.00"))
    change = GridChange(
        key="p", product_id=mug.pk, fields={"price": Decimal("12.00")}, seen={"price": Decimal("10.00")}
    )

    with pytest.raises(GridChangesetError) as exc:
        offers_grid_save(changes=[change])

    assert "Changed by someone else" in exc.value.row_errors["p"]
    assert "price is now 9.00" in exc.value.row_errors["p"]
    assert Product.objects.get(pk=mug.pk).price == Decimal("9.00")


def test_grid_stock_change_needs_a_reason(mug):
    change = GridChange(key="p", product_id=mug.pk, stock=2, stock_seen=5)

    with pytest.raises(ValidationError) as exc:
        offers_grid_save(changes=[change], reason=" ")

    assert "reason is required" in exc.value.message_dict["reason"][0]
    assert Product.objects.get(pk=mug.pk).quantity == 5
    assert not StockMovement.objects.filter(reason="manual_adjustment").exists()


# --- page ---


def test_grid_page_lists_the_filtered_products_and_their_variants(editor_client, mug, tee):
    page = editor_client.get(GRID, {"q": "TEE"})

    keys = [row["key"] for row in page.context["rows"]]
    small = tee.variants.get()
    assert keys == [f"p{tee.pk}", f"v{small.pk}"]
    html = page.content.decode()
    assert f'name="v{small.pk}-stock" value="3"' in html
    assert f'name="p{tee.pk}-stock"' not in html  # a product with variants keeps stock per variant
    assert "js/grid.js" in html


def test_grid_page_saves_the_changed_rows(editor_client, mug, tee):
    response = editor_client.post(
        GRID + "?q=M",
        _post(mug, tee, **{"p{mug}-price": "11.50", "v{small}-stock": "7", "reason": "count"}),
    )

    assert response.status_code == 302
    assert response["Location"] == GRID + "?q=M"
    assert Product.objects.get(pk=mug.pk).price == Decimal("11.50")
    assert Variant.objects.get(product=tee).quantity == 7


def test_grid_page_keeps_every_input_and_shows_errors_in_place(editor_client, mug, tee):
    response = editor_client.post(
        GRID,
        _post(mug, tee, **{"p{mug}-price": "11.50", "p{tee}-price": "abc", "v{small}-stock": "-2", "reason": "x"}),
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert f'id="error-p{tee.pk}"' in html
    assert f'name="p{mug.pk}-price" value="11.50"' in html
    assert f'name="p{tee.pk}-price" value="abc"' in html
    assert Product.objects.get(pk=mug.pk).price == Decimal("10.00")


def test_grid_page_refuses_a_stale_value_and_keeps_the_input(editor_client, mug, tee):
    Product.objects.filter(pk=mug.pk).update(price=Decimal("9.00"))

    response = editor_client.post(GRID, _post(mug, tee, **{"p{mug}-price": "12.00"}))

    assert response.status_code == 400
    assert "price is now 9.00" in response.content.decode()
    assert Product.objects.get(pk=mug.pk).price == Decimal("9.00")


def test_grid_page_stock_without_reason_is_refused(editor_client, mug, tee):
    response = editor_client.post(GRID, _post(mug, tee, **{"p{mug}-stock": "1"}))

    assert response.status_code == 400
    assert "reason is required" in response.content.decode()
    assert Product.objects.get(pk=mug.pk).quantity == 5


def test_grid_page_is_refused_to_a_viewer(viewer_client, mug, tee):
    response = viewer_client.post(GRID, _post(mug, tee, **{"p{mug}-price": "1.00"}))

    assert response.status_code == 403
    assert Product.objects.get(pk=mug.pk).price == Decimal("10.00")
