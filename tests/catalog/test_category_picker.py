"""The category picker (docs/pages.md#category-picker): every place a category is chosen renders a select of full
paths marked for static/js/category_picker.js; the product list's bulk action moves products to a category."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.filters import ProductFilterSet
from catalog.forms import ProductBulkForm, ProductForm
from catalog.models import Product
from catalog.services import category_update
from intake.forms import IntakeReviewForm
from tests.catalog.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db

PRODUCTS = "/catalog/products/"
BULK = "/catalog/products/bulk/"


@pytest.fixture
def tree():
    fashion = CategoryFactory(name="Fashion")
    women = CategoryFactory(name="Women", parent=fashion)
    dresses = CategoryFactory(name="Dresses", parent=women)
    home = CategoryFactory(name="Home")
    kitchen = CategoryFactory(name="Kitchen", parent=home)
    return {"fashion": fashion, "women": women, "dresses": dresses, "home": home, "kitchen": kitchen}


def _options(html: str, select_id: str) -> list[str]:
    """The <option> tags of the select with this id."""
    select = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None, select_id
    return re.findall(r"<option[^>]*>[^<]*</option>", select.group(1))


def _labels(html: str, select_id: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", option) for option in _options(html, select_id)]


@pytest.mark.parametrize(
    ("make_form", "select_id", "empty", "reads"),
    [
        # the product form also reads the categories that set a title limit (docs/catalog.md#title-length)
        (lambda: ProductForm(), "id_category", "No category", 2),
        (lambda: ProductFilterSet(None, queryset=Product.objects.all()).form, "id_category", "Any category", 1),
        (lambda: ProductBulkForm(), "id_bulk_category", "Choose a category", 1),
    ],
    ids=["product_form_case", "product_filter_case", "bulk_move_case"],
)
def test_category_fields_render_the_picker_with_full_paths(tree, make_form, select_id, empty, reads):
    # given a three-level tree
    form = make_form()
    # when the category field renders
    with CaptureQueriesContext(connection) as queries:
        html = str(form["category"])
    # then it is a plain select of full paths, marked for the picker, with each option's depth and own name
    assert "data-category-picker" in html
    assert f'id="{select_id}"' in html
    assert _labels(html, select_id) == [
        empty,
        "Fashion",
        "Fashion &gt; Women",
        "Fashion &gt; Women &gt; Dresses",
        "Home",
        "Home &gt; Kitchen",
    ]
    dresses = [o for o in _options(html, select_id) if f'value="{tree["dresses"].pk}"' in o][0]
    assert 'data-depth="2"' in dresses
    assert 'data-name="Dresses"' in dresses
    assert len(queries) == reads  # the paths come from the one query of the choices


def test_an_active_category_under_an_inactive_one_still_shows_its_whole_path(tree):
    # given an inactive parent (the product form offers only active categories)
    category_update(category=tree["home"], is_active=False)
    # when the product form's category field renders
    html = str(ProductForm()["category"])
    # then its active child reads with the parent's name, and the inactive one is not offered
    labels = _labels(html, "id_category")
    assert "Home &gt; Kitchen" in labels
    assert "Home" not in labels


def test_intake_review_uses_the_picker(tree):
    html = str(IntakeReviewForm()["category"])
    assert "data-category-picker" in html
    assert "Fashion &gt; Women &gt; Dresses" in _labels(html, "id_category")


def test_the_filter_still_takes_a_category_and_its_subtree(staff_client, tree):
    # given products in a leaf, in its parent and elsewhere
    ProductFactory(sku="DRESS-1", category=tree["dresses"])
    ProductFactory(sku="WOMEN-1", category=tree["women"])
    ProductFactory(sku="KITCH-1", category=tree["kitchen"])
    # when the list is filtered on the middle category (what the picker sets)
    response = staff_client.get(PRODUCTS, {"category": tree["women"].pk})
    # then the category and everything below it is listed, and the page carries the picker
    assert sorted(p.sku for p in response.context["products"]) == ["DRESS-1", "WOMEN-1"]
    html = response.content.decode()
    assert html.count("data-category-picker") == 2  # the filter and the bulk move
    assert "js/category_picker.js" in html


def test_bulk_move_to_a_category(staff_client, tree):
    # given two products in the kitchen
    one = ProductFactory(sku="MOVE-1", category=tree["kitchen"])
    two = ProductFactory(sku="MOVE-2", category=tree["kitchen"])
    # when both are moved to Dresses from the list
    data = {"action": "category", "category": tree["dresses"].pk, "ids": [one.pk, two.pk], "next": PRODUCTS}
    response = staff_client.post(BULK, data, follow=True)
    # then both are there, and the message says where and how many
    assert set(Product.objects.filter(pk__in=[one.pk, two.pk]).values_list("category_id", flat=True)) == {
        tree["dresses"].pk
    }
    assert [str(m) for m in response.context["messages"]] == [
        "Moved to Fashion > Women > Dresses on 2 product(s), 0 skipped."
    ]


def test_bulk_move_without_a_category_changes_nothing(staff_client, tree):
    product = ProductFactory(sku="STAY-1", category=tree["kitchen"])
    response = staff_client.post(BULK, {"action": "category", "ids": [product.pk], "next": PRODUCTS}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Choose the category to move the products to."]
    product.refresh_from_db()
    assert product.category_id == tree["kitchen"].pk


def test_a_viewer_cannot_move_products(viewer_client, tree):
    product = ProductFactory(sku="VIEW-1", category=tree["kitchen"])
    data = {"action": "category", "category": tree["dresses"].pk, "ids": [product.pk], "next": PRODUCTS}
    response = viewer_client.post(BULK, data, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["You may view products but not change them."]
    product.refresh_from_db()
    assert product.category_id == tree["kitchen"].pk
    assert "data-category-picker" not in str(viewer_client.get(PRODUCTS).content).split("bulk-form")[1]
