"""Browser flow of the automation rule pages (docs/automation.md): create a threshold rule through the editor, find it
in the list, open it and dry run it: the listing it would tag is in the decisions table, and nothing was saved."""

import pytest
from playwright.sync_api import expect

from workflow.models import AutomationRule, ListingTag, RuleEvaluation

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_create_a_threshold_rule_and_dry_run_it(page, staff_login, make_listing):
    listing = make_listing()  # priced 20.00: over 5
    staff_login()

    page.goto("/tasks/board/")
    page.get_by_role("link", name="Automation rules").click()
    page.wait_for_url("**/tasks/rules/")
    page.get_by_role("link", name="New rule").click()
    page.wait_for_url("**/tasks/rules/new/")

    form = page.get_by_role("form", name="Automation rule")
    form.get_by_label("Name").fill("Tag anything over 5")
    form.get_by_label("Trigger type").select_option("threshold")
    form.get_by_label("Trigger config").fill('{"metric": "price", "operator": "gt", "value": 5}')
    form.get_by_label("Action type").select_option("tag_listing")
    form.get_by_label("Action config").fill('{"tag": "over-5"')  # a typo first: the message names the field
    form.get_by_role("button", name="Save").click()
    expect(page.locator("#id_action_config_errors")).to_contain_text("Action config is not valid JSON")
    assert not AutomationRule.objects.exists()

    form.get_by_label("Action config").fill('{"tag": "over-5"}')
    form.get_by_role("button", name="Save").click()
    page.wait_for_url("**/tasks/rules/*/")
    expect(page.locator("body")).to_contain_text("Rule “Tag anything over 5” created.")

    page.get_by_role("link", name="Automation rules").first.click()
    table = page.get_by_role("table", name="Automation rules")
    expect(table).to_contain_text("Tag anything over 5")
    expect(table).to_contain_text("Active")
    table.get_by_role("link", name="Tag anything over 5").click()

    page.get_by_role("form", name="Dry run").get_by_role("button", name="Dry run").click()
    decisions = page.get_by_role("table", name="Dry run decisions")
    row = decisions.locator(f'tr[data-listing="{listing.pk}"]')
    expect(row).to_contain_text(str(listing))
    expect(row).to_contain_text("Matched")
    expect(row).to_contain_text('"tag": "over-5"')
    expect(page.locator("#dry-run-summary")).to_contain_text("Would act on 1 of 1 listing")

    assert not RuleEvaluation.objects.exists()
    assert not ListingTag.objects.exists()
    assert AutomationRule.objects.get().trigger_count == 0
