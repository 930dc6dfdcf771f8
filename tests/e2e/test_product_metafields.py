"""Browser flow (docs/catalog.md#metafields): from the product page to its metafields, a refused value shown beside
its input with nothing saved, then a corrected save, seen back on the product page. Runs under the CSP."""

import pytest
from playwright.sync_api import expect

from catalog.models import Product
from catalog.services import metafield_definition_create
from tests.catalog.factories import ProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_edit_product_metafields_with_a_refusal_then_a_save(page, staff_login):
    layers = metafield_definition_create(
        namespace="specs", key="layers", type="number_integer", name="Layers", validations={"max": 9}
    )
    washable = metafield_definition_create(namespace="specs", key="washable", type="boolean", name="Washable")
    product = ProductFactory(sku="MF-E2E", title="Rain jacket", metafields={"specs.layers": 2})
    staff_login()

    page.goto(f"/catalog/products/{product.pk}/")
    expect(page.locator('#metafields tr[data-metafield="specs.layers"]')).to_contain_text("2")
    page.locator("#metafields-button").click()
    expect(page.locator("h1")).to_contain_text("Metafields")

    page.fill(f"#id_mf_{layers.pk}", "many")
    page.select_option(f"#id_mf_{washable.pk}", "true")
    page.get_by_role("button", name="Save metafields").click()
    expect(page.locator(f"#id_mf_{layers.pk}_errors")).to_have_text(
        "'specs.layers' must be a whole number, got 'many'."
    )
    expect(page.locator(".form-errors").first).to_contain_text("nothing was saved")
    assert Product.objects.get(pk=product.pk).metafields == {"specs.layers": 2}

    page.fill(f"#id_mf_{layers.pk}", "3")
    page.get_by_role("button", name="Save metafields").click()
    expect(page.locator(".messages")).to_contain_text("Saved 2 metafield(s): specs.layers, specs.washable.")

    page.goto(f"/catalog/products/{product.pk}/")
    expect(page.locator('#metafields tr[data-metafield="specs.layers"]')).to_contain_text("3")
    expect(page.locator('#metafields tr[data-metafield="specs.washable"]')).to_contain_text("true")
    assert Product.objects.get(pk=product.pk).metafields == {"specs.layers": 3, "specs.washable": True}
