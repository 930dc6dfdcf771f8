"""The import tasks live in catalog/importing/tasks.py; rows queued before the move name catalog.tasks."""

import pickle

import pytest

from catalog.importing import tasks

NAMES = [
    "import_batch_validate_task",
    "import_batch_commit_task",
    "import_batch_undo_task",
    "import_images_fetch_task",
    "import_listings_create_task",
]


@pytest.mark.parametrize("name", NAMES)
def test_a_task_pickled_under_its_former_path_is_still_found(name):
    # given the reference django-q2's ORM broker pickled for a task queued before the move
    stored = f"ccatalog.tasks\n{name}\n.".encode()

    # when a worker unpickles it, then it is the task as it is now
    assert pickle.loads(stored) is getattr(tasks, name)


@pytest.mark.parametrize("name", NAMES)
def test_new_tasks_are_queued_under_the_new_path(name):
    assert pickle.loads(pickle.dumps(getattr(tasks, name))).__module__ == "catalog.importing.tasks"
