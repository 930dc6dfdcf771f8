"""Stages and tasks: the seeded defaults, the model invariants and the priority formula (docs/workflow.md)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from workflow.models import Stage, Task, priority_score_of

pytestmark = pytest.mark.django_db


def test_the_seed_s_seven_stages_exist_in_order():
    rows = list(Stage.objects.values_list("name", "sort_order", "is_default", "is_terminal", "color"))
    assert rows == [
        ("Backlog", 1, True, False, "#6B7280"),
        ("To Analyze", 2, False, False, "#3B82F6"),
        ("In Progress", 3, False, False, "#F59E0B"),
        ("Review", 4, False, False, "#8B5CF6"),
        ("Ready to Deploy", 5, False, False, "#10B981"),
        ("Monitoring", 6, False, False, "#06B6D4"),
        ("Done", 7, False, True, "#22C55E"),
    ]


@pytest.mark.parametrize(
    ("impact", "ease", "urgency", "expected"),
    [("8.5", "6", "9", "45.90"), ("10", "10", "10", "100.00"), ("0", "10", "10", "0.00"), ("5", "5", "5", "12.50")],
    ids=["seed_example_case", "max_case", "zero_part_case", "defaults_case"],
)
def test_priority_score_is_the_product_of_the_parts_over_ten(impact, ease, urgency, expected):
    assert priority_score_of(Decimal(impact), Decimal(ease), Decimal(urgency)) == Decimal(expected)


def test_a_negative_wip_limit_is_refused_naming_the_field(stages):
    stage = stages["Review"]
    stage.wip_limit = -1
    with pytest.raises(ValidationError) as info:
        stage.full_clean()
    assert "wip_limit" in info.value.message_dict


def test_the_database_refuses_a_negative_wip_limit_too(stages):
    with pytest.raises(IntegrityError), transaction.atomic():
        Stage.objects.filter(pk=stages["Review"].pk).update(wip_limit=-1)
    assert Stage.objects.get(pk=stages["Review"].pk).wip_limit is None


def test_a_second_default_stage_is_refused_by_the_database(stages):
    with pytest.raises(IntegrityError), transaction.atomic():
        Stage.objects.filter(pk=stages["Done"].pk).update(is_default=True)


@pytest.mark.parametrize("part", ["impact_score", "ease_score", "urgency_score"])
@pytest.mark.parametrize("value", ["-0.5", "10.5"], ids=["below_case", "above_case"])
def test_a_priority_part_out_of_0_to_10_is_refused(stages, part, value):
    task = Task(title="t", stage=stages["Backlog"], **{part: Decimal(value)})
    with pytest.raises(ValidationError) as info:
        task.full_clean()
    assert part in info.value.message_dict


@pytest.mark.parametrize("tags", [["ok", ""], "a,b", [1]], ids=["empty_tag_case", "text_case", "number_case"])
def test_tags_must_be_a_list_of_words(stages, tags):
    task = Task(title="t", stage=stages["Backlog"], tags=tags)
    with pytest.raises(ValidationError) as info:
        task.full_clean()
    assert "tags" in info.value.message_dict


def test_a_source_rule_belongs_only_to_a_rule_made_task(stages):
    task = Task(title="t", stage=stages["Backlog"], created_by_kind="user", source_rule="7")
    with pytest.raises(ValidationError) as info:
        task.full_clean()
    assert "source_rule" in info.value.message_dict
