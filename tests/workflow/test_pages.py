"""Task pages: the board (columns, cards with priority parts, WIP highlight, move form), the list with filters and
"my tasks", create / edit with errors next to their fields, the listing page's Tasks box and "create task" on a
competitor alert; viewers read, only editors act."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from competitors.models import Alert
from competitors.services import competitor_create
from workflow.models import Task

from .conftest import titles

pytestmark = pytest.mark.django_db


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_board_shows_every_stage_and_the_cards_with_their_parts(editor_client, make_task, stages):
    make_task("Rewrite bullets", impact_score=Decimal("8.5"), ease_score=Decimal("6"), urgency_score=Decimal("9"))
    page = editor_client.get(reverse("workflow:board")).content.decode()
    for name in ("Backlog", "To Analyze", "In Progress", "Review", "Ready to Deploy", "Monitoring", "Done"):
        assert f'aria-label="Stage {name}"' in page
    assert "P 45.9" in page
    assert "impact 8.5 · ease 6 · urgency 9" in page
    assert 'class="move-form"' in page
    assert "js/board.js" in page
    assert "vendor/sortablejs/Sortable.min.js" in page
    assert "<script>" not in page  # no inline script (CSP)


def test_a_column_over_its_wip_limit_is_highlighted(editor_client, make_task, stages):
    stage = stages["In Progress"]
    stage.wip_limit = 1
    stage.save()
    make_task("A", stage="In Progress"), make_task("B", stage="In Progress")
    page = editor_client.get(reverse("workflow:board")).content.decode()
    assert f'class="board-column over-wip" data-stage-column="{stage.pk}"' in page
    assert "2 / 1" in page


def test_the_move_form_moves_and_renumbers_then_returns_to_the_board(editor_client, make_task, stages):
    make_task("X", stage="Review")
    task, _ = make_task("A"), make_task("B")
    response = editor_client.post(
        reverse("workflow:task_move", args=[task.pk]),
        {"stage": stages["Review"].pk, "position": "0", "back": "/tasks/board/?mine=false"},
    )
    assert response.status_code == 302
    assert response.url == "/tasks/board/?mine=false"
    assert titles(stages["Review"]) == [("A", 0), ("X", 1)]
    assert titles(stages["Backlog"]) == [("B", 0)]


def test_the_board_script_gets_json_with_the_column_counts(editor_client, make_task, stages):
    task = make_task("A")
    response = editor_client.post(
        reverse("workflow:task_move", args=[task.pk]),
        {"stage": stages["Done"].pk, "position": "0"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["task"], body["stage"], body["position"]) == (task.pk, stages["Done"].pk, 0)
    assert body["stages"][str(stages["Done"].pk)] == {"count": 1, "wip_limit": None, "over_wip": False}
    task.refresh_from_db()
    assert task.completed_at is not None


@pytest.mark.parametrize(
    ("data", "field"),
    [({"stage": "999999", "position": "0"}, "stage"), ({"stage": "STAGE", "position": "-2"}, "position")],
    ids=["unknown_stage_case", "negative_position_case"],
)
def test_a_bad_move_is_refused_naming_the_field_and_nothing_moves(editor_client, make_task, stages, data, field):
    task = make_task("A")
    data = {k: (str(stages["Review"].pk) if v == "STAGE" else v) for k, v in data.items()}
    url = reverse("workflow:task_move", args=[task.pk])
    response = editor_client.post(url, data, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    response = editor_client.post(url, data)
    assert _messages(response)[0].startswith(f"{field}: ")
    task.refresh_from_db()
    assert (task.stage, task.position) == (stages["Backlog"], 0)


def test_a_move_into_a_full_column_says_so(editor_client, make_task, stages):
    stage = stages["Review"]
    stage.wip_limit = 0
    stage.save()
    task = make_task("A")
    response = editor_client.post(reverse("workflow:task_move", args=[task.pk]), {"stage": stage.pk, "position": ""})
    assert _messages(response) == ["“A” moved to Review, position 0. Review is over its WIP limit of 0."]


def test_the_list_filters_and_my_tasks(editor_client, editor_user, make_user, make_task, stages):
    make_task("Mine open", assignee=editor_user, task_type="pricing")
    make_task("Theirs", assignee=make_user("other", "editor"))
    make_task("Mine done", stage="Done", assignee=editor_user)
    url = reverse("workflow:task_list")
    page = editor_client.get(url, {"mine": "true", "is_open": "true"}).content.decode()
    assert "Mine open" in page
    assert "Theirs" not in page
    assert "Mine done" not in page
    page = editor_client.get(url, {"task_type": "pricing"}).content.decode()
    assert "Mine open" in page
    assert "Theirs" not in page
    page = editor_client.get(url, {"stage": stages["Done"].pk}).content.decode()
    assert "Mine done" in page
    assert "Mine open" not in page
    board = editor_client.get(reverse("workflow:board"), {"mine": "true"}).content.decode()
    assert "Mine open" in board
    assert "Theirs" not in board


def test_create_then_edit_a_task(editor_client, editor_user, make_listing, stages):
    listing = make_listing()
    response = editor_client.post(
        reverse("workflow:task_create"),
        {"title": "Check compliance", "task_type": "compliance", "stage": stages["To Analyze"].pk,
         "assignee": editor_user.pk, "listings": str(listing.pk), "impact_score": "7", "ease_score": "5",
         "urgency_score": "4", "tags": "legal, uk"},
    )  # fmt: skip
    task = Task.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("workflow:task_detail", args=[task.pk])
    assert (task.stage, task.priority_score, task.tags, task.listing) == (
        stages["To Analyze"], Decimal("14.00"), ["legal", "uk"], listing,
    )  # fmt: skip
    detail = editor_client.get(response.url).content.decode()
    assert "= impact 7.00 × ease 5.00 × urgency 4.00 ÷ 10" in detail

    edit = reverse("workflow:task_update", args=[task.pk])
    assert 'value="legal, uk"' in editor_client.get(edit).content.decode()
    response = editor_client.post(
        edit,
        {"title": "Check compliance", "task_type": "compliance", "stage": stages["Review"].pk, "impact_score": "10",
         "ease_score": "5", "urgency_score": "4", "tags": ""},
    )  # fmt: skip
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.stage, task.priority_score, task.tags) == (stages["Review"], Decimal("20.00"), [])


def test_bad_task_input_is_shown_next_to_its_field(editor_client, stages):
    response = editor_client.post(
        reverse("workflow:task_create"),
        {"title": "", "task_type": "other", "impact_score": "12", "ease_score": "5", "urgency_score": "5",
         "listings": "999999, x"},
    )  # fmt: skip
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors.keys() == {"title", "impact_score", "listings"}
    assert errors["listings"] == ["Give listing ids (whole numbers) separated by commas."]
    response = editor_client.post(
        reverse("workflow:task_create"),
        {"title": "T", "task_type": "other", "impact_score": "5", "ease_score": "5", "urgency_score": "5",
         "listings": "999999"},
    )  # fmt: skip
    assert response.context["form"].errors == {"listings": ["Unknown listing id(s): 999999."]}
    assert not Task.objects.exists()


def test_the_new_task_form_is_prefilled_from_a_listing(editor_client, make_listing):
    listing = make_listing()
    form = editor_client.get(reverse("workflow:task_create"), {"listing": listing.pk}).context["form"]
    assert form["listing"].value() == listing.pk
    assert form["listings"].value() == str(listing.pk)


def test_complete_from_the_task_page(editor_client, make_task, stages):
    task = make_task("A")
    response = editor_client.post(reverse("workflow:task_complete", args=[task.pk]), {"outcome": "Fixed"})
    assert response.url == reverse("workflow:task_detail", args=[task.pk])
    task.refresh_from_db()
    assert (task.stage, task.outcome) == (stages["Done"], "Fixed")
    assert task.completed_at is not None


def test_the_listing_page_shows_its_tasks_and_adds_one(editor_client, make_listing, make_task, stages):
    listing = make_listing()
    make_task("Existing", listings=[listing])
    url = reverse("listings:listing_detail", args=[listing.pk])
    page = editor_client.get(url).content.decode()
    assert 'id="tasks"' in page
    assert "Existing" in page
    response = editor_client.post(
        reverse("workflow:listing_task_create", args=[listing.pk]), {"title": "Add photos", "task_type": "launch"}
    )
    assert response.url == url + "#tasks"
    task = Task.objects.get(title="Add photos")
    assert (task.listing, task.task_type, task.stage) == (listing, "launch", stages["Backlog"])
    response = editor_client.post(reverse("workflow:listing_task_create", args=[listing.pk]), {"title": ""})
    assert _messages(response)[-1] == "A task needs a title and a type."
    assert Task.objects.count() == 2


def test_create_task_from_a_competitor_alert(editor_client, make_channel, make_listing, stages):
    amazon = make_channel("amazon")
    listing = make_listing(channel=amazon)
    competitor = competitor_create(channel=amazon, item_id="B000000001", name="Kettle rival")
    now = timezone.now()
    alert = Alert.objects.create(
        competitor=competitor, alert_type="price_drop", previous_value="52.00", new_value="44.90",
        change_pct=Decimal("-13.65"), first_seen_at=now - timedelta(hours=1), last_seen_at=now,
    )  # fmt: skip
    alert.affected_listings.add(listing)
    inbox = editor_client.get(reverse("competitors:alert_list")).content.decode()
    assert reverse("workflow:alert_task_create", args=[alert.pk]) in inbox

    response = editor_client.post(reverse("workflow:alert_task_create", args=[alert.pk]))
    task = Task.objects.get()
    assert response.url == reverse("workflow:task_detail", args=[task.pk])
    assert (task.task_type, task.alert, task.listing, task.title) == (
        "competitive", alert, listing, "Price drop: Kettle rival (amazon B000000001)",
    )  # fmt: skip
    assert task.description == "Price drop: 52.00 → 44.90 (-13.65 %)"


def test_a_viewer_reads_the_pages_but_cannot_move(viewer_client, make_task, stages):
    task = make_task("A")
    urls = [reverse("workflow:board"), reverse("workflow:task_list"), reverse("workflow:task_detail", args=[task.pk])]
    for url in urls:
        response = viewer_client.get(url)
        assert response.status_code == 200
        assert 'class="move-form"' not in response.content.decode()
    response = viewer_client.post(reverse("workflow:task_move", args=[task.pk]), {"stage": stages["Done"].pk})
    assert response.status_code == 403
    assert viewer_client.get(reverse("workflow:task_create")).status_code == 403
    task.refresh_from_db()
    assert task.stage == stages["Backlog"]


def test_anonymous_visitors_are_sent_to_login(client, make_task):
    task = make_task("A")
    for url in (reverse("workflow:board"), reverse("workflow:task_detail", args=[task.pk])):
        assert client.get(url).url.startswith("/accounts/login/")


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", ["workflow:board", "workflow:task_list"])
def test_list_and_board_queries_do_not_grow_with_tasks(editor_client, make_task, make_listing, editor_user, name):
    listings = [make_listing(), make_listing()]
    url = reverse(name)

    def add(count, start):
        for n in range(start, start + count):
            make_task(f"T{n}", listings=[listings[n % 2]], assignee=editor_user, stage=["Backlog", "Review"][n % 2])

    add(2, 0)
    _queries(editor_client, url)  # warm-up (session, roles)
    few = _queries(editor_client, url)
    add(10, 2)
    assert _queries(editor_client, url) == few


def test_admin_pages_render(staff_client, make_task, stages):
    task = make_task("A")
    assert staff_client.get(reverse("admin:workflow_task_change", args=[task.pk])).status_code == 200
    assert staff_client.get(reverse("admin:workflow_stage_changelist")).status_code == 200
    response = staff_client.post(
        reverse("admin:workflow_stage_change", args=[stages["Review"].pk]),
        {"name": "Review", "color": "#8B5CF6", "sort_order": 4, "wip_limit": -1},
    )
    assert response.status_code == 200
    assert "wip_limit" in response.context["adminform"].form.errors
