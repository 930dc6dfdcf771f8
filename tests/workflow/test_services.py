"""Workflow services: creation in the default stage, moves with renumbering of both columns, completion, WIP
limits that highlight but never refuse, updates and automation's tasks_create_for (docs/workflow.md)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from common.errors import ApplicationError
from workflow import services
from workflow.models import Stage, Task
from workflow.selectors import board_columns, stage_counts, task_my_list

from .conftest import titles

pytestmark = pytest.mark.django_db


def test_a_new_task_lands_at_the_bottom_of_the_default_stage_with_its_score(stages, make_user):
    # given a task already in the backlog
    services.task_create(title="First")
    user = make_user("alice", "editor")
    # when another is created by a person
    task = services.task_create(
        user=user, title="Second", impact_score=Decimal("8.5"), ease_score=Decimal("6"), urgency_score=Decimal("9")
    )
    # then it is second in Backlog, scored, and marked as made by that user
    assert task.stage == stages["Backlog"]
    assert titles(stages["Backlog"]) == [("First", 0), ("Second", 1)]
    assert task.priority_score == Decimal("45.90")
    assert (task.created_by_kind, task.created_by) == ("user", user)
    assert task.completed_at is None


def test_a_task_made_without_a_person_is_a_system_task(stages):
    assert services.task_create(title="Auto").created_by_kind == "system"


def test_the_main_listing_is_also_linked_and_the_first_listing_becomes_main(make_listing, stages):
    one, two = make_listing(), make_listing()
    task = services.task_create(title="Both", listings=[one, two])
    assert task.listing == one
    assert set(task.listings.all()) == {one, two}
    other = services.task_create(title="Main only", listing=two)
    assert list(other.listings.all()) == [two]


def test_moving_within_a_stage_renumbers_it(make_task, stages):
    a, _b, c = make_task("A"), make_task("B"), make_task("C")
    services.task_move(task=c, stage=stages["Backlog"], position=0)
    assert titles(stages["Backlog"]) == [("C", 0), ("A", 1), ("B", 2)]
    services.task_move(task=c, stage=stages["Backlog"], position=99)
    assert titles(stages["Backlog"]) == [("A", 0), ("B", 1), ("C", 2)]
    services.task_move(task=a, stage=stages["Backlog"], position=1)
    assert titles(stages["Backlog"]) == [("B", 0), ("A", 1), ("C", 2)]


def test_moving_across_stages_closes_the_gap_and_opens_a_place(make_task, stages):
    make_task("A"), make_task("B"), make_task("C")
    make_task("X", stage="Review"), make_task("Y", stage="Review")
    b = Task.objects.get(title="B")
    moved = services.task_move(task=b, stage=stages["Review"], position=1)
    assert (moved.stage, moved.position) == (stages["Review"], 1)
    assert titles(stages["Backlog"]) == [("A", 0), ("C", 1)]
    assert titles(stages["Review"]) == [("X", 0), ("B", 1), ("Y", 2)]


def test_a_move_without_a_position_goes_to_the_bottom(make_task, stages):
    make_task("X", stage="Review")
    task = make_task("A")
    services.task_move(task=task, stage=stages["Review"], position=None)
    assert titles(stages["Review"]) == [("X", 0), ("A", 1)]


def test_a_negative_position_is_refused_and_nothing_moves(make_task, stages):
    task = make_task("A")
    with pytest.raises(ApplicationError, match="position"):
        services.task_move(task=task, stage=stages["Review"], position=-1)
    task.refresh_from_db()
    assert (task.stage, task.position) == (stages["Backlog"], 0)


def test_moving_into_a_terminal_stage_completes_and_out_of_it_reopens(make_task, stages):
    task = make_task("A")
    done = services.task_move(task=task, stage=stages["Done"], position=0)
    assert done.completed_at is not None
    again = services.task_move(task=done, stage=stages["Done"], position=0)
    assert again.completed_at == done.completed_at  # a move inside Done keeps the first completion time
    reopened = services.task_move(task=done, stage=stages["Monitoring"], position=0)
    assert reopened.completed_at is None


def test_complete_moves_to_the_top_of_done_with_the_outcome(make_task, stages):
    make_task("Older", stage="Done")
    task = make_task("A")
    done = services.task_complete(task=task, outcome="Sales +12 %")
    assert (done.stage, done.position, done.outcome) == (stages["Done"], 0, "Sales +12 %")
    assert done.completed_at is not None
    assert titles(stages["Done"]) == [("A", 0), ("Older", 1)]


def test_complete_without_a_terminal_stage_is_refused(make_task, stages):
    task = make_task("A")
    services.stage_update(stage=stages["Done"], is_terminal=False)
    with pytest.raises(ApplicationError, match="terminal"):
        services.task_complete(task=task)
    task.refresh_from_db()
    assert task.stage == stages["Backlog"]


def test_a_wip_limit_is_highlighted_but_does_not_refuse_a_move(make_task, stages):
    # given In Progress allows one task and holds one
    services.stage_update(stage=stages["In Progress"], wip_limit=1)
    make_task("Busy", stage="In Progress")
    task = make_task("A")
    # when another is moved in
    services.task_move(task=task, stage=stages["In Progress"], position=0)
    # then it is there, and the column is flagged
    assert titles(stages["In Progress"]) == [("A", 0), ("Busy", 1)]
    assert stage_counts()[stages["In Progress"].pk] == {"count": 2, "wip_limit": 1, "over_wip": True}
    column = next(c for c in board_columns() if c.stage == stages["In Progress"])
    assert column.over_wip is True
    assert next(c for c in board_columns() if c.stage == stages["Backlog"]).over_wip is False


def test_a_wip_limit_of_zero_flags_any_task(make_task, stages):
    services.stage_update(stage=stages["Review"], wip_limit=0)
    assert stage_counts()[stages["Review"].pk]["over_wip"] is False
    make_task("A", stage="Review")
    assert stage_counts()[stages["Review"].pk]["over_wip"] is True


def test_stage_update_refuses_a_negative_wip_limit_naming_the_field(stages):
    with pytest.raises(ValidationError) as info:
        services.stage_update(stage=stages["Review"], wip_limit=-3)
    assert "wip_limit" in info.value.message_dict
    assert Stage.objects.get(pk=stages["Review"].pk).wip_limit is None


def test_making_a_stage_default_takes_the_flag_from_the_old_one(stages, make_task):
    services.stage_update(stage=stages["To Analyze"], is_default=True)
    assert list(Stage.objects.filter(is_default=True)) == [stages["To Analyze"]]
    assert make_task("A", stage=None).stage == stages["To Analyze"]


def test_a_stage_with_tasks_cannot_be_deleted(make_task, stages):
    make_task("A", stage="Review")
    with pytest.raises(ApplicationError, match="still holds 1 task"):
        services.stage_delete(stage=stages["Review"])
    assert Stage.objects.filter(pk=stages["Review"].pk).exists()
    services.stage_delete(stage=stages["Monitoring"])
    assert not Stage.objects.filter(name="Monitoring").exists()


def test_update_rescores_and_a_new_stage_moves_to_its_bottom(make_task, stages):
    make_task("X", stage="Review")
    task = make_task("A")
    make_task("B")
    updated = services.task_update(task=task, stage=stages["Review"], urgency_score=Decimal("10"))
    assert updated.priority_score == Decimal("25.00")
    assert titles(stages["Review"]) == [("X", 0), ("A", 1)]
    assert titles(stages["Backlog"]) == [("B", 0)]


def test_update_refuses_an_unknown_field(make_task):
    task = make_task("A")
    with pytest.raises(ApplicationError, match="Unknown field"):
        services.task_update(task=task, position=5)


def test_delete_closes_the_gap(make_task, stages):
    a = make_task("A")
    make_task("B")
    services.task_delete(task=a)
    assert titles(stages["Backlog"]) == [("B", 0)]


def test_my_tasks_are_the_open_ones_assigned_to_me(make_task, make_user, stages):
    me, other = make_user("me", "editor"), make_user("other", "editor")
    mine = make_task("Mine", assignee=me)
    make_task("Theirs", assignee=other)
    make_task("Finished", stage="Done", assignee=me)
    assert list(task_my_list(user=me)) == [mine]


def test_tasks_create_for_makes_one_per_listing_and_does_not_repeat_an_open_one(make_listing, stages):
    one, two = make_listing(), make_listing()
    first = services.tasks_create_for(listings=[one, two], title="Score below 70", task_type="optimization",
                                      source_rule=12)  # fmt: skip
    assert [(t.listing, t.created_by_kind, t.source_rule, t.stage.name) for t in first] == [
        (one, "rule", "12", "Backlog"),
        (two, "rule", "12", "Backlog"),
    ]
    # the rule fires again: an open task of it exists for both, so nothing new
    assert services.tasks_create_for(listings=[one, two], title="Score below 70", source_rule=12) == []
    # once the first is done, the listing may get a new one
    services.task_complete(task=first[0])
    again = services.tasks_create_for(listings=[one, two], title="Score below 70", source_rule=12)
    assert [t.listing for t in again] == [one]
    assert Task.objects.count() == 3


def test_tasks_create_for_one_task_about_all_listings(make_listing, stages):
    one, two = make_listing(), make_listing()
    [task] = services.tasks_create_for(listings=[one, two], title="Bulk fix", per_listing=False,
                                       created_by_kind="system")  # fmt: skip
    assert set(task.listings.all()) == {one, two}
    assert (task.created_by_kind, task.source_rule) == ("system", "")
