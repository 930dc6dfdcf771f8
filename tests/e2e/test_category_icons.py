"""Browser flow (docs/catalog.md#category-icons): a refused file, then an icon uploaded on the category page,
shown in the category tree."""

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.catalog.factories import CategoryFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_upload_a_category_icon_and_see_it_in_the_tree(page, staff_login, tmp_path):
    mugs = CategoryFactory(name="Mugs")
    staff_login()
    (tmp_path / "notes.png").write_text("not a picture")
    Image.new("RGB", (48, 48), (10, 120, 200)).save(tmp_path / "mug.png")

    page.goto("/catalog/categories/")
    page.get_by_role("link", name="Mugs").click()
    expect(page.locator("h1")).to_have_text("Mugs")
    page.set_input_files("#id_icon", str(tmp_path / "notes.png"))
    page.get_by_role("button", name="Upload icon").click()
    expect(page.locator("form[aria-label='Upload icon']")).to_contain_text("The file is not an image")

    page.set_input_files("#id_icon", str(tmp_path / "mug.png"))
    page.get_by_role("button", name="Upload icon").click()
    expect(page.locator(".messages")).to_contain_text("Icon mug.png is now the icon of Mugs.")
    expect(page.get_by_role("table", name="Category icons")).to_contain_text("48×48")

    page.goto("/catalog/categories/")
    icon = page.locator(f'tr[data-category="{mugs.pk}"] img.category-icon')
    expect(icon).to_have_attribute("alt", "Icon of Mugs")
    assert page.evaluate("(img) => img.naturalWidth", icon.element_handle()) == 48
