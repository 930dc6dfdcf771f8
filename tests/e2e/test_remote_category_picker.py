"""Browser flow (docs/channels.md#marketplace-categories): on a sandbox channel, "Load marketplace categories"
caches the marketplace's tree; "Pick…" in a mapping row opens the picker over it, parents cannot be chosen, a
leaf fills the id and the name and shows its attributes; saved, the mapping shows the leaf. A typed id outside
the tree is flagged."""

import pytest
from playwright.sync_api import expect

from catalog.services import category_create
from channels.models import CategoryMapping

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_load_pick_a_leaf_and_save(page, staff_login, make_sandbox_channel):
    channel = make_sandbox_channel("lazada", name="Lazada SG")
    dresses = category_create(name="Dresses")
    staff_login()
    page.goto(f"/channels/{channel.pk}/")
    expect(page.locator(".remote-pick")).to_have_count(0)  # nothing loaded: no picker yet
    page.click("#remote-categories-load button")
    expect(page.locator(".messages")).to_contain_text("Loaded 13 marketplace categories from Lazada SG.")

    page.click("#mappings .remote-pick")
    search = page.locator(f"#ext_{dresses.pk}_picker_search")
    expect(search).to_be_focused()
    search.fill("women")
    tree = page.locator(f"#ext_{dresses.pk}_picker_tree li")
    expect(tree).to_have_text(
        [
            "Clothing > Women's clothing",
            "Clothing > Women's clothing > Dresses",
            "Clothing > Women's clothing > Tops",
        ]
    )
    expect(tree.nth(0)).to_have_attribute("aria-disabled", "true")
    tree.nth(0).dispatch_event("mousedown")  # a parent: nothing is filled
    expect(page.locator(f"#ext_{dresses.pk}")).to_have_value("")
    search.fill("women dresses")
    search.press("Enter")
    expect(page.locator(f"#ext_{dresses.pk}")).to_have_value("10001001")
    expect(page.locator(f"#extname_{dresses.pk}")).to_have_value("Clothing > Women's clothing > Dresses")
    # the leaf's attributes as labelled fields, the mandatory ones marked
    attributes = page.locator("#mappings details.remote-attributes")
    attributes.locator("summary").click()
    fields = attributes.locator(".remote-attribute-fields label")
    expect(fields).to_have_count(3)
    expect(fields.nth(0)).to_contain_text("Size * (required)")
    expect(fields.nth(2)).to_contain_text("Material")
    expect(fields.nth(2)).not_to_contain_text("required")
    expect(fields.nth(0).locator("option")).to_have_text(["XS", "S", "M", "L", "XL"])
    page.click("#mappings button:has-text('Save mapping')")
    expect(page.locator(".messages")).to_contain_text("Saved 1 category mapping change")
    expect(page.locator(".messages")).not_to_contain_text("Check the mapping")
    expect(page.locator(f"#ext_{dresses.pk}")).to_have_value("10001001")
    mapping = CategoryMapping.objects.get(channel=channel, category=dresses)
    assert (mapping.external_category_id, mapping.external_category_name) == (
        "10001001",
        "Clothing > Women's clothing > Dresses",
    )

    # a typed id outside the tree: flagged under the input, and a warning after saving
    page.fill(f"#ext_{dresses.pk}", "999")
    expect(page.locator(f"#ext_{dresses.pk} ~ .remote-warning")).to_have_text(
        "Not in the loaded marketplace categories."
    )
    page.click("#mappings button:has-text('Save mapping')")
    expect(page.locator(".messages")).to_contain_text("Check the mapping: '999' is not in Lazada SG's loaded")
