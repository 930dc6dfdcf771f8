"""Browser flow (docs/pages.md#category-picker): the category picker in the channel's category mapping editor
narrows the table to one branch, whose mapping is saved; on the channel form it adds and removes allowed
categories (a select of several)."""

import pytest
from playwright.sync_api import expect

from channels.models import CategoryMapping, Channel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_mapping_editor_and_channel_form_use_the_picker(page, staff_login, make_channel, category_tree):
    channel = make_channel("shopify", name="Shopify US")
    staff_login()
    page.goto(f"/channels/{channel.pk}/")
    expect(page.locator("#mappings tbody tr")).to_have_count(5)
    picker = page.locator("#id_branch_search")
    expect(page.locator("#id_branch")).to_have_attribute("aria-hidden", "true")
    picker.fill("wom dress")
    expect(page.locator("#id_branch_tree li")).to_have_text(["Fashion > Women > Dresses"])
    picker.press("Enter")
    page.click("#mapping-branch button[type=submit]")
    page.wait_for_url(f"**branch={category_tree['dresses'].pk}**")
    rows = page.locator("#mappings tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Dresses")
    page.fill(f"input[name=ext_{category_tree['dresses'].pk}]", "gid-dress")
    page.click("#mappings button:has-text('Save mapping')")
    page.wait_for_url(f"**branch={category_tree['dresses'].pk}#mappings")
    expect(page.locator(".messages")).to_contain_text("Saved 1 category mapping change")
    expect(page.locator("#id_branch_search")).to_have_value("Fashion > Women > Dresses")
    assert (
        CategoryMapping.objects.get(channel=channel, category=category_tree["dresses"]).external_category_id
        == "gid-dress"
    )

    # the channel form: several categories, each added from the search, listed, and one removed again
    page.goto(f"/channels/{channel.pk}/edit/")
    picker = page.locator("#id_allowed_categories_search")
    picker.fill("women")
    picker.press("Enter")  # Fashion > Women
    picker.fill("toys")
    expect(page.locator("#id_allowed_categories_tree li")).to_have_text(["Toys", "Toys > Dresses for dolls"])
    picker.press("ArrowDown")
    picker.press("Enter")  # Toys > Dresses for dolls; the list stays open for more
    expect(page.locator("#id_allowed_categories_tree")).to_be_visible()
    picker.press("ArrowUp")
    picker.press("Enter")  # Toys
    chosen = page.locator("#id_allowed_categories_chosen li")
    expect(chosen).to_have_text(["Fashion > Women ×", "Toys ×", "Toys > Dresses for dolls ×"])
    page.click("#id_allowed_categories_chosen button[aria-label='Remove Toys > Dresses for dolls']")
    expect(chosen).to_have_count(2)
    assert page.url.endswith("/edit/")
    page.click("form button[type=submit]:has-text('Save channel')")
    page.wait_for_url(f"**/channels/{channel.pk}/")
    saved = Channel.objects.get(pk=channel.pk).allowed_categories.order_by("name")
    assert [c.name for c in saved] == ["Toys", "Women"]
