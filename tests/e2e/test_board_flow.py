"""Browser flows of the board (docs/workflow.md#board): a card dragged to another column in a real Chromium stays
there after a reload, and with JavaScript switched off the card's "Move…" form does the same."""

import pytest
from playwright.sync_api import expect

from tests.workflow.conftest import ensure_default_stages
from workflow.models import Stage
from workflow.services import task_create

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _stages():
    ensure_default_stages()  # a transactional test's flush also removes the migration's stages


def _column(page, name):
    return page.get_by_role("region", name=f"Stage {name}")


def test_drag_a_card_to_another_column_and_it_stays_after_reload(page, staff_login):
    backlog, review = Stage.objects.get(name="Backlog"), Stage.objects.get(name="Review")
    Stage.objects.filter(pk=review.pk).update(wip_limit=1)
    task_create(title="Already reviewing", stage=review)
    task = task_create(title="Rewrite the bullets", stage=backlog)
    task_create(title="Stays behind", stage=backlog)
    staff_login()

    page.goto("/tasks/board/")
    card = page.locator(f'[data-task="{task.pk}"]')
    target = _column(page, "Review").locator(".task-cards")
    expect(_column(page, "Review")).not_to_have_class("board-column over-wip")

    # drag by the handle, in small steps as a hand would (SortableJS's pointer fallback follows the mouse)
    handle = card.locator(".drag-handle").bounding_box()
    drop = target.locator(".task-card").first.bounding_box()
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    page.mouse.move(handle["x"] + 20, handle["y"] + 10, steps=5)
    page.mouse.move(drop["x"] + drop["width"] / 2, drop["y"] + 5, steps=20)
    page.mouse.up()

    expect(page.locator("#board")).to_have_attribute("data-last-move", str(task.pk))
    expect(_column(page, "Review")).to_have_class("board-column over-wip")
    expect(_column(page, "Review").locator("[data-wip-flag]")).to_be_visible()
    task.refresh_from_db()
    assert task.stage == review

    page.reload()
    expect(_column(page, "Review").locator(f'[data-task="{task.pk}"]')).to_be_visible()
    expect(_column(page, "Backlog")).not_to_contain_text("Rewrite the bullets")
    expect(_column(page, "Review")).to_have_class("board-column over-wip")
    expect(_column(page, "Review").locator("[data-count]")).to_have_text("2 / 1")


def test_without_javascript_the_move_form_moves_a_card(browser, live_server, make_user):
    backlog = Stage.objects.get(name="Backlog")
    task_create(title="First in review", stage=Stage.objects.get(name="Review"))
    task = task_create(title="Check compliance", stage=backlog)
    from django.contrib.auth.models import Group

    user = make_user("nojs")
    user.set_password(PASSWORD)
    user.save()
    user.groups.add(Group.objects.get(name="editor"))

    context = browser.new_context(java_script_enabled=False, base_url=live_server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto("/accounts/login/")
        page.fill("#id_username", "nojs")
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/")

        page.goto("/tasks/board/")
        card = page.locator(f'[data-task="{task.pk}"]')
        card.get_by_text("Move…").click()  # <details> opens without script
        form = card.get_by_role("form", name="Move Check compliance")
        form.locator("select[name=stage]").select_option(label="Review")
        form.locator("input[name=position]").fill("0")
        form.get_by_role("button", name="Move").click()

        page.wait_for_url("**/tasks/board/")
        expect(page.locator(".messages, [role=alert], body").first).to_contain_text("moved to Review, position 0")
        review = _column(page, "Review")
        expect(review.locator(".task-card").first).to_have_attribute("data-task", str(task.pk))
        expect(_column(page, "Backlog")).not_to_contain_text("Check compliance")
    finally:
        context.close()
    task.refresh_from_db()
    assert (task.stage.name, task.position) == ("Review", 0)
