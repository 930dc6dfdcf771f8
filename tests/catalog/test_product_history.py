"""The product page's history as sentences a seller can read (docs/pages.md#product-history)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.models import Category
from catalog.selectors import product_history
from catalog.services import category_create, product_update, variant_create, variant_update
from tests.catalog.factories import ProductFactory

pytestmark = pytest.mark.django_db


def _sentences(product):
    return [change["sentence"] for row in product_history(product) for change in row["changes"]]


def test_category_change_names_both_categories_and_a_deleted_one():
    # given a product moved from Tees to Shirts to Polos, and Tees deleted since
    tees, shirts, polos = (category_create(name=name) for name in ("Tees", "Shirts", "Polos"))
    product = ProductFactory(sku="H-1", category=tees)
    product_update(product=product, category=shirts)
    product_update(product=product, category=polos)
    tees_id = tees.pk
    Category.objects.filter(pk=tees_id).delete()

    # when the history is read
    sentences = _sentences(product)

    # then each move names the categories, the deleted one by its id
    assert sentences == [
        "Category changed from Shirts to Polos",
        f"Category changed from (deleted #{tees_id}) to Shirts",
        "Product created",
    ]


def test_price_status_and_variant_stock_read_as_sentences_with_the_raw_values_kept(staff_client):
    # given a compare-at price, a status and a variant's stock changed
    product = ProductFactory(sku="H-2", price=Decimal("10.00"), compare_at_price=Decimal("19.00"))
    variant = variant_create(product=product, sku="H-2-MB", options={"Size": "M", "Colour": "Blue"}, quantity=3)
    product_update(product=product, compare_at_price=Decimal("24.00"))
    product_update(product=product, status="active")
    variant_update(variant=variant, quantity=5)  # a catalog edit; ledger movements have their own page

    # when the product page is shown
    response = staff_client.get(reverse("catalog:product_detail", args=[product.pk]))

    # then the sentences use the field's name and the choice's label, not the column and the code
    html = response.content.decode()
    sentences = [c["sentence"] for row in response.context["history"] for c in row["changes"]]
    assert sentences[:3] == [
        "Variant M / Blue stock changed from 3 to 5",
        "Status changed from Draft to Active",
        "Compare-at price changed from 19.00 to 24.00",
    ]
    # and the raw field and values stay on the page (a title, and the Details toggle)
    assert '<li title="compare_at_price: 19.00 → 24.00">Compare-at price changed from 19.00 to 24.00</li>' in html
    assert "<li><code>quantity: 3 → 5</code></li>" in html
    assert "category_id" not in html


def test_empty_and_long_values_read_as_set_cleared_or_changed():
    # given a brand set then cleared, and a long description
    product = ProductFactory(sku="H-3")
    product_update(product=product, brand="Acme")
    product_update(product=product, brand="")
    product_update(product=product, description="<p>" + "long text " * 20 + "</p>")

    # then
    assert _sentences(product)[:3] == ["Description changed", "Brand cleared (was Acme)", "Brand set to Acme"]


@pytest.mark.parametrize("moves_case", [2, 20])
def test_history_names_related_objects_in_one_query_per_model(django_assert_max_num_queries, moves_case):
    # given a product moved between categories many times
    categories = [category_create(name=f"C{n}") for n in range(4)]
    product = ProductFactory(sku="H-4", category=categories[0])
    for n in range(moves_case):
        product_update(product=product, category=categories[(n + 1) % 4])

    # then variants, content types, entries and categories: the same few queries however long the history
    with django_assert_max_num_queries(4):
        rows = product_history(product)
    assert len(rows) == moves_case + 1


def test_image_added_changed_and_removed_read_as_sentences(make_listable_product):
    # given a product with its main image, and a second one added, described and then removed
    from catalog.demo import demo_image
    from catalog.services import image_add, image_delete, image_update

    product = make_listable_product()
    other = make_listable_product()  # another product's image history stays on its own page
    back = image_add(product=product, upload=demo_image((200, 60, 40), 3, size=400), filename="back.png")
    image_update(image=back, alt_text="The back")
    image_delete(image=back)

    sentences = _sentences(product)

    assert sentences[:3] == [
        "Image back.png removed",
        f"Image back.png alt text changed from {product.title} to The back",  # the alt text starts as the title
        "Image back.png added",
    ]
    assert not any("back.png" in sentence for sentence in _sentences(other))
