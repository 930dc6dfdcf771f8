"""Stages page (docs/workflow.md#stages-page): the list in board order with task counts, create / edit through the
services with every bad input shown next to its field and nothing saved, delete of an empty stage only;
viewers read, only editors act."""

import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from workflow.models import Stage

pytestmark = pytest.mark.django_db

BOARD_ORDER = ["Backlog", "To Analyze", "In Progress", "Review", "Ready to Deploy", "Monitoring", "Done"]


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def form_data(**fields):
    """What the form posts for a valid stage; `fields` override (a checkbox left out is off)."""
    data = {"name": "Blocked", "description": "Waiting on someone", "color": "#d92d20", "sort_order": "8",
            "wip_limit": ""}  # fmt: skip
    return {**data, **fields}


def field_errors(page, field):
    """The error list right next to the field, as text ('' when there is none)."""
    found = re.search(rf'<ul class="errorlist" id="id_{field}_errors">(.*?)</ul>', page, re.S)
    return re.sub(r"<[^>]+>", " ", found.group(1)) if found else ""


def row(page, stage):
    """The list's table row of a stage."""
    return page.split(f'<tr data-stage="{stage.pk}">')[1].split("</tr>")[0]


def test_the_list_shows_the_stages_in_board_order_with_their_counts(editor_client, make_task, stages):
    make_task("A", stage="In Progress"), make_task("B", stage="In Progress"), make_task("C", stage="Done")
    response = editor_client.get(reverse("workflow:stage_list"))
    assert response.status_code == 200
    page = response.content.decode()
    rows = re.findall(r'<tr data-stage="(\d+)">', page)
    assert rows == [str(stages[name].pk) for name in BOARD_ORDER]
    in_progress, done, backlog = (row(page, stages[name]) for name in ("In Progress", "Done", "Backlog"))
    assert "data-open-count>2</td>" in in_progress
    assert "data-task-count>2</td>" in in_progress
    assert "data-open-count>0</td>" in done  # the move into the terminal stage completed it
    assert "data-task-count>1</td>" in done
    assert 'fill="#F59E0B"' in in_progress
    assert "terminal" in done
    assert "default" in backlog
    assert reverse("workflow:stage_create") in page
    assert reverse("workflow:stage_update", args=[stages["Review"].pk]) in page
    assert f'action="{reverse("workflow:stage_delete", args=[stages["Review"].pk])}"' in page
    assert "<script>" not in page  # CSP: no inline script or style
    assert "style=" not in page


def test_the_board_links_to_the_stages_page(editor_client, stages):
    page = editor_client.get(reverse("workflow:board")).content.decode()
    assert f'href="{reverse("workflow:stage_list")}">Stages</a>' in page


def test_the_form_offers_a_colour_picker_and_starts_right_of_the_last_column(editor_client, stages):
    page = editor_client.get(reverse("workflow:stage_create")).content.decode()
    assert re.search(r'<input type="color" name="color" value="#6B7280"', page)
    assert re.search(r'name="sort_order" value="8"', page)


def test_create_saves_through_the_services(editor_client, editor_user, stages):
    response = editor_client.post(reverse("workflow:stage_create"), form_data(wip_limit="3", is_terminal="on"))
    assert response.status_code == 302
    assert response.url == reverse("workflow:stage_list")
    stage = Stage.objects.get(name="Blocked")
    assert (stage.color, stage.sort_order, stage.wip_limit, stage.is_terminal, stage.is_default) == (
        "#D92D20", 8, 3, True, False,
    )  # fmt: skip
    assert stage.created_by == editor_user
    assert "Stage “Blocked” created." in _messages(response)


def test_making_a_new_stage_the_default_takes_the_flag_from_the_old_one(editor_client, stages):
    editor_client.post(reverse("workflow:stage_create"), form_data(is_default="on"))
    assert list(Stage.objects.filter(is_default=True).values_list("name", flat=True)) == ["Blocked"]


def test_edit_changes_the_wip_limit(editor_client, stages):
    stage = stages["Review"]
    url = reverse("workflow:stage_update", args=[stage.pk])
    page = editor_client.get(url).content.decode()
    assert 'value="Review"' in page
    data = form_data(name="Review", description="", color="#8B5CF6", sort_order="4", wip_limit="5")
    response = editor_client.post(url, data)
    assert response.status_code == 302
    stage.refresh_from_db()
    assert (stage.name, stage.wip_limit, stage.sort_order) == ("Review", 5, 4)
    assert "Stage “Review” saved." in _messages(response)
    editor_client.post(url, {**data, "wip_limit": ""})  # empty: no limit
    stage.refresh_from_db()
    assert stage.wip_limit is None


@pytest.mark.parametrize(
    ("fields", "field", "text"),
    [
        ({"wip_limit": "-1"}, "wip_limit", "greater than or equal to 0"),
        ({"wip_limit": "many"}, "wip_limit", "whole number"),
        ({"color": "red"}, "color", "#RRGGBB"),
        ({"color": "#12345G"}, "color", "#RRGGBB"),
        ({"color": ""}, "color", "required"),
        ({"name": "Review"}, "name", "already exists"),
        ({"name": ""}, "name", "required"),
        ({"sort_order": "x"}, "sort_order", "whole number"),
    ],
)
def test_bad_input_is_shown_next_to_its_field_and_nothing_is_saved(editor_client, stages, fields, field, text):
    before = list(Stage.objects.order_by("pk").values())
    response = editor_client.post(reverse("workflow:stage_create"), form_data(**fields))
    assert response.status_code == 400
    page = response.content.decode()
    assert text in field_errors(page, field)
    assert "nothing was saved" in page
    assert list(Stage.objects.order_by("pk").values()) == before


def test_a_refused_edit_keeps_the_stage_as_it_was(editor_client, stages):
    stage = stages["Review"]
    response = editor_client.post(
        reverse("workflow:stage_update", args=[stage.pk]),
        form_data(name="Backlog", color="#8B5CF6", sort_order="4", wip_limit="-1"),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "already exists" in field_errors(page, "name")
    assert "greater than or equal to 0" in field_errors(page, "wip_limit")
    assert "Edit stage Review" in page  # the heading names the stored stage, not the refused name
    stage.refresh_from_db()
    assert (stage.name, stage.wip_limit) == ("Review", None)


def test_delete_removes_an_empty_stage(editor_client, stages):
    stage = Stage.objects.create(name="Spare", sort_order=9)
    response = editor_client.post(reverse("workflow:stage_delete", args=[stage.pk]))
    assert response.status_code == 302
    assert response.url == reverse("workflow:stage_list")
    assert not Stage.objects.filter(pk=stage.pk).exists()
    assert "Stage “Spare” deleted." in _messages(response)


def test_a_stage_with_tasks_is_not_deleted_and_the_page_says_why(editor_client, make_task, stages):
    make_task("A", stage="Review"), make_task("B", stage="Review")
    response = editor_client.post(reverse("workflow:stage_delete", args=[stages["Review"].pk]), follow=True)
    assert response.status_code == 200
    assert "Stage Review still holds 2 task(s); move them first." in response.content.decode()
    assert Stage.objects.filter(pk=stages["Review"].pk).exists()
    assert stages["Review"].tasks.count() == 2


def test_delete_by_get_goes_back_to_the_list(editor_client, stages):
    response = editor_client.get(reverse("workflow:stage_delete", args=[stages["Review"].pk]))
    assert response.status_code == 302
    assert response.url == reverse("workflow:stage_list")
    assert Stage.objects.filter(pk=stages["Review"].pk).exists()


def test_an_unknown_stage_is_a_404(editor_client, stages):
    assert editor_client.get(reverse("workflow:stage_update", args=[999999])).status_code == 404
    assert editor_client.post(reverse("workflow:stage_delete", args=[999999])).status_code == 404


def test_a_viewer_reads_the_list_but_cannot_create_edit_or_delete(viewer_client, stages):
    response = viewer_client.get(reverse("workflow:stage_list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Backlog" in page
    assert reverse("workflow:stage_create") not in page
    assert reverse("workflow:stage_update", args=[stages["Review"].pk]) not in page
    assert reverse("workflow:stage_delete", args=[stages["Review"].pk]) not in page
    assert "<button" not in page.split('aria-label="Stages"')[1]
    stage = stages["Review"]
    assert viewer_client.get(reverse("workflow:stage_create")).status_code == 403
    assert viewer_client.post(reverse("workflow:stage_create"), form_data()).status_code == 403
    assert viewer_client.get(reverse("workflow:stage_update", args=[stage.pk])).status_code == 403
    update = reverse("workflow:stage_update", args=[stage.pk])
    assert viewer_client.post(update, form_data(wip_limit="1")).status_code == 403
    assert viewer_client.post(reverse("workflow:stage_delete", args=[stage.pk])).status_code == 403
    assert not Stage.objects.filter(name="Blocked").exists()
    stage.refresh_from_db()
    assert stage.wip_limit is None


def test_anonymous_visitors_are_sent_to_login(client, stages):
    response = client.get(reverse("workflow:stage_list"))
    assert response.status_code == 302
    assert "login" in response.url
