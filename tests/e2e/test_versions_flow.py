"""Browser flow: edit a product, read its History, compare two versions, roll back with a reason
(docs/catalog.md#versions)."""

import pytest
from playwright.sync_api import expect

from catalog.models import Product
from listings.models import ProductVersion

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_edit_then_history_diff_and_rollback(page, staff_login, listable_product):
    original = listable_product.title
    staff_login()
    page.goto(f"/catalog/products/{listable_product.pk}/edit/")
    page.fill("#id_title", "Kettle with a much better title")
    page.click("text=Save changes")
    page.click("#history-button")

    newest = page.locator("#version-3")
    expect(newest).to_contain_text("Manual edit")
    expect(newest.locator("ins", has_text="much better")).to_have_count(1)

    page.click("#compare-link")
    page.select_option("#id_a", "1")
    page.select_option("#id_b", "3")
    page.click("#compare-form button")
    expect(page.locator("#compare-result")).to_contain_text("Kettle with a much better title")

    page.go_back()
    page.go_back()
    page.locator("#version-2 summary").click()
    page.fill("#reason-2", "The old title sold better")
    page.locator("#version-2 .rollback-confirm").click()
    expect(page.locator(".messages")).to_contain_text("Rolled back to version 2: version 4.")
    expect(page.locator("#version-4")).to_contain_text("The old title sold better")
    assert Product.objects.get(pk=listable_product.pk).title == original
    assert ProductVersion.objects.filter(product=listable_product).latest("version_number").change_type == "rollback"
