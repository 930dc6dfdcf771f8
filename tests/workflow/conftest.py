"""Fixtures of the workflow tests: the seeded stages by name and a task factory going through the services."""

import importlib

import pytest

from workflow.models import Stage
from workflow.services import task_create

DEFAULT_STAGES = importlib.import_module("workflow.migrations.0002_default_stages").DEFAULT_STAGES


def ensure_default_stages() -> dict[str, Stage]:
    """The seven stages of the data migration, by name; made again if a transactional test flushed them."""
    for name, order, is_default, is_terminal, color in DEFAULT_STAGES:
        Stage.objects.get_or_create(
            name=name,
            defaults={"sort_order": order, "is_default": is_default, "is_terminal": is_terminal, "color": color},
        )
    return {stage.name: stage for stage in Stage.objects.all()}


@pytest.fixture
def stages(db):
    return ensure_default_stages()


@pytest.fixture
def make_task(stages):
    def make(title="Fix the title", stage="Backlog", **fields):
        return task_create(stage=stages[stage] if isinstance(stage, str) else stage, title=title, **fields)

    return make


def titles(stage):
    """Task titles of a stage in board order, with their stored positions."""
    return [(task.title, task.position) for task in stage.tasks.order_by("position", "id")]
