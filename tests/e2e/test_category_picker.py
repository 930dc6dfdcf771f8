"""Browser flow (docs/pages.md#category-picker): the product list's category filter searched by words of the path,
chosen with the keyboard, sent by the form; the same picker in the product form sets the product's category."""

import pytest
from playwright.sync_api import expect

from catalog.models import Product
from tests.catalog.factories import CategoryFactory, ProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def tree():
    fashion = CategoryFactory(name="Fashion")
    women = CategoryFactory(name="Women", parent=fashion)
    dresses = CategoryFactory(name="Dresses", parent=women)
    men = CategoryFactory(name="Men", parent=fashion)
    CategoryFactory(name="Dresses for dolls", parent=CategoryFactory(name="Toys"))
    ProductFactory(sku="DRESS-1", title="Summer dress", category=dresses)
    ProductFactory(sku="SHIRT-1", title="Oxford shirt", category=men)
    return {"dresses": dresses, "men": men}


def test_filter_and_edit_with_the_category_picker(page, staff_login, tree):
    staff_login()
    page.goto("/catalog/products/")
    picker = page.locator("#id_category_search")
    # the select is replaced by a search box; empty, it shows the whole tree
    expect(page.locator("#id_category")).to_have_attribute("aria-hidden", "true")
    expect(picker).to_be_visible()
    picker.click()
    tree_list = page.locator("#id_category_tree")
    expect(tree_list).to_be_visible()
    expect(tree_list.locator("li")).to_have_count(7)  # "Any category" + 6 categories
    # words of the path, each matched separately, narrow it to full paths
    picker.fill("wom dress")
    expect(tree_list.locator("li")).to_have_text(["Fashion > Women > Dresses"])
    picker.press("Enter")
    expect(tree_list).to_be_hidden()
    expect(picker).to_have_value("Fashion > Women > Dresses")
    assert page.locator("#id_category").input_value() == str(tree["dresses"].pk)
    page.click(".filters button[type=submit]")
    page.wait_for_url(f"**category={tree['dresses'].pk}**")
    expect(page.locator("#product-table tbody tr")).to_have_count(1)
    expect(page.locator("#product-table")).to_contain_text("DRESS-1")
    expect(page.locator("#id_category_search")).to_have_value("Fashion > Women > Dresses")

    # no match says so; Escape puts the chosen path back
    picker = page.locator("#id_category_search")
    picker.fill("garden")
    expect(page.locator("#id_category_tree li")).to_have_text(["No category matches “garden”."])
    picker.press("Escape")
    expect(picker).to_have_value("Fashion > Women > Dresses")

    # the product form: arrow keys through the matches, Enter chooses without submitting
    product = Product.objects.get(sku="SHIRT-1")
    page.goto(f"/catalog/products/{product.pk}/edit/")
    picker = page.locator("#id_category_search")
    expect(picker).to_have_value("Fashion > Men")
    picker.fill("dresses")
    expect(page.locator("#id_category_tree li")).to_have_text(["Fashion > Women > Dresses", "Toys > Dresses for dolls"])
    picker.press("ArrowDown")
    picker.press("Enter")
    expect(picker).to_have_value("Toys > Dresses for dolls")
    assert page.url.endswith("/edit/")  # Enter in the picker did not send the form
    page.click("form.product-form button[type=submit]")
    page.wait_for_url(f"**/catalog/products/{product.pk}/")
    product.refresh_from_db()
    assert product.category.name == "Dresses for dolls"
