"""The grid's listings mode and its changesets (docs/pages.md#bulk-price-and-stock-grid): a listing's own price,
compare-at price and stock overrides validated per cell, every save one `grid` changeset that the changesets page
undoes, a value changed since named and left alone."""

from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.models import Product
from catalog.services import product_create
from inventory.models import StockMovement
from listings.models import Changeset, ChangesetValue, Listing

pytestmark = pytest.mark.django_db

GRID = "/catalog/bulk-edit/"
LISTINGS_GRID = GRID + "?rows=listings"


def _listing_post(*listings, **cells):
    """Every listing's row as the grid shows it (nothing changed), then `cells` ("l<pk>-price": "1.00")."""
    data: dict = {"row": [f"l{listing.pk}" for listing in listings]}
    for listing in listings:
        for name in ("price", "compare_at_price", "quantity"):
            value = getattr(listing, name)
            data[f"l{listing.pk}-{name}"] = data[f"l{listing.pk}-seen-{name}"] = "" if value is None else str(value)
    data.update(cells)
    return data


@pytest.fixture
def two_listings(make_channel, make_listing):
    channel = make_channel("shopify")
    return make_listing(channel=channel), make_listing(channel=channel)


def test_listings_grid_shows_each_override_and_the_channel_value(editor_client, two_listings):
    first, second = two_listings
    Listing.objects.filter(pk=first.pk).update(price=Decimal("25.00"))

    response = editor_client.get(LISTINGS_GRID)

    html = response.content.decode()
    assert response.status_code == 200
    assert [row["key"] for row in response.context["rows"]] == [f"l{first.pk}", f"l{second.pk}"]
    assert f'name="l{first.pk}-price" value="25.00"' in html
    sku = second.product.sku
    blank = f'name="l{second.pk}-price" value="" aria-label="Price of {sku}" data-cell placeholder="20.00"'
    assert blank in html
    assert response.context["rows"][0]["effective"]["price"].value == Decimal("25.00")


def test_listings_grid_follows_the_listing_filters(editor_client, make_channel, make_listing):
    shop, other = make_channel("shopify"), make_channel("etsy")
    kept = make_listing(channel=shop)
    make_listing(channel=other)

    response = editor_client.get(f"{LISTINGS_GRID}&channel={shop.pk}")

    assert [row["key"] for row in response.context["rows"]] == [f"l{kept.pk}"]


@pytest.mark.parametrize(
    ("typed_case", "message"),
    [
        ("-1", "Price: Ensure this value is greater than or equal to 0.01."),
        ("abc", "Price: Enter a number."),
        ("1234567890123", "Price: Ensure that there are no more than 12 digits in total."),
    ],
)
def test_listings_grid_refuses_a_bad_cell_and_saves_nothing(editor_client, two_listings, typed_case, message):
    first, second = two_listings

    response = editor_client.post(
        LISTINGS_GRID,
        _listing_post(first, second, **{f"l{first.pk}-price": "30.00", f"l{second.pk}-price": typed_case}),
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert f'<small class="error" id="error-l{second.pk}-price">{message}</small>' in html
    assert f'name="l{second.pk}-price" value="{typed_case}"' in html
    assert list(Listing.objects.order_by("pk").values_list("price", flat=True)) == [None, None]
    assert not Changeset.objects.exists()


def test_listings_grid_names_every_bad_cell_of_a_row(editor_client, two_listings):
    first, second = two_listings

    response = editor_client.post(
        LISTINGS_GRID, _listing_post(first, second, **{f"l{first.pk}-price": "x", f"l{first.pk}-quantity": "-3"})
    )

    html = response.content.decode()
    assert f'id="error-l{first.pk}-price">Price: Enter a number.' in html
    assert f'id="error-l{first.pk}-quantity">Stock: Ensure this value is greater than or equal to 0.' in html
    assert Listing.objects.get(pk=first.pk).quantity is None


def test_listings_grid_save_is_one_changeset_and_marks_changed_since_push(editor_client, two_listings):
    first, second = two_listings
    # on the marketplace since their last push: a change the marketplace would see marks them
    for listing in two_listings:
        Listing.objects.filter(pk=listing.pk).update(
            status="live", external_id=f"ext-{listing.pk}", changed_since_push=False, last_pushed_hash="old"
        )

    response = editor_client.post(
        LISTINGS_GRID,
        _listing_post(
            first,
            second,
            **{f"l{first.pk}-price": "31.00", f"l{second.pk}-price": "32.00", f"l{second.pk}-quantity": "4"},
        ),
    )

    assert response.status_code == 302
    changeset = Changeset.objects.get()
    assert changeset.kind == "grid"
    assert sorted(ChangesetValue.objects.values_list("listing_id", "field", "before", "after")) == sorted(
        [(first.pk, "price", "", "31.00"), (second.pk, "price", "", "32.00"), (second.pk, "quantity", "", "4")]
    )
    rows = Listing.objects.order_by("pk").values_list("price", "quantity", "changed_since_push")
    assert list(rows) == [(Decimal("31.00"), None, True), (Decimal("32.00"), 4, True)]


def test_listings_grid_is_refused_to_a_viewer(viewer_client, two_listings):
    first, second = two_listings

    response = viewer_client.post(LISTINGS_GRID, _listing_post(first, second, **{f"l{first.pk}-price": "5.00"}))

    assert response.status_code == 403
    assert Listing.objects.get(pk=first.pk).price is None


def test_listings_grid_page_of_50_rows_has_a_bounded_query_count(
    editor_client, make_channel, make_listing, make_listable_product, django_assert_max_num_queries
):
    channel = make_channel("shopify")
    for _ in range(50):
        make_listing(product=make_listable_product(), channel=channel)
    editor_client.get(LISTINGS_GRID)

    with django_assert_max_num_queries(10):  # 8 measured: session, user, count, page, variants
        response = editor_client.get(LISTINGS_GRID)

    assert len(response.context["rows"]) == 50


# --- undo ---


def _grid_saved(client, first, second, **cells) -> Changeset:
    response = client.post(LISTINGS_GRID, _listing_post(first, second, **cells))
    assert response.status_code == 302
    return Changeset.objects.get(kind="grid")


def test_undo_of_a_listings_grid_save_restores_the_overrides(editor_client, two_listings):
    first, second = two_listings
    changeset = _grid_saved(
        editor_client, first, second, **{f"l{first.pk}-price": "31.00", f"l{second.pk}-quantity": "4"}
    )

    response = editor_client.post(reverse("listings:changeset_undo", args=[changeset.pk]), follow=True)

    assert f"Changeset #{changeset.pk} undone: 2 item(s) restored." in response.content.decode()
    assert list(Listing.objects.order_by("pk").values_list("price", "quantity")) == [(None, None), (None, None)]
    changeset.refresh_from_db()
    assert changeset.status == "undone"


def test_undo_of_a_products_grid_save_restores_price_and_stock(editor_client):
    mug = product_create(sku="MUG-1", title="Mug", price=Decimal("10.00"), quantity=5)
    editor_client.post(
        GRID,
        {
            "row": [f"p{mug.pk}"],
            f"p{mug.pk}-price": "12.00",
            f"p{mug.pk}-seen-price": "10.00",
            f"p{mug.pk}-compare_at_price": "15.00",
            f"p{mug.pk}-seen-compare_at_price": "",
            f"p{mug.pk}-stock": "8",
            f"p{mug.pk}-seen-stock": "5",
            "reason": "received",
        },
    )
    changeset = Changeset.objects.get(kind="grid")
    assert Product.objects.values_list("price", "compare_at_price", "quantity").get() == (
        Decimal("12.00"),
        Decimal("15.00"),
        8,
    )

    editor_client.post(reverse("listings:changeset_undo", args=[changeset.pk]))

    assert Product.objects.values_list("price", "compare_at_price", "quantity").get() == (Decimal("10.00"), None, 5)
    changeset.refresh_from_db()
    assert (changeset.status, changeset.undo_report["restored"]) == ("undone", 1)
    # the stock went back through the ledger, saying why
    assert list(
        StockMovement.objects.filter(note=f"Undo of changeset #{changeset.pk}").values_list("delta", flat=True)
    ) == [-3]


def test_undo_leaves_a_value_changed_since_and_names_it(editor_client, two_listings):
    first, second = two_listings
    changeset = _grid_saved(
        editor_client, first, second, **{f"l{first.pk}-price": "31.00", f"l{second.pk}-price": "32.00"}
    )
    Listing.objects.filter(pk=first.pk).update(price=Decimal("40.00"))

    response = editor_client.post(reverse("listings:changeset_undo", args=[changeset.pk]), follow=True)

    html = response.content.decode()
    assert "1 item(s) restored" in html
    assert f"{first.product.sku} on {first.channel.name}: price is now 40.00, changed since this save" in html
    assert list(Listing.objects.order_by("pk").values_list("price", flat=True)) == [Decimal("40.00"), None]


def test_undo_of_a_grid_changeset_twice_is_refused(editor_client, two_listings):
    first, second = two_listings
    changeset = _grid_saved(editor_client, first, second, **{f"l{first.pk}-price": "31.00"})
    editor_client.post(reverse("listings:changeset_undo", args=[changeset.pk]))
    Listing.objects.filter(pk=first.pk).update(price=Decimal("31.00"))

    response = editor_client.post(reverse("listings:changeset_undo", args=[changeset.pk]), follow=True)

    assert "was already undone" in response.content.decode()
    assert Listing.objects.get(pk=first.pk).price == Decimal("31.00")


def test_api_undo_of_a_grid_changeset_goes_through_the_same_service(api, editor_client, two_listings):
    first, second = two_listings
    changeset = _grid_saved(editor_client, first, second, **{f"l{second.pk}-compare_at_price": "45.00"})

    response = api.post(f"/api/v1/changesets/{changeset.pk}/undo/")

    assert response.status_code == 200
    assert response.json() == {"queued": False, "restored": 1, "conflicts": [], "skipped": []}
    assert Listing.objects.get(pk=second.pk).compare_at_price is None


# --- products mode: the same per-cell checks ---


@pytest.mark.parametrize(
    ("column", "typed_case", "message"),
    [
        ("price", "-1", "Price: Ensure this value is greater than or equal to 0."),
        ("price", "abc", "Price: Enter a number."),
        (
            "compare_at_price",
            "1234567890123",
            "Compare-at price: Ensure that there are no more than 12 digits in total.",
        ),
        ("stock", "-2", "Stock: Ensure this value is greater than or equal to 0."),
        ("stock", "2.5", "Stock: Enter a whole number."),
    ],
)
def test_products_grid_refuses_a_bad_cell_and_saves_nothing(editor_client, column, typed_case, message):
    mug = product_create(sku="MUG-1", title="Mug", price=Decimal("10.00"), quantity=5)
    seen = {"price": "10.00", "compare_at_price": "", "stock": "5"}
    data = {"row": [f"p{mug.pk}"], "reason": "count"}
    for name, value in seen.items():
        data[f"p{mug.pk}-{name}"] = data[f"p{mug.pk}-seen-{name}"] = value
    data[f"p{mug.pk}-price"] = "11.00"
    data[f"p{mug.pk}-{column}"] = typed_case

    response = editor_client.post(GRID, data)

    assert response.status_code == 400
    assert f'<small class="error" id="error-p{mug.pk}-{column}">{message}</small>' in response.content.decode()
    assert Product.objects.values_list("price", "compare_at_price", "quantity").get() == (Decimal("10.00"), None, 5)
    assert not Changeset.objects.exists()
